/**
 * One end of a comparison: a connection to MySQL/MariaDB or PostgreSQL that reads canonical
 * row texts inside a consistent read-only snapshot, and writes repairs on a second connection.
 * Rows always travel as arrays of canonical text (string | null): no per-row objects.
 */
import mysql from 'mysql2';
import type { Connection as MysqlPromise, RowDataPacket } from 'mysql2/promise';
import { Client } from 'pg';
import type { DbConnection } from '../config/types';
import { SynctlError } from '../errors';
import {
  MYSQL_SESSION_SETUP,
  mysqlCanonExpr,
  mysqlCanonicalHashParts,
  mysqlFilterLike,
  mysqlFilterLiteral,
  mysqlFilterOperand,
  mysqlFastDigestKind,
  mysqlFastHashParts,
  mysqlHasWindowFunctions,
  mysqlRawRowText,
  type FilterOperand,
  mysqlKeyExpr,
  mysqlKeyParam,
  mysqlQuoteIdent,
  mysqlRowText,
  mysqlValueParam,
} from '../dialect/mysql/mysql-normalize';
import {
  PG_SESSION_SETUP,
  pgCanonExpr,
  pgFilterLike,
  pgFilterLiteral,
  pgFilterOperand,
  pgHashParts,
  pgRawRowText,
  pgKeyExpr,
  pgKeyParam,
  pgQuoteIdent,
  pgRowText,
  pgValueParam,
} from '../dialect/postgres/postgres-normalize';
import type { Engine, VColumn } from './types';

export type Text = string | null;
export type TextRow = Text[];

/** What a column's canonical text depends on besides the column. */
export interface CanonContext {
  /** the other side is another engine */
  readonly crossEngine: boolean;
  /** exec's zero_date rule, for the source side across engines (null: NULL); absent: zero dates compare as their own text */
  readonly zeroDate?: string | null;
}

export interface Side {
  readonly engine: Engine;
  readonly label: string;
  query(sql: string, params: readonly Text[]): Promise<TextRow[]>;
  /** rows of one query, fetched `batch` at a time (bounded memory) */
  stream(sql: string, params: readonly Text[], batch: number): AsyncGenerator<TextRow>;
  /** the repair connection (autocommit outside its own transactions) */
  write(statements: readonly { sql: string; params: readonly Text[] }[]): Promise<void>;
  beginSnapshot(): Promise<void>;
  endSnapshot(): Promise<void>;
  close(): Promise<void>;
  // SQL pieces
  ident(name: string): string;
  table(schema: string, table: string): string;
  canon(col: VColumn, q: string, ctx: CanonContext): string;
  keyExpr(col: VColumn, q: string): string;
  /** n: 1-based parameter number (PostgreSQL), ignored by MySQL */
  keyParam(col: VColumn, n: number): string;
  valueParam(col: VColumn, n: number): string;
  rowText(exprs: readonly string[]): string;
  /**
   * Same engine and column types on both sides: a cheaper hash over the stored values' own
   * text. Used only when both sides name the same `fastDigest`.
   */
  readonly fastDigest: string;
  rawRowText(cols: readonly { q: string; kind: VColumn['kind'] }[]): string;
  /**
   * Integer expressions hashing one row's text (the fast hash's when `fast`): a digest is the
   * row count and their sums, computed alike on both sides; listed per row in a differing bucket.
   */
  hashParts(rowText: string, fast: boolean): string[];
  /** ORDER BY term for a canonical text when rows have no key (code point order, NULL first) */
  orderText(expr: string): string;
  nullSafeEq(expr: string, param: string): string;
  /** DELETE of one row matching `where` (tables without a key) */
  deleteOne(from: string, where: string): string;
  /** row-filter pushdown (row-filter.ts): a canonical text as the filter compares it, a literal, LIKE */
  filterOperand(op: FilterOperand, canon: string): string;
  filterLiteral(op: FilterOperand, value: string): string;
  filterLike(canon: string, pattern: string, negate: boolean): string;
}

const str = (v: unknown): Text => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

function dbError(side: string, e: unknown): SynctlError {
  if (e instanceof SynctlError) return e;
  return new SynctlError('NET', `${side}: ${(e as Error).message}`, { side }, { cause: e });
}

class MysqlSide implements Side {
  readonly engine = 'mysql' as const;
  readonly fastDigest: 'crc32+crc32c' | 'md5';
  private constructor(
    readonly label: string,
    private readonly core: mysql.Connection,
    readonly promise: MysqlPromise,
    private readonly writer: MysqlPromise,
    version: string,
  ) {
    this.fastDigest = mysqlFastDigestKind(version);
  }

