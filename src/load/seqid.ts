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
 * and one gate row (SEQID_GATE: SCHEMA_NAME = TABLE_NAME = POS = '', STATUS 'gate'): every
 * exec group transaction locks it FOR SHARE before it reads the STATUS of its tables, and
 * the transaction that marks tables 'loading' locks it FOR UPDATE first, so it waits for a
 * group in flight and every later group sees 'loading'. Code listing the rows skips it.
 *
 * The table and its gate row are created by exec's own statements (SystemTables.create,
 * which copy runs too); the SQL spelling of each engine is in src/dialect/<engine>/*-seqid.ts.
 */
import { SynctlError } from '../errors';
import { SEQID_GATE } from '../exec/target';
import type { StoredKey } from './source-snapshot';

export type TargetEngine = 'pg' | 'mysql' | 'mssql';

/** How one engine spells DMHS_TABLE_SEQID statements. */
export interface SeqidSpelling {
  /** the quoted table name */
  readonly table: string;
  /** a column name (given upper-case) as the engine's table has it */
  col(name: string): string;
  /** a string literal */
  str(s: string): string;
  /** the current time as UPDATED_AT takes it */
  readonly now: string;
  /** `insert` (INSERT INTO ... VALUES ...) that updates `set` columns when the `key` exists */
  upsert(insert: string, key: readonly string[], set: readonly string[]): string;
  /** text column `column` (JSON) with element `index` of its array `key` replaced by the JSON text `json` */
  jsonSetElement(column: string, key: string, index: number, json: string): string;
}

/** CHUNKS_DONE: what CONTINUE needs to go on after the last committed chunk. */
export interface ChunksDone {
  /** chunks committed so far */
  readonly chunks: number;
  /** rows committed so far */
  readonly rows: number;
  /** key of the last row of the last committed chunk (keyset resume point); absent before the first chunk */
  readonly last?: StoredKey;
  /** a table read in key ranges by several sessions: each range's own progress (the totals above stay 0) */
  readonly ranges?: readonly RangeDone[];
}

/** One key range of a split table: (previous range's upTo, upTo]; the last range has no upTo. */
export interface RangeDone {
  readonly upTo?: StoredKey;
  readonly chunks: number;
  readonly rows: number;
  readonly last?: StoredKey;
  readonly done: boolean;
}

/** Chunks and rows committed, over the ranges of a split table. */
export function chunkTotals(c: ChunksDone): { chunks: number; rows: number } {
  if (c.ranges === undefined) return { chunks: c.chunks, rows: c.rows };
  return c.ranges.reduce((a, r) => ({ chunks: a.chunks + r.chunks, rows: a.rows + r.rows }), { chunks: 0, rows: 0 });
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

  constructor(private readonly s: SeqidSpelling) {
    this.table = s.table;
    this.str = s.str;
    this.c = (n) => s.col(n);
  }

  private insert(cols: readonly string[], values: readonly string[]): string {
    return `INSERT INTO ${this.table} (${cols.map(this.c).join(', ')}) VALUES (${values.join(', ')})`;
  }

  /** First statement of the transaction that marks tables 'loading': waits for exec groups in flight. */
  lockGate(): string {
    return `SELECT ${this.c('STATUS')} AS status FROM ${this.table} WHERE ${this.where(SEQID_GATE.schema, SEQID_GATE.table)} FOR UPDATE`;
  }

  private where(schema: string, table: string): string {
    return `${this.c('SCHEMA_NAME')} = ${this.str(schema)} AND ${this.c('TABLE_NAME')} = ${this.str(table)}`;
  }

  read(schema: string, table: string): string {
    return `SELECT ${this.c('POS')} AS pos, ${this.c('STATUS')} AS status, ${this.c('CHUNKS_DONE')} AS chunks_done FROM ${this.table} WHERE ${this.where(schema, table)}`;
  }

  /** The table starts (again) loading at `pos` with `chunks` already done. */
  loading(schema: string, table: string, pos: string, chunks: ChunksDone): string {
    const ins = this.insert(['SCHEMA_NAME', 'TABLE_NAME', 'POS', 'STATUS', 'CHUNKS_DONE', 'UPDATED_AT'], [this.str(schema), this.str(table), this.str(pos), "'loading'", this.str(JSON.stringify(chunks)), this.s.now]);
    return this.s.upsert(ins, ['SCHEMA_NAME', 'TABLE_NAME'].map(this.c), ['POS', 'STATUS', 'CHUNKS_DONE', 'UPDATED_AT'].map(this.c));
  }

  /** After a chunk's rows, in the same transaction: progress, and 'done' after the last chunk. */
  progress(schema: string, table: string, chunks: ChunksDone, done: boolean): string {
    return (
      `UPDATE ${this.table} SET ${this.c('CHUNKS_DONE')} = ${this.str(JSON.stringify(chunks))}, ${this.c('UPDATED_AT')} = ${this.s.now}` +
      (done ? `, ${this.c('STATUS')} = 'done'` : '') +
      ` WHERE ${this.where(schema, table)}`
    );
  }

  /** A split table's position and range layout (CHUNKS_DONE.ranges), before its ranges are read. */
  setRanges(schema: string, table: string, pos: string, chunks: ChunksDone): string {
    return `UPDATE ${this.table} SET ${this.c('POS')} = ${this.str(pos)}, ${this.c('CHUNKS_DONE')} = ${this.str(JSON.stringify(chunks))}, ${this.c('UPDATED_AT')} = ${this.s.now} WHERE ${this.where(schema, table)}`;
  }

  /** After a chunk of range `index`, in the same transaction: that range's progress only (ranges commit concurrently). */
  rangeProgress(schema: string, table: string, index: number, range: RangeDone): string {
    const cd = this.c('CHUNKS_DONE');
    return `UPDATE ${this.table} SET ${cd} = ${this.s.jsonSetElement(cd, 'ranges', index, this.str(JSON.stringify(range)))}, ${this.c('UPDATED_AT')} = ${this.s.now} WHERE ${this.where(schema, table)}`;
  }

  /** A split table after its last range. */
  markDone(schema: string, table: string): string {
    return `UPDATE ${this.table} SET ${this.c('STATUS')} = 'done', ${this.c('UPDATED_AT')} = ${this.s.now} WHERE ${this.where(schema, table)}`;
  }

  /** The snapshot's position, once known (the row was written 'loading' with a placeholder first). */
  setPosition(schema: string, table: string, pos: string): string {
    return `UPDATE ${this.table} SET ${this.c('POS')} = ${this.str(pos)}, ${this.c('UPDATED_AT')} = ${this.s.now} WHERE ${this.where(schema, table)}`;
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
