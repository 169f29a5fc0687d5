/**
 * verify's Side for SQL Server: a reading session inside one SNAPSHOT transaction and a
 * second session for repairs, both through mssql-session.ts. verify's portable SQL is
 * rewritten into T-SQL (mssql-tsql.ts) on the way; the SQL pieces come from
 * mssql-normalize.ts. Loaded only when a side is SQL Server.
 */
import type { DbConnection } from '../../config/types';
import type { Condition } from '../../dict/condition';
import { SynctlError } from '../../errors';
import type { Side, Text, TextRow } from '../../verify/side';
import type { VColumn, VTable } from '../../verify/types';
import { sessionCheck } from './mssql-batch';
import { mssqlColumnsSql, mssqlKeysSql, mssqlTablesFromRows } from './mssql-catalog';
import {
  mssqlCanonExpr,
  mssqlFilterLike,
  mssqlFilterLiteral,
  mssqlFilterOperand,
  mssqlHashParts,
  mssqlKeyExpr,
  mssqlKeyParam,
  mssqlNullSafeEq,
  mssqlOrderText,
  mssqlRowText,
  mssqlValueParam,
  MSSQL_UTF8_CHECK_SQL,
} from './mssql-normalize';
import { openMssqlSession, type MssqlSession } from './mssql-session';
import { mssqlQuoteIdent } from './mssql-sql';
import { toTsql } from './mssql-tsql';

