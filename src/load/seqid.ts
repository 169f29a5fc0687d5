/**
 * <sys_schema>.DMHS_TABLE_SEQID on the target (PostgreSQL: dmhs_table_seqid): one row per
 * loaded target table, the contract with exec (src/exec/table-seqid.ts):
 *
 *   SCHEMA_NAME, TABLE_NAME  the target table
 *   POS          the source position the copy is consistent at (formatPosition text)
 *   STATUS       'loading' while rows are loaded (exec waits), 'done' after the last chunk
 *                (exec skips the table's changes at or below POS)
 *   CHUNKS_DONE  JSON progress, written in the same target transaction as each chunk's rows
 *   UPDATED_AT
 *
 * The CREATE statements are the same as exec's (src/dialect/<engine>/*-target.ts), so
 * whichever runs first creates it.
 */
import { literal as mysqlLiteral, quoteIdent as mysqlQuoteIdent } from '../dialect/mysql/mysql-sql';
import { pgQuote } from '../dialect/postgres/pg-literal';
import { pgQuoteIdent } from '../dialect/postgres/postgres-normalize';
import { SynctlError } from '../errors';
import type { StoredKey } from './source-snapshot';

export type TargetEngine = 'pg' | 'mysql';

/** CHUNKS_DONE: what CONTINUE needs to go on after the last committed chunk. */
export interface ChunksDone {
  /** chunks committed so far */
  readonly chunks: number;
  /** rows committed so far */
  readonly rows: number;
  /** key of the last row of the last committed chunk (keyset resume point); absent before the first chunk */
  readonly last?: StoredKey;
}

export interface SeqidRow {
  readonly pos: string;
  readonly status: string;
  readonly chunks: ChunksDone;
}

export class SeqidSql {
  private readonly table: string;
  private readonly str: (s: string) => string;
  private readonly c: (name: string) => string;

  constructor(
    readonly engine: TargetEngine,
    readonly schema: string,
  ) {
    if (engine === 'pg') {
      this.table = `${pgQuoteIdent(schema)}.dmhs_table_seqid`;
      this.str = pgQuote;
      this.c = (n) => n.toLowerCase();
    } else {
      this.table = `${mysqlQuoteIdent(schema)}.DMHS_TABLE_SEQID`;
      this.str = (s) => mysqlLiteral(s);
      this.c = (n) => n;
    }
  }

  create(): string[] {
    if (this.engine === 'pg') {
      return [
        `CREATE SCHEMA IF NOT EXISTS ${pgQuoteIdent(this.schema)}`,
        `CREATE TABLE IF NOT EXISTS ${this.table} (schema_name varchar(256) NOT NULL, table_name varchar(256) NOT NULL, pos varchar(1024) NOT NULL,
        status varchar(16) NOT NULL, chunks_done text, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (schema_name, table_name))`,
      ];
    }
    return [
      `CREATE DATABASE IF NOT EXISTS ${mysqlQuoteIdent(this.schema)}`,
      `CREATE TABLE IF NOT EXISTS ${this.table} (SCHEMA_NAME VARCHAR(256) NOT NULL, TABLE_NAME VARCHAR(256) NOT NULL, POS VARCHAR(1024) NOT NULL,
        STATUS VARCHAR(16) NOT NULL, CHUNKS_DONE LONGTEXT, UPDATED_AT TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (SCHEMA_NAME, TABLE_NAME)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ];
  }

  private where(schema: string, table: string): string {
    return `${this.c('SCHEMA_NAME')} = ${this.str(schema)} AND ${this.c('TABLE_NAME')} = ${this.str(table)}`;
  }

  private now(): string {
    return this.engine === 'pg' ? 'now()' : 'NOW(6)';
  }

  read(schema: string, table: string): string {
    return `SELECT ${this.c('POS')} AS pos, ${this.c('STATUS')} AS status, ${this.c('CHUNKS_DONE')} AS chunks_done FROM ${this.table} WHERE ${this.where(schema, table)}`;
  }

  /** The table starts (again) loading at `pos` with `chunks` already done. */
  loading(schema: string, table: string, pos: string, chunks: ChunksDone): string {
    const cols = ['SCHEMA_NAME', 'TABLE_NAME', 'POS', 'STATUS', 'CHUNKS_DONE', 'UPDATED_AT'].map(this.c).join(', ');
    const values = `${this.str(schema)}, ${this.str(table)}, ${this.str(pos)}, 'loading', ${this.str(JSON.stringify(chunks))}, ${this.now()}`;
    const [p, s, cd, u] = ['POS', 'STATUS', 'CHUNKS_DONE', 'UPDATED_AT'].map(this.c) as [string, string, string, string];
    if (this.engine === 'pg') {
      return `INSERT INTO ${this.table} (${cols}) VALUES (${values}) ON CONFLICT (schema_name, table_name) DO UPDATE SET ${p} = EXCLUDED.${p}, ${s} = EXCLUDED.${s}, ${cd} = EXCLUDED.${cd}, ${u} = EXCLUDED.${u}`;
    }
    return `INSERT INTO ${this.table} (${cols}) VALUES (${values}) ON DUPLICATE KEY UPDATE ${p} = VALUES(${p}), ${s} = VALUES(${s}), ${cd} = VALUES(${cd}), ${u} = VALUES(${u})`;
  }

  /** After a chunk's rows, in the same transaction: progress, and 'done' after the last chunk. */
  progress(schema: string, table: string, chunks: ChunksDone, done: boolean): string {
    return (
      `UPDATE ${this.table} SET ${this.c('CHUNKS_DONE')} = ${this.str(JSON.stringify(chunks))}, ${this.c('UPDATED_AT')} = ${this.now()}` +
      (done ? `, ${this.c('STATUS')} = 'done'` : '') +
      ` WHERE ${this.where(schema, table)}`
    );
  }

  /** The snapshot's position, once known (the row was written 'loading' with a placeholder first). */
  setPosition(schema: string, table: string, pos: string): string {
    return `UPDATE ${this.table} SET ${this.c('POS')} = ${this.str(pos)}, ${this.c('UPDATED_AT')} = ${this.now()} WHERE ${this.where(schema, table)}`;
  }
}

export function parseSeqidRow(r: Record<string, unknown>, where: string): SeqidRow {
  const get = (n: string): unknown => r[n] ?? r[n.toUpperCase()];
  let chunks: ChunksDone = { chunks: 0, rows: 0 };
  const text = get('chunks_done');
  if (typeof text === 'string' && text !== '') {
    let j: ChunksDone | undefined;
    try {
      j = JSON.parse(text) as ChunksDone;
    } catch {
      j = undefined;
    }
    if (j === undefined || typeof j.chunks !== 'number' || typeof j.rows !== 'number') {
      throw new SynctlError('STATE', `${where}: CHUNKS_DONE is not synctl's progress JSON (${text.slice(0, 60)}): load the table again with TRUNCATE|INSERT`);
    }
    chunks = j;
  }
  return { pos: String(get('pos') ?? ''), status: String(get('status') ?? ''), chunks };
}
