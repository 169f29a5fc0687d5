/**
 * DMHS_TABLE_SEQID as SQL Server spells it (upper-case names as mssqlSystemTables creates
 * them, MERGE for the upsert, JSON_MODIFY for a range's progress), for src/load/seqid.ts.
 */
import { SEQID_GATE } from '../../exec/target';
import { SeqidSql, type SeqidSpelling } from '../../load/seqid';
import { mssqlQuoteIdent, mssqlString } from './mssql-sql';

export function mssqlSeqidSpelling(schema: string): SeqidSpelling {
  const table = `${mssqlQuoteIdent(schema)}.[DMHS_TABLE_SEQID]`;
  return {
    table,
    col: (n) => n,
    str: mssqlString,
    now: 'SYSUTCDATETIME()',
    // SeqidSql's INSERT INTO <table> (<columns>) VALUES (<row>) becomes a MERGE from that row; HOLDLOCK: two sessions cannot both insert it
    upsert: (insert, key, set) => {
      const head = `INSERT INTO ${table} (`;
      const split = insert.indexOf(') VALUES ');
      if (!insert.startsWith(head) || split < 0) throw new Error(`not an INSERT INTO ${table} ... VALUES: ${insert.slice(0, 80)}`);
      const cols = insert.slice(head.length, split);
      const values = insert.slice(split + ') VALUES '.length);
      return (
        `MERGE INTO ${table} WITH (HOLDLOCK) AS d USING (VALUES ${values}) AS s (${cols}) ON ${key.map((k) => `d.${k} = s.${k}`).join(' AND ')}` +
        ` WHEN MATCHED THEN UPDATE SET ${set.map((c) => `${c} = s.${c}`).join(', ')}` +
        ` WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${cols.split(', ').map((c) => `s.${c}`).join(', ')});`
      );
    },
    // evaluated on the row as the UPDATE finds it under its lock: concurrent range commits do not lose each other's progress
    jsonSetElement: (column, key, index, json) => `JSON_MODIFY(${column}, ${mssqlString(`$.${key}[${index}]`)}, JSON_QUERY(${json}))`,
  };
}

/**
 * T-SQL has no FOR UPDATE: the gate row is locked exclusively (XLOCK) to the end of the
 * transaction (HOLDLOCK). Exec's groups take it shared WITH (HOLDLOCK, ROWLOCK), which an
 * X lock waits for and then blocks; UPDLOCK would not do, a U lock is compatible with S.
 */
export class MssqlSeqidSql extends SeqidSql {
  private readonly gate: string;

  constructor(schema: string) {
    const s = mssqlSeqidSpelling(schema);
    super(s);
    this.gate = `SELECT STATUS AS status FROM ${s.table} WITH (XLOCK, HOLDLOCK, ROWLOCK) WHERE SCHEMA_NAME = ${mssqlString(SEQID_GATE.schema)} AND TABLE_NAME = ${mssqlString(SEQID_GATE.table)}`;
  }

  override lockGate(): string {
    return this.gate;
  }
}
