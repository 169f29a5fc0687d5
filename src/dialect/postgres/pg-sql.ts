import type { JsonDiff } from '../../model/value';
import type { BoundColumn } from '../bound-table';
import { SqlWriter, type DialectParts } from '../sql-writer';
import type { ZeroDateRule } from '../zero-date';
import { pgJsonPath, pgLiteral, pgQuote } from './pg-literal';
import { pgQuoteIdent } from './postgres-normalize';

/** A partial JSON update as nested jsonb_set / #- over the column's current value. */
function jsonDiffExpr(column: string, d: JsonDiff, col: BoundColumn): string {
  let expr = `${column}::jsonb`;
  for (const st of d.steps) {
    const path = pgJsonPath(st.path);
    if (st.op === 'remove') expr = `(${expr} #- ${path})`;
    else expr = `jsonb_set(${expr}, ${path}, ${pgQuote(st.value ?? 'null')}::jsonb, ${st.op === 'insert' ? 'true' : 'false'})`;
  }
  return col.type === 'json' ? `${expr}::json` : expr;
}

/** What PostgreSQL statements do their own way (see SqlWriter). */
export function pgParts(opts: { zeroDate: ZeroDateRule }): DialectParts {
  return {
    quoteIdent: pgQuoteIdent,
    literal: (v, col) => pgLiteral(v, col, opts),
    jsonDiff: jsonDiffExpr,
    // no LIMIT on UPDATE/DELETE: address one physical row by its ctid
    oneRow: (table, where, set) =>
      set === undefined
        ? `DELETE FROM ${table} WHERE ctid = (SELECT ctid FROM ${table} WHERE ${where} LIMIT 1)`
        : `UPDATE ${table} SET ${set} WHERE ctid = (SELECT ctid FROM ${table} WHERE ${where} LIMIT 1)`,
    upsert: (table, t, cols, values, set) => {
      const key = t.key.map((i) => pgQuoteIdent(t.columns[i]!.name)).join(', ');
      const tail = set.length === 0 ? `DO NOTHING` : `DO UPDATE SET ${set.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
      return `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values} ON CONFLICT (${key}) ${tail}`;
    },
    // UPDATE ... FROM (VALUES ...): the VALUES columns are named v0, v1... (keys first)
    updateFromValues: (table, keys, set, rows) => {
      const v = (n: number) => `v${n}`;
      const names = [...keys, ...set].map((_, n) => v(n));
      const assign = set.length ? set.map((c, j) => `${c} = s.${v(keys.length + j)}`) : [`${keys[0]} = s.${v(0)}`];
      const on = keys.map((k, j) => `d.${k} = s.${v(j)}`).join(' AND ');
      return `UPDATE ${table} AS d SET ${assign.join(', ')} FROM (VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}) AS s (${names.join(', ')}) WHERE ${on}`;
    },
    cast: (literal, col) => `CAST(${literal} AS ${col.type})`,
    insertUnlessExists: (table, _t, cols, values) => `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`,
  };
}

export function pgWriter(opts: { zeroDate: ZeroDateRule }): SqlWriter {
  return new SqlWriter(pgParts(opts));
}