  static async open(label: string, db: DbConnection): Promise<MysqlSide> {
    const cfg: mysql.ConnectionOptions = {
      host: db.server,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(db.database !== '' ? { database: db.database } : {}),
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    };
    try {
      const core = mysql.createConnection(cfg);
      const p = core.promise();
      await p.connect();
      const w = mysql.createConnection(cfg).promise();
      await w.connect();
      for (const s of MYSQL_SESSION_SETUP) {
        await p.query(s);
        await w.query(s);
      }
      const [v] = await p.query<RowDataPacket[]>({ sql: 'SELECT VERSION()', rowsAsArray: true });
      const version = String((v as unknown as unknown[][])[0]?.[0] ?? '');
      if (!mysqlHasWindowFunctions(version)) {
        await p.end().catch(() => undefined);
        await w.end().catch(() => undefined);
        throw new SynctlError('USAGE', `${label}: verify needs MySQL 8.0+ or MariaDB 10.2+ (window functions); the server is ${version}`);
      }
      return new MysqlSide(label, core, p, w, version);
    } catch (e) {
      throw dbError(label, e);
    }
  }

  async query(sql: string, params: readonly Text[]): Promise<TextRow[]> {
    try {
      const [rows] = await this.promise.query<RowDataPacket[]>({ sql, rowsAsArray: true }, params as Text[]);
      // statements without a result set (SET, COMMIT) return a header object
      return Array.isArray(rows) ? (rows as unknown as unknown[][]).map((r) => r.map(str)) : [];
    } catch (e) {
      throw dbError(this.label, e);
    }
  }

  async *stream(sql: string, params: readonly Text[]): AsyncGenerator<TextRow> {
    // the server sends rows as the Readable is drained: mysql2 pauses the socket when its buffer fills
    const s = this.core.query({ sql, rowsAsArray: true }, params as Text[]).stream({ highWaterMark: 1000 });
    try {
      for await (const r of s as AsyncIterable<unknown[]>) yield r.map(str);
    } catch (e) {
      throw dbError(this.label, e);
    }
  }

  async write(statements: readonly { sql: string; params: readonly Text[] }[]): Promise<void> {
    try {
      await this.writer.query('START TRANSACTION');
      for (const s of statements) await this.writer.query(s.sql, s.params as Text[]);
      await this.writer.query('COMMIT');
    } catch (e) {
      await this.writer.query('ROLLBACK').catch(() => undefined);
      throw dbError(this.label, e);
    }
  }

  async beginSnapshot(): Promise<void> {
    await this.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ', []);
    await this.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY', []);
  }
  async endSnapshot(): Promise<void> {
    await this.query('COMMIT', []);
  }
  async close(): Promise<void> {
    await this.promise.end().catch(() => undefined);
    await this.writer.end().catch(() => undefined);
  }

  ident = mysqlQuoteIdent;
  table(schema: string, table: string): string {
    return `${mysqlQuoteIdent(schema)}.${mysqlQuoteIdent(table)}`;
  }
  canon(col: VColumn, q: string, ctx: CanonContext): string {
    return mysqlCanonExpr(q, col.kind, { ...ctx, type: col.type, ...(col.scale !== undefined ? { scale: col.scale } : {}) });
  }
  keyExpr(col: VColumn, q: string): string {
    return mysqlKeyExpr(q, col.kind);
  }
  keyParam(col: VColumn): string {
    return mysqlKeyParam(col.kind, col.type);
  }
  valueParam(col: VColumn): string {
    return mysqlValueParam(col.kind, col.type);
  }
  rowText = mysqlRowText;
  rawRowText = mysqlRawRowText;
  hashParts(rowText: string, fast: boolean): string[] {
    return fast ? mysqlFastHashParts(this.fastDigest, rowText) : mysqlCanonicalHashParts(rowText);
  }
  orderText(expr: string): string {
    return `CAST(${expr} AS BINARY)`;
  }
  nullSafeEq(expr: string, param: string): string {
    return `${expr} <=> ${param}`;
  }
  deleteOne(from: string, where: string): string {
    return `DELETE FROM ${from} WHERE ${where} LIMIT 1`;
  }
  filterOperand = mysqlFilterOperand;
  filterLiteral = mysqlFilterLiteral;
  filterLike = mysqlFilterLike;
}

class PgSide implements Side {
  readonly engine = 'pg' as const;
  private cursors = 0;
  private constructor(
    readonly label: string,
    readonly client: Client,
    private readonly writer: Client,
  ) {}

