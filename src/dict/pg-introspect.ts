/**
 * Reads the PostgreSQL catalog into the same dictionary entries the MySQL path produces
 * (entry.ts), for COPY from a PostgreSQL source. The MySQL-only fields keep neutral values:
 *
 *   dataType    pg_type.typname ('int4', 'numeric', 'timestamptz', '_int4' for int4[]...)
 *   columnType  format_type() ('numeric(12,2)', 'character varying(20)', 'integer[]')
 *   mysqlTypeCode / mysqlRealType  0 (no binlog type), unsigned false, invisible false
 *   autoIncrement  false: rows are copied with their values; an identity or serial
 *                  default is not recreated on the target
 *   generated   never set: a stored generated column is created as a plain column holding the values
 *
 * The catalog is read on an ordinary session (not at the copy's snapshot): DDL while a
 * copy runs is not supported.
 */
import type { Client } from 'pg';
import type { Condition } from './condition';
import type { DictColumn, DictionaryEntry, DictUniqueKey } from './entry';
import type { SourceIndex } from '../load/plan';

const key = (s: string, t: string): string => `${s}\u0000${t}`;

interface ColRow {
  s: string;
  t: string;
  col: string;
  num: number;
  typname: string;
  type: string;
  notnull: boolean;
  charlen: number | null;
  precision: number | null;
  scale: number | null;
  dtprec: number | null;
}

interface IndexRow {
  s: string;
  t: string;
  name: string;
  primary: boolean;
  unique: boolean;
  /** column names in key order; null for an expression part */
  cols: (string | null)[];
  partial: boolean;
}

function filterSql(cond: Condition): { sql: string; params: unknown[] } {
  return cond.toSql({ dialect: 'pg', columns: { DB: 'current_database()', SCH: 'n.nspname', TAB: 'c.relname' } });
}

const TABLES = `c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'`;

async function readIndexRows(client: Client, cond: Condition): Promise<IndexRow[]> {
  const f = filterSql(cond);
  const r = await client.query<IndexRow>(
    `SELECT n.nspname AS s, c.relname AS t, ic.relname AS name, i.indisprimary AS primary, i.indisunique AS unique,
            i.indpred IS NOT NULL OR i.indexprs IS NOT NULL AS partial,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
                   ORDER BY k.ord) AS cols
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE ${TABLES} AND ${f.sql}
      ORDER BY n.nspname, c.relname, i.indisprimary DESC, ic.relname`,
    f.params,
  );
  return r.rows;
}

/** Every index except the primary key, per table (`schema\0table`). */
export async function readPgIndexes(client: Client, cond: Condition): Promise<Map<string, SourceIndex[]>> {
  const out = new Map<string, SourceIndex[]>();
  for (const r of await readIndexRows(client, cond)) {
    if (r.primary) continue;
    const k = key(r.s, r.t);
    const list = out.get(k) ?? out.set(k, []).get(k)!;
    list.push({ name: r.name, unique: r.unique, columns: r.cols.map((c) => c ?? ''), partial: r.partial || r.cols.includes(null) });
  }
  return out;
}

/** pg_class.reltuples per table (0 when never analyzed). */
export async function readPgEstimates(client: Client, cond: Condition): Promise<Map<string, number>> {
  const f = filterSql(cond);
  const r = await client.query<{ s: string; t: string; n: number }>(
    `SELECT n.nspname AS s, c.relname AS t, greatest(c.reltuples, 0)::float8 AS n
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${TABLES} AND ${f.sql}`,
    f.params,
  );
  return new Map(r.rows.map((x) => [key(x.s, x.t), Number(x.n)]));
}

/** Dictionary entries of the tables `cond` selects, ordered by schema and table. */
export async function introspectPg(client: Client, cond: Condition, source: string): Promise<{ serverVersion: string; entries: DictionaryEntry[] }> {
  const serverVersion = String((await client.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v ?? '');
  const f = filterSql(cond);
  const cols = await client.query<ColRow>(
    `SELECT n.nspname AS s, c.relname AS t, a.attname AS col, a.attnum AS num, ty.typname, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull,
            information_schema._pg_char_max_length(a.atttypid, a.atttypmod) AS charlen,
            information_schema._pg_numeric_precision(a.atttypid, a.atttypmod) AS precision,
            information_schema._pg_numeric_scale(a.atttypid, a.atttypmod) AS scale,
            information_schema._pg_datetime_precision(a.atttypid, a.atttypmod) AS dtprec
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type ty ON ty.oid = a.atttypid
      WHERE ${TABLES} AND ${f.sql}
      ORDER BY n.nspname, c.relname, a.attnum`,
    f.params,
  );
  const indexes = new Map<string, IndexRow[]>();
  for (const r of await readIndexRows(client, cond)) (indexes.get(key(r.s, r.t)) ?? indexes.set(key(r.s, r.t), []).get(key(r.s, r.t))!).push(r);
  const tables = new Map<string, ColRow[]>();
  for (const r of cols.rows) (tables.get(key(r.s, r.t)) ?? tables.set(key(r.s, r.t), []).get(key(r.s, r.t))!).push(r);
  const entries: DictionaryEntry[] = [];
  for (const rows of tables.values()) {
    const first = rows[0]!;
    const ix = indexes.get(key(first.s, first.t)) ?? [];
    const notNull = new Map(rows.map((r) => [r.col, r.notnull]));
    const pk = ix.find((i) => i.primary);
    const primaryKey = pk ? pk.cols.map((c) => c ?? '') : [];
    const uniqueKeys: DictUniqueKey[] = ix
      .filter((i) => i.unique && !i.primary && !i.cols.includes(null))
      .map((i) => ({ name: i.name, columns: i.cols as string[], identifying: !i.partial && i.cols.every((c) => notNull.get(c!) === true) }));
    const firstUnique = uniqueKeys.find((u) => u.identifying);
    const keyCols = new Set(pk ? primaryKey : (firstUnique?.columns ?? []));
    const columns: DictColumn[] = rows.map((r) => ({
      name: r.col,
      ordinal: Number(r.num),
      dataType: r.typname,
      columnType: r.type,
      mysqlTypeCode: 0,
      mysqlRealType: 0,
      unsigned: false,
      nullable: !r.notnull,
      ...(r.charlen !== null ? { charLength: Number(r.charlen) } : {}),
      ...(r.precision !== null ? { precision: Number(r.precision) } : {}),
      ...(r.scale !== null ? { scale: Number(r.scale) } : {}),
      ...(r.dtprec !== null ? { datetimePrecision: Number(r.dtprec) } : {}),
      key: keyCols.has(r.col),
      // no `generated`: the copy creates a stored generated column as a plain column and writes its values
      invisible: false,
      autoIncrement: false,
    }));
    entries.push({ schema: first.s, table: first.t, source, serverVersion, columns, primaryKey, uniqueKeys, rowKey: pk ? 'PRIMARY' : (firstUnique?.name ?? '') });
  }
  return { serverVersion, entries };
}
