import { SynctlError } from '../../errors';
import type { ColumnDescriptor, TableDescriptor } from '../../model/change';
import { comparePositions, formatPosition, type Position } from '../../model/position';
import type { DictionaryEntry } from '../../dict/entry';
import type { DictStore } from '../../dict/store';
import type { BinlogColumn } from './column';
import type { TableMapEvent } from './events';
import { binlogTypeName, describeFromTableMap } from './assembler';

/**
 * The offline dictionary, held in memory for the decoder's synchronous hooks: every
 * version of every table, so the version valid at each event's position is a lookup.
 * Supplies what a TABLE_MAP without FULL row metadata lacks (names, signedness,
 * charsets, ENUM/SET labels, keys) and checks the two agree.
 */
type Versions = { position: Position; entry: DictionaryEntry | undefined }[];

export class DictionaryView {
  /** by schema, then table (no key string built per lookup); entry undefined: the table changed (DDL) with no dictionary version after it */
  private readonly bySchema = new Map<string, Map<string, Versions>>();
  private count = 0;

  private constructor() {}

  private list(schema: string, table: string): Versions | undefined {
    return this.bySchema.get(schema)?.get(table);
  }

  private set(schema: string, table: string, list: Versions): void {
    let tables = this.bySchema.get(schema);
    if (!tables) this.bySchema.set(schema, (tables = new Map()));
    if (!tables.has(table)) this.count++;
    tables.set(table, list);
  }

  static empty(): DictionaryView {
    return new DictionaryView();
  }

  static async load(store: DictStore): Promise<DictionaryView> {
    const view = new DictionaryView();
    for (const t of await store.listTables()) {
      const list: Versions = [];
      for (const v of await store.listVersions(t.schema, t.table)) {
        const full = await store.versionAt(t.schema, t.table, v.position);
        if (full) list.push({ position: full.position, entry: full.entry });
      }
      list.sort((a, b) => comparePositions(a.position, b.position));
      view.set(t.schema, t.table, list);
    }
    return view;
  }

  get size(): number {
    return this.count;
  }

  has(schema: string, table: string): boolean {
    return this.list(schema, table) !== undefined;
  }

  /** True when the newest version holds a layout and is older than `at`: a DDL at `at` makes it stale. */
  staleAfter(schema: string, table: string, at: Position): boolean {
    const list = this.list(schema, table);
    const newest = list?.[list.length - 1];
    return !!newest?.entry && newest.position.kind === at.kind && comparePositions(newest.position, at) < 0;
  }

  /** Adds a version in memory: a new layout after a DDL, or undefined when it is unknown. */
  record(schema: string, table: string, position: Position, entry: DictionaryEntry | undefined): void {
    const list = this.list(schema, table) ?? [];
    list.push({ position, entry });
    list.sort((a, b) => comparePositions(a.position, b.position));
    this.set(schema, table, list);
  }

  /**
   * Newest version at or before `at` (any version when `at` is unknown). `at` may be given
   * as a function: it is called only when the table has more than one version.
   */
  entryAt(schema: string, table: string, position: Position | (() => Position) | undefined): DictionaryEntry | undefined {
    const list = this.list(schema, table);
    if (!list?.length) return undefined;
    // one version (the common case): it answers for every position (see below)
    if (list.length === 1 || !position) return list[list.length - 1]!.entry;
    const at = typeof position === 'function' ? position() : position;
    // before the first version: the oldest one is the best guess (a dictionary taken a little
    // after the capture's start); a DDL tombstone yields undefined (use the binlog's metadata)
    let found = list[0]!;
    for (const v of list) {
      if (v.position.kind === at.kind && comparePositions(v.position, at) <= 0) found = v;
    }
    return found.entry;
  }
}

/**
 * A busy binlog repeats the same TABLE_MAP before every row event: merge once per
 * (dictionary version, table id, column types) and reuse the result.
 */
const mergedCache = new WeakMap<DictionaryEntry, Map<number, { types: Uint8Array; cols: BinlogColumn[] }>>();

