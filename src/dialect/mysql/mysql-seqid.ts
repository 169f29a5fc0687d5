/** DMHS_TABLE_SEQID as MySQL/MariaDB spells it (upper-case names, ON DUPLICATE KEY), for src/load/seqid.ts. */
import type { SeqidSpelling } from '../../load/seqid';
import { literal, quoteIdent } from './mysql-sql';

export function mysqlSeqidSpelling(schema: string): SeqidSpelling {
  return {
    table: `${quoteIdent(schema)}.DMHS_TABLE_SEQID`,
    col: (n) => n,
    str: (s) => literal(s),
    now: 'NOW(6)',
    upsert: (insert, _key, set) => `${insert} ON DUPLICATE KEY UPDATE ${set.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
    // the latest committed value under the row lock: concurrent range commits do not lose each other's progress
    jsonSetElement: (column, key, index, json) => `JSON_SET(${column}, ${literal(`$.${key}[${index}]`)}, JSON_EXTRACT(${json}, '$'))`,
  };
}
