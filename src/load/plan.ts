/**
 * What COPY loads: each source table the condition selects and the send's filter replicates,
 * its target name through the send's map and exec's case rules (the same tableMapper verify
 * uses, so the three never disagree), the key it is read in, its secondary indexes.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { CptConfig, ExecConfig } from '../config/types';
import type { Condition } from '../dict/condition';
import type { DictColumn, DictionaryEntry } from '../dict/entry';
import { toTableDescriptor } from '../dict/entry';
import { mysqlColumnKind } from '../dialect/mysql/mysql-normalize';
import type { TableDescriptor } from '../model/change';
import { tableMapper, type TargetName } from '../verify/map';
import type { VColumn, VTable } from '../verify/types';
import type { LoadSource } from './load-source';

export interface SourceIndex {
  readonly name: string;
  readonly unique: boolean;
  /** source column names in key order */
  readonly columns: readonly string[];
  /** a key part is a prefix (col(10)) or an expression */
  readonly partial: boolean;
}

export interface TablePlan {
  readonly entry: DictionaryEntry;
  readonly source: TableDescriptor;
  readonly target: TargetName;
  /** source columns rows are read and resumed in (primary key, else the identifying unique key); empty: one chunk */
  readonly key: readonly string[];
  /** every index except the primary key */
  readonly indexes: readonly SourceIndex[];
  /** information_schema's row estimate (for progress) */
  readonly estimatedRows: number;
  /** `schema`.`table` on the source, for messages */
  readonly sourceName: string;
  readonly targetName: string;
}

export function sourceVTable(e: DictionaryEntry, kindOf: (c: DictColumn) => VColumn['kind'] = mysqlColumnKind): VTable {
  return {
    schema: e.schema,
    table: e.table,
    columns: e.columns.map((c) => ({ name: c.name, kind: kindOf(c), type: c.columnType })),
    key: e.primaryKey.length > 0 ? e.primaryKey : (e.uniqueKeys.find((k) => k.name === e.rowKey)?.columns ?? []),
  };
}

export async function readMysqlIndexes(conn: Connection, cond: Condition): Promise<Map<string, SourceIndex[]>> {
  const f = cond.toSql({ dialect: 'mysql', columns: { DB: 's.TABLE_SCHEMA', SCH: 's.TABLE_SCHEMA', TAB: 's.TABLE_NAME' } });
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT s.TABLE_SCHEMA AS sch, s.TABLE_NAME AS tab, s.INDEX_NAME AS name, s.NON_UNIQUE AS nu, s.SEQ_IN_INDEX AS seq,
            s.COLUMN_NAME AS col, s.SUB_PART AS sub
       FROM information_schema.STATISTICS s WHERE s.INDEX_NAME <> 'PRIMARY' AND ${f.sql}
      ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX`,
    f.params,
  );
  const out = new Map<string, SourceIndex[]>();
  for (const r of rows) {
    const k = `${String(r.sch)}\u0000${String(r.tab)}`;
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    let ix = list.find((x) => x.name === String(r.name));
    if (!ix) list.push((ix = { name: String(r.name), unique: Number(r.nu) === 0, columns: [], partial: false }));
    (ix.columns as string[]).push(r.col === null ? '' : String(r.col));
    if (r.col === null || r.sub !== null) (ix as { partial: boolean }).partial = true;
  }
  return out;
}

export async function readMysqlEstimates(conn: Connection, cond: Condition): Promise<Map<string, number>> {
  const f = cond.toSql({ dialect: 'mysql', columns: { DB: 't.TABLE_SCHEMA', SCH: 't.TABLE_SCHEMA', TAB: 't.TABLE_NAME' } });
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT t.TABLE_SCHEMA AS sch, t.TABLE_NAME AS tab, t.TABLE_ROWS AS n FROM information_schema.TABLES t WHERE ${f.sql}`,
    f.params,
  );
  return new Map(rows.map((r) => [`${String(r.sch)}\u0000${String(r.tab)}`, Number(r.n ?? 0)]));
}

export interface Planned {
  readonly tables: TablePlan[];
  /** tables the condition selects that the send's filter does not replicate */
  readonly skipped: string[];
}

export async function planTables(source: Pick<LoadSource, 'indexes' | 'estimates' | 'columnKind'>, cond: Condition, entries: readonly DictionaryEntry[], cpt: CptConfig, exec: ExecConfig): Promise<Planned> {
  const mapper = tableMapper(cpt, exec);
  const indexes = await source.indexes(cond);
  const estimates = await source.estimates(cond);
  const tables: TablePlan[] = [];
  const skipped: string[] = [];
  for (const e of entries) {
    const name = `${e.schema}.${e.table}`;
    if (!mapper.allowed(e.schema, e.table)) {
      skipped.push(name);
      continue;
    }
    const v = sourceVTable(e, (c) => source.columnKind(c));
    const target = mapper.target(v);
    const k = `${e.schema}\u0000${e.table}`;
    tables.push({
      entry: e,
      source: toTableDescriptor(e),
      target,
      key: v.key,
      indexes: indexes.get(k) ?? [],
      estimatedRows: estimates.get(k) ?? 0,
      sourceName: name,
      targetName: `${target.schema}.${target.table}`,
    });
  }
  // largest first: the longest table starts at once, the small ones fill in around it
  tables.sort((a, b) => b.estimatedRows - a.estimatedRows);
  return { tables, skipped };
}
