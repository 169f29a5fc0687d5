import type { ColumnDescriptor, TableDescriptor } from '../model/change';
import type { VColumn, VTable } from '../verify/types';

/**
 * A source table bound to the table it is applied to: which target column each source
 * column feeds and which source columns address a row. Statement builders work from
 * this only, so the same code serves exec (target read from its catalog) and audit
 * output (target = the source itself).
 */
export interface BoundTable {
  readonly source: TableDescriptor;
  /** target schema and table as the target spells them */
  readonly schema: string;
  readonly table: string;
  /** target column per source column index; undefined: the target has no such column (not applied) */
  readonly columns: readonly (BoundColumn | undefined)[];
  /** source column indexes that address a row (the target's primary key, else the source's key) */
  readonly key: readonly number[];
  /** no key on either side: rows are addressed by every column, one row at a time */
  readonly keyless: boolean;
  /** target tables (`schema.table` as the target spells them) its foreign keys reference */
  readonly parents?: readonly string[];
}

/** The `parents` spelling of a target table. */
export function tableKey(schema: string, table: string): string {
  return `${schema}.${table}`;
}

export interface BoundColumn {
  readonly name: string;
  /** the target's type text ('numeric(12,2)', 'bit varying(8)', 'tinyint(1)') */
  readonly type: string;
  readonly kind: VColumn['kind'];
  readonly source: ColumnDescriptor;
}

/** Binds a source table to a target table read from the target's catalog (names already matched). */
export function bindTable(source: TableDescriptor, target: VTable, targetColumnOf: (sourceName: string) => VColumn | undefined): BoundTable {
  const columns = source.columns.map((c) => {
    const t = targetColumnOf(c.name);
    return t ? { name: t.name, type: t.type, kind: t.kind, source: c } : undefined;
  });
  const byTargetName = new Map<string, number>();
  columns.forEach((c, i) => c && byTargetName.set(c.name, i));
  let key = target.key.map((k) => byTargetName.get(k)).filter((i): i is number => i !== undefined);
  if (key.length !== target.key.length) key = [];
  if (key.length === 0) key = source.columns.flatMap((c, i) => (c.key && columns[i] ? [i] : []));
  const keyless = key.length === 0;
  if (keyless) key = columns.flatMap((c, i) => (c ? [i] : []));
  const parents = (target.references ?? []).map((r) => tableKey(r.schema, r.table));
  return { source, schema: target.schema, table: target.table, columns, key, keyless, ...(parents.length ? { parents } : {}) };
}

/** The source table as its own target (audit SQL: statements that re-run on the source engine). */
export function identityBinding(source: TableDescriptor, kindOf: (c: ColumnDescriptor) => VColumn['kind']): BoundTable {
  const columns = source.columns.map((c) => ({ name: c.name, type: c.type, kind: kindOf(c), source: c }));
  let key = source.columns.flatMap((c, i) => (c.key ? [i] : []));
  const keyless = key.length === 0;
  if (keyless) key = columns.map((_, i) => i);
  return { source, schema: source.schema, table: source.table, columns, key, keyless };
}