  static async open(label: string, db: DbConnection): Promise<PgSide> {
    const cfg = {
      host: db.server,
      port: db.port,
      user: db.user,
      password: db.password,
      ...(db.database !== '' ? { database: db.database } : {}),
      connectionTimeoutMillis: 10_000,
    };
    try {
      const c = new Client(cfg);
      await c.connect();
      const w = new Client(cfg);
      await w.connect();
      for (const s of PG_SESSION_SETUP) {
        await c.query(s);
        await w.query(s);
      }
      return new PgSide(label, c, w);
    } catch (e) {
      throw dbError(label, e);
    }
  }

  async query(sql: string, params: readonly Text[]): Promise<TextRow[]> {
    try {
      const r = await this.client.query<unknown[]>({ text: sql, values: params as Text[], rowMode: 'array' });
      return r.rows.map((row) => row.map(str));
    } catch (e) {
      throw dbError(this.label, e);
    }
  }

  async *stream(sql: string, params: readonly Text[], batch: number): AsyncGenerator<TextRow> {
    // a cursor inside the snapshot transaction: FETCH keeps at most `batch` rows in memory
    const name = `synctl_verify_${++this.cursors}`;
    await this.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
    try {
      for (;;) {
        const rows = await this.query(`FETCH ${batch} FROM ${name}`, []);
        for (const r of rows) yield r;
        if (rows.length < batch) break;
      }
    } finally {
      await this.query(`CLOSE ${name}`, []).catch(() => undefined);
    }
  }

  async write(statements: readonly { sql: string; params: readonly Text[] }[]): Promise<void> {
    try {
      await this.writer.query('BEGIN');
      for (const s of statements) await this.writer.query(s.sql, s.params as Text[]);
      await this.writer.query('COMMIT');
    } catch (e) {
      await this.writer.query('ROLLBACK').catch(() => undefined);
      throw dbError(this.label, e);
    }
  }

  async beginSnapshot(): Promise<void> {
    await this.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', []);
  }
  async endSnapshot(): Promise<void> {
    await this.query('COMMIT', []);
  }
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
    await this.writer.end().catch(() => undefined);
  }

  ident = pgQuoteIdent;
  table(schema: string, table: string): string {
    return `${pgQuoteIdent(schema)}.${pgQuoteIdent(table)}`;
  }
  canon(col: VColumn, q: string, ctx: CanonContext): string {
    return pgCanonExpr(q, col.kind, { crossEngine: ctx.crossEngine, type: col.type });
  }
  keyExpr(col: VColumn, q: string): string {
    return pgKeyExpr(q, col.kind, col.type);
  }
  keyParam(col: VColumn, n: number): string {
    return pgKeyParam(col.kind, n, col.type);
  }
  valueParam(col: VColumn, n: number): string {
    return pgValueParam(col.kind, n, col.type);
  }
  rowText = pgRowText;
  readonly fastDigest = 'pg-md5';
  rawRowText = pgRawRowText;
  hashParts(rowText: string): string[] {
    return pgHashParts(rowText);
  }
  orderText(expr: string): string {
    return `(${expr}) COLLATE "C" NULLS FIRST`;
  }
  nullSafeEq(expr: string, param: string): string {
    return `${expr} IS NOT DISTINCT FROM ${param}`;
  }
  deleteOne(from: string, where: string): string {
    return `DELETE FROM ${from} WHERE ctid = (SELECT ctid FROM ${from} WHERE ${where} LIMIT 1)`;
  }
  filterOperand = pgFilterOperand;
  filterLiteral = pgFilterLiteral;
  filterLike = pgFilterLike;
}

export async function openSide(label: string, db: DbConnection): Promise<Side> {
  switch (db.dbType) {
    case 'MYSQL':
    case 'MARIADB':
      return MysqlSide.open(label, db);
    case 'PG':
      return PgSide.open(label, db);
    case 'MSSQL': {
      // the mssql driver loads only when a side is SQL Server
      const { openMssqlSide } = await import('../dialect/mssql/mssql-side.js');
      return openMssqlSide(label, db);
    }
  }
}

/** The promise connection of a MySQL side (catalog reading), or the pg client. */
export function mysqlConnectionOf(side: Side): MysqlPromise | undefined {
  return side instanceof MysqlSide ? side.promise : undefined;
}
export function pgClientOf(side: Side): Client | undefined {
  return side instanceof PgSide ? side.client : undefined;
}
