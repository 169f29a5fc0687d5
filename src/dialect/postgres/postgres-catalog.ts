/**
 * Reads the PostgreSQL tables a COPY condition selects (SCH.NAME = schema, TAB.NAME = table,
 * DB.NAME = the connected database): columns in order with their type, and the primary key.
 */
import type { Client } from 'pg';
import type { Condition } from '../../dict/condition';
import type { VColumn, VTable } from '../../verify/types';
import { pgColumnKind } from './postgres-normalize';

export async function readPgTables(client: Client, cond: Condition): Promise<VTable[]> {
  const f = cond.toSql({ dialect: 'pg', columns: { DB: 'current_database()', SCH: 'n.nspname', TAB: 'c.relname' } });
  const cols = await client.query<{ s: string; t: string; col: string; type: string; typname: string; scale: number | null }>(
    `SELECT n.nspname AS s, c.relname AS t, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
            ty.typname, information_schema._pg_numeric_scale(a.atttypid, a.atttypmod) AS scale
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type ty ON ty.oid = a.atttypid
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND ${f.sql}
      ORDER BY n.nspname, c.relname, a.attnum`,
    f.params,
  );
  const keys = await client.query<{ s: string; t: string; col: string }>(
    `SELECT n.nspname AS s, c.relname AS t, a.attname AS col
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND ${f.sql}
      ORDER BY n.nspname, c.relname, k.ord`,
    f.params,
  );
  // exec orders a group's statements by them (parents' inserts first, children's deletes first)
  const refs = await client.query<{ s: string; t: string; rs: string; rt: string }>(
    `SELECT DISTINCT n.nspname AS s, c.relname AS t, rn.nspname AS rs, rc.relname AS rt
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class rc ON rc.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE k.contype = 'f' AND k.confrelid <> k.conrelid AND ${f.sql}`,
    f.params,
  );
  const byTable = new Map<string, { schema: string; table: string; columns: VColumn[]; key: string[]; references: { schema: string; table: string }[] }>();
  for (const r of cols.rows) {
    const k = `${r.s}\u0000${r.t}`;
    let t = byTable.get(k);
    if (t === undefined) byTable.set(k, (t = { schema: r.s, table: r.t, columns: [], key: [], references: [] }));
    t.columns.push({ name: r.col, kind: pgColumnKind(r.typname), type: r.type, ...(r.scale !== null ? { scale: Number(r.scale) } : {}) });
  }
  for (const r of keys.rows) byTable.get(`${r.s}\u0000${r.t}`)?.key.push(r.col);
  for (const r of refs.rows) byTable.get(`${r.s}\u0000${r.t}`)?.references.push({ schema: r.rs, table: r.rt });
  return [...byTable.values()];
}