/** A value as tedious delivers it, as verify's text (canonical expressions give strings; COUNT gives a number). */
export function mssqlText(v: unknown): Text {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function dbError(label: string, e: unknown): SynctlError {
  if (e instanceof SynctlError) return e;
  return new SynctlError('NET', `${label}: ${(e as Error).message}`, { side: label }, { cause: e });
}

/** Whether the database allows SNAPSHOT reads (snapshot_isolation_state 1), and its name for the error saying how to allow them. */
export const SNAPSHOT_STATE_SQL = 'SELECT snapshot_isolation_state AS s, DB_NAME() AS db FROM sys.databases WHERE database_id = DB_ID()';

export class MssqlSide implements Side {
  readonly engine = 'mssql' as const;
  readonly fastDigest = 'mssql-md5';

  private constructor(
    readonly label: string,
    private readonly reader: MssqlSession,
    private readonly writer: MssqlSession,
  ) {}

  static async open(label: string, db: DbConnection): Promise<MssqlSide> {
    let reader: MssqlSession | undefined;
    try {
      reader = await openMssqlSession(db, 'synctl verify');
      const utf8 = (await reader.batch(MSSQL_UTF8_CHECK_SQL)).recordset?.[0]?.['n'];
      if (Number(utf8) !== 1) throw new SynctlError('USAGE', `${label}: verify needs SQL Server 2019 or newer (UTF-8 collations, to hash text as the other engines do)`);
      const writer = await openMssqlSession(db, 'synctl verify repair');
      return new MssqlSide(label, reader, writer);
    } catch (e) {
      await reader?.close();
      throw dbError(label, e);
    }
  }

  async query(sql: string, params: readonly Text[]): Promise<TextRow[]> {
    try {
      const r = this.reader.request();
      // a snapshot read must not go on in a session the pool replaced
      const res = await r.batch(`${sessionCheck(this.reader.mark)}\n${toTsql(sql, params)}`);
      const rows = (res.recordset ?? []) as unknown as unknown[][];
      return rows.map((row) => row.map(mssqlText));
    } catch (e) {
      throw dbError(this.label, e);
    }
  }

  /** Rows as the server sends them; the request is paused while `batch` rows wait to be taken. */
  async *stream(sql: string, params: readonly Text[], batch: number): AsyncGenerator<TextRow> {
    const r = this.reader.request();
    r.stream = true;
    const queue: TextRow[] = [];
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const signal = () => {
      wake?.();
      wake = undefined;
    };
    r.on('row', (row: unknown[]) => {
      queue.push(row.map(mssqlText));
      if (queue.length >= batch) r.pause();
      signal();
    });
    r.on('error', (e: unknown) => {
      failure ??= e;
      signal();
    });
    r.on('done', () => {
      done = true;
      signal();
    });
    r.batch(`${sessionCheck(this.reader.mark)}\n${toTsql(sql, params)}`, () => undefined); // errors and the end arrive as events
    try {
      for (;;) {
        if (failure !== undefined) throw dbError(this.label, failure);
        const row = queue.shift();
        if (row !== undefined) {
          if (queue.length < batch / 2) r.resume();
          yield row;
          continue;
        }
        if (done) return;
        await new Promise<void>((res) => (wake = res));
      }
    } finally {
      // left early: a paused request would hold the session's one connection
      if (!done) {
        r.cancel();
        r.resume(); // a paused request would not read the cancel's answer
      }
    }
  }

  async write(statements: readonly { sql: string; params: readonly Text[] }[]): Promise<void> {
    try {
      const body = statements.map((s) => `${toTsql(s.sql, s.params)};`).join('\n');
      // one batch: all or nothing (XACT_ABORT ON for this batch only, restored after)
      await this.writer.batch(`SET XACT_ABORT ON;\nBEGIN TRANSACTION;\n${body}\nCOMMIT TRANSACTION;\nSET XACT_ABORT OFF;`);
    } catch (e) {
      await this.writer.batch('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET XACT_ABORT OFF;').catch(() => undefined);
      throw dbError(this.label, e);
    }
  }

  async beginSnapshot(): Promise<void> {
    const [state] = await this.query(SNAPSHOT_STATE_SQL, []);
    if (state?.[0] !== '1') {
      throw new SynctlError(
        'USAGE',
        `${this.label}: verify reads SQL Server at a consistent snapshot, which database ${state?.[1] ?? '?'} does not allow; enable it with ALTER DATABASE [${state?.[1] ?? 'db'}] SET ALLOW_SNAPSHOT_ISOLATION ON`,
      );
    }
    await this.query('SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION', []);
  }
  async endSnapshot(): Promise<void> {
    await this.query('IF @@TRANCOUNT > 0 COMMIT TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED', []);
  }
  async close(): Promise<void> {
    await this.reader.close();
    await this.writer.close();
  }

  /** The tables a condition selects (matched here, in JS: the server's collation may ignore case). */
  async tables(cond: Condition): Promise<VTable[]> {
    const [[db] = []] = await this.query('SELECT DB_NAME()', []);
    const rows = async (sql: string) => (await this.reader.batch(sql)).recordset ?? [];
    const all = mssqlTablesFromRows(await rows(mssqlColumnsSql()), await rows(mssqlKeysSql()));
    return all.filter((t) => cond.matches({ db: db ?? '', schema: t.schema, table: t.table }));
  }

  ident = mssqlQuoteIdent;
  table(schema: string, table: string): string {
    return `${mssqlQuoteIdent(schema)}.${mssqlQuoteIdent(table)}`;
  }
  canon(col: VColumn, q: string): string {
    return mssqlCanonExpr(q, col.kind, col.type);
  }
  keyExpr(col: VColumn, q: string): string {
    return mssqlKeyExpr(q, col.kind, col.type);
  }
  keyParam(col: VColumn, n: number): string {
    return mssqlKeyParam(col, n);
  }
  valueParam(col: VColumn, n: number): string {
    return mssqlValueParam(col, n);
  }
  rowText = mssqlRowText;
  /** same engine: the canonical text is all SQL Server has that both sides print alike */
  rawRowText(cols: readonly { q: string; kind: VColumn['kind'] }[]): string {
    return mssqlRowText(cols.map((c) => mssqlCanonExpr(c.q, c.kind)));
  }
  hashParts(rowText: string): string[] {
    return mssqlHashParts(rowText);
  }
  orderText = mssqlOrderText;
  nullSafeEq = mssqlNullSafeEq;
  deleteOne(from: string, where: string): string {
    return `DELETE TOP (1) FROM ${from} WHERE ${where}`;
  }
  filterOperand = mssqlFilterOperand;
  filterLiteral = mssqlFilterLiteral;
  filterLike = mssqlFilterLike;
}

export function openMssqlSide(label: string, db: DbConnection): Promise<MssqlSide> {
  return MssqlSide.open(label, db);
}

/** The side's tables when it is SQL Server's (catalog.ts). */
export function readMssqlSideTables(side: Side, cond: Condition): Promise<VTable[]> | undefined {
  return side instanceof MssqlSide ? side.tables(cond) : undefined;
}