/** Binlog columns of a TABLE_MAP merged with its dictionary entry (or undefined: use the map as is). */
export function mergeColumns(map: TableMapEvent, entry: DictionaryEntry | undefined, where: () => string): BinlogColumn[] | undefined {
  if (!entry) return undefined;
  let byTable = mergedCache.get(entry);
  const hit = byTable?.get(map.tableId);
  if (hit && Buffer.compare(hit.types, map.columnTypes) === 0 && hit.cols.length === map.columns.length) return hit.cols;
  const cols = mergeColumnsUncached(map, entry, where());
  if (!byTable) mergedCache.set(entry, (byTable = new Map()));
  byTable.set(map.tableId, { types: map.columnTypes, cols });
  return cols;
}

function mergeColumnsUncached(map: TableMapEvent, entry: DictionaryEntry, where: string): BinlogColumn[] {
  const logged = entry.columns.filter((c) => c.generated !== 'virtual');
  const cols = entry.columns.length === map.columns.length ? entry.columns : logged.length === map.columns.length ? logged : undefined;
  if (!cols) {
    throw new SynctlError(
      'STATE',
      `${where}: table ${map.schema}.${map.table} has ${map.columns.length} columns in the binlog but ${entry.columns.length} in its dictionary; refresh it: synctl copy 0 "SCH.NAME='${map.schema}' AND TAB.NAME='${map.table}'" DICT`,
    );
  }
  return map.columns.map((c, i) => {
    const d = cols[i]!;
    if (c.name && c.name !== d.name) {
      throw new SynctlError(
        'STATE',
        `${where}: column ${c.index + 1} of ${map.schema}.${map.table} is '${c.name}' in the binlog but '${d.name}' in its dictionary; refresh it: synctl copy 0 "SCH.NAME='${map.schema}' AND TAB.NAME='${map.table}'" DICT`,
      );
    }
    // compare the raw TABLE_MAP code (ENUM/SET/CHAR all log as STRING 254)
    const raw = map.columnTypes[i];
    if (d.mysqlTypeCode !== raw && d.mysqlTypeCode !== c.type) {
      throw new SynctlError(
        'STATE',
        `${where}: column ${map.schema}.${map.table}.${d.name} is binlog type ${raw} but type ${d.mysqlTypeCode} in its dictionary; refresh it: synctl copy 0 "SCH.NAME='${map.schema}' AND TAB.NAME='${map.table}'" DICT`,
      );
    }
    // binary string types have no charset in the catalog: say so, so BINARY(n) padding is restored
    const binaryType = !d.charset && /^(binary|varbinary|uuid|inet4|inet6|(tiny|medium|long)?blob)$/.test(d.dataType);
    const merged: BinlogColumn = {
      ...c,
      ...(binaryType && c.charset === undefined ? { charset: 'binary', collation: 63 } : {}),
      name: c.name || d.name,
      unsigned: map.hasSignedness ? c.unsigned : d.unsigned,
      ...(c.charset === undefined && !binaryType && d.charset !== undefined ? { charset: d.charset } : {}),
      ...(c.collation === undefined && d.collationId !== undefined ? { collation: d.collationId } : {}),
      ...(c.enumValues === undefined && d.enumValues ? { enumValues: d.enumValues } : {}),
      ...(c.setValues === undefined && d.setValues ? { setValues: d.setValues } : {}),
      ...(d.dataType === 'uuid' || d.dataType === 'inet4' || d.dataType === 'inet6' ? { logicalType: d.dataType } : {}),
    };
    return merged;
  });
}

/** The model descriptor: dictionary types and keys when known, else what the binlog says. */
export function describeTable(map: TableMapEvent, entry: DictionaryEntry | undefined): TableDescriptor {
  if (!entry) return describeFromTableMap(map);
  const byName = new Map(entry.columns.map((c) => [c.name, c]));
  const columns: ColumnDescriptor[] = map.columns.map((c) => {
    const d = byName.get(c.name);
    return {
      name: c.name || `@${c.index + 1}`,
      type: d?.columnType ?? binlogTypeName(c),
      key: d?.key ?? false,
      nullable: d?.nullable ?? c.nullable,
      ...(c.charset ? { charset: c.charset } : {}),
    };
  });
  return { schema: map.schema, table: map.table, columns };
}

export { formatPosition };
