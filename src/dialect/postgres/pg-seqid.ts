/** DMHS_TABLE_SEQID as PostgreSQL spells it (lower-case names, ON CONFLICT), for src/load/seqid.ts. */
import type { SeqidSpelling } from '../../load/seqid';
import { pgQuote } from './pg-literal';
import { pgQuoteIdent } from './postgres-normalize';

export function pgSeqidSpelling(schema: string): SeqidSpelling {
  return {
    table: `${pgQuoteIdent(schema)}.dmhs_table_seqid`,
    col: (n) => n.toLowerCase(),
    str: pgQuote,
    now: 'now()',
    upsert: (insert, key, set) => `${insert} ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
    // evaluated on the row as the update finds it after waiting for its lock: concurrent range commits do not lose each other's progress
    jsonSetElement: (column, key, index, json) => `jsonb_set(${column}::jsonb, ${pgQuote(`{${key},${index}}`)}, ${json}::jsonb)::text`,
  };
}
