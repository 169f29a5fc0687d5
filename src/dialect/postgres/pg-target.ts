import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Client, type QueryResult } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DbConnection } from '../../config/types';
import { parseCondition } from '../../dict/condition';
import { SynctlError } from '../../errors';
import { SEQID_GATE, type ApplyTarget, type DdlNames, type ErrorRecord, type SystemTables, type TrxidRow } from '../../exec/target';
import type { VTable } from '../../verify/types';
import type { ZeroDateRule } from '../zero-date';
import { ddlSubject, parseMysqlDdl } from '../mysql/mysql-ddl-parse';
import { mysqlDdlToPg } from './pg-ddl';
import { pgErrorKind } from './pg-errors';
import { pgQuote, PG_APPLY_SESSION, type PgLiteralOptions } from './pg-literal';
import { copyLine } from './pg-copy-text';
import type { BoundColumn, BoundTable } from '../bound-table';
import type { Row } from '../../model/change';
import { pgWriter } from './pg-sql';
import { typeMapLookup, type TypeMapItem } from '../type-map';
import { readPgTables } from './postgres-catalog';
import { pgQuoteIdent } from './postgres-normalize';

export interface PgTargetOptions {
  readonly zeroDate: ZeroDateRule;
  /** schema of exec's own tables (created when missing) */
  readonly systemSchema: string;
  /** the site's type_map, for tables exec creates from DDL */
  readonly typeMap?: readonly TypeMapItem[];
}

function pgSystemTables(schema: string): SystemTables {
  const s = pgQuoteIdent(schema);
  const trx = `${s}.dmhs_trxid_table`;
  const err = `${s}.dmhs_error_tsk_table`;
  const seq = `${s}.dmhs_table_seqid`;
  const gate = [SEQID_GATE.schema, SEQID_GATE.table, SEQID_GATE.pos, SEQID_GATE.status].map(pgQuote).join(', ');
  return {
    schema,
    create: () => [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE IF NOT EXISTS ${trx} (siteid integer NOT NULL, worker integer NOT NULL, seq bigint NOT NULL,
        pos varchar(1024) NOT NULL, xid varchar(256) NOT NULL, commit_time bigint NOT NULL, trx_count bigint NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (siteid, worker))`,
      `CREATE TABLE IF NOT EXISTS ${err} (id bigserial PRIMARY KEY, siteid integer NOT NULL, pos varchar(1024) NOT NULL,
        xid varchar(256) NOT NULL, table_name varchar(512) NOT NULL, op varchar(16) NOT NULL, stmt text NOT NULL,
        error text NOT NULL, action varchar(16) NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE IF NOT EXISTS ${seq} (schema_name varchar(256) NOT NULL, table_name varchar(256) NOT NULL, pos varchar(1024) NOT NULL,
        status varchar(16) NOT NULL, chunks_done text, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (schema_name, table_name))`,
      `INSERT INTO ${seq} (schema_name, table_name, pos, status) VALUES (${gate}) ON CONFLICT DO NOTHING`,
    ],
    readTableSeqids: () => `SELECT schema_name, table_name, pos, status FROM ${seq}`,
    gateShared: () => `SELECT 1 FROM ${seq} WHERE schema_name = ${pgQuote(SEQID_GATE.schema)} AND table_name = ${pgQuote(SEQID_GATE.table)} FOR SHARE`,
    read: (locked?: boolean) => `SELECT siteid, worker, seq, pos, xid, commit_time, trx_count FROM ${trx}${locked ? ' FOR UPDATE' : ''}`,
    save: (rows: readonly TrxidRow[]) =>
      `INSERT INTO ${trx} (siteid, worker, seq, pos, xid, commit_time, trx_count, applied_at) VALUES ` +
      rows
        .map((r) => `(${r.siteid}, ${r.worker}, ${r.seq}, ${pgQuote(r.position)}, ${pgQuote(r.xid)}, ${Math.trunc(r.commitTimeUs)}, ${r.trxCount}, now())`)
        .join(', ') +
      ' ON CONFLICT (siteid, worker) DO UPDATE SET seq = EXCLUDED.seq, pos = EXCLUDED.pos, xid = EXCLUDED.xid,' +
      ' commit_time = EXCLUDED.commit_time, trx_count = EXCLUDED.trx_count, applied_at = EXCLUDED.applied_at',
    recordError: (e: ErrorRecord) =>
      `INSERT INTO ${err} (siteid, pos, xid, table_name, op, stmt, error, action) VALUES (${e.siteid}, ${pgQuote(e.position)}, ${pgQuote(e.xid)}, ` +
      `${pgQuote(e.table)}, ${pgQuote(e.op)}, ${pgQuote(e.statement.replace(/\0/g, ''))}, ${pgQuote(e.error.replace(/\0/g, ''))}, ${pgQuote(e.action)})`,
    listErrors: () => `SELECT id, siteid, pos, xid, table_name, op, stmt, error, action, at FROM ${err} ORDER BY id`,
    markReapplied: (id: number) => `UPDATE ${err} SET action = 'reapplied' WHERE id = ${id}`,
  };
}

class PgTarget implements ApplyTarget {
  readonly sameEngineDdl = 'pg' as const;
  readonly writer;
  readonly system;
  private readonly tables = new Map<string, VTable[]>();
  private savepoints = 0;
  private readonly literalOptions: PgLiteralOptions;

  constructor(
    private readonly client: Client,
    readonly label: string,
    private readonly opts: PgTargetOptions,
  ) {
    this.writer = pgWriter({ zeroDate: opts.zeroDate });
    this.literalOptions = { zeroDate: opts.zeroDate };
    this.system = pgSystemTables(opts.systemSchema);
  }

  async run(statements: readonly string[]): Promise<number[]> {
    return (await this.results(statements)).map((x) => x.rowCount ?? 0);
  }

  async runReading(statements: readonly string[], readAt: number): Promise<{ counts: number[]; rows: Record<string, unknown>[] }> {
    const list = await this.results(statements);
    return { counts: list.map((x) => x.rowCount ?? 0), rows: (list[readAt]?.rows ?? []) as Record<string, unknown>[] };
  }

  /** the statements as one simple query (one round trip), a result per statement */
  private async results(statements: readonly string[]): Promise<QueryResult[]> {
    if (statements.length === 0) return [];
    const r = (await this.client.query(statements.join(';\n'))) as QueryResult | QueryResult[];
    return Array.isArray(r) ? r : [r];
  }

  async lock(name: string, timeoutSec: number): Promise<boolean> {
    const deadline = Date.now() + timeoutSec * 1000;
    for (;;) {
      const r = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
      if (r.rows[0]?.ok) return true;
      if (Date.now() > deadline) return false;
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK');
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.client.query(sql)).rows as Record<string, unknown>[];
  }

  /**
   * COPY FROM STDIN straight into the table, in the open transaction: the same all-or-
   * nothing outcome as a multi-row INSERT (a duplicate fails it, and exec then applies the
   * group change by change), without parsing a VALUES list per row.
   */
  async bulkInsert(t: BoundTable, rows: readonly Row[]): Promise<number> {
    const indexes = t.columns.flatMap((c, i) => (c ? [i] : []));
    const cols = t.columns as BoundColumn[];
    const copy = this.client.query(copyFrom(`COPY ${pgQuoteIdent(t.schema)}.${pgQuoteIdent(t.table)} (${indexes.map((i) => pgQuoteIdent(cols[i]!.name)).join(', ')}) FROM STDIN`));
    const done = finished(copy);
    let text = '';
    for (const r of rows) {
      text += copyLine(r, indexes, cols, this.literalOptions);
      if (text.length >= 1 << 16) {
        if (!copy.write(text)) await Promise.race([once(copy, 'drain'), done]);
        text = '';
      }
    }
    copy.end(text);
    await done;
    return copy.rowCount;
  }

  async guarded<T>(work: () => Promise<T>): Promise<T> {
    const name = `g${++this.savepoints}`;
    await this.client.query(`SAVEPOINT ${name}`);
    try {
      const out = await work();
      await this.client.query(`RELEASE SAVEPOINT ${name}`);
      return out;
    } catch (e) {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw e;
    }
  }

  isDuplicateKey(e: unknown): boolean {
    return pgErrorKind(e) === 'duplicate';
  }

  async table(schema: string, table: string, caseSensitive: boolean): Promise<VTable | undefined> {
    const key = caseSensitive ? schema : schema.toLowerCase();
    let list = this.tables.get(key);
    if (list === undefined) {
      const cond = caseSensitive
        ? parseCondition(`SCH.NAME = ${pgQuote(schema)}`)
        : parseCondition(`SCH.NAME LIKE '%'`); // names compared below, ignoring case
      list = (await readPgTables(this.client, cond)).filter((t) => (caseSensitive ? t.schema === schema : t.schema.toLowerCase() === key));
      this.tables.set(key, list);
    }
    return list.find((t) => t.table === table) ?? (caseSensitive ? undefined : list.find((t) => t.table.toLowerCase() === table.toLowerCase()));
  }

  invalidate(): void {
    this.tables.clear();
  }

  copyTable(schema: string, table: string, copyName: string): string[] {
    const s = pgQuoteIdent(schema);
    return [`CREATE TABLE ${s}.${pgQuoteIdent(copyName.slice(0, 63))} AS TABLE ${s}.${pgQuoteIdent(table)}`];
  }

  ddl(schema: string, sql: string): string[] {
    return [`SET search_path TO ${pgQuoteIdent(schema)}`, sql];
  }

  translateDdl(sourceEngine: 'mysql' | 'pg' | 'mssql', sql: string, names: DdlNames): string[] {
    if (sourceEngine !== 'mysql') throw new SynctlError('APPLY_SCHEMA', `DDL from ${sourceEngine} into PostgreSQL is not translated`);
    const { statement, why } = parseMysqlDdl(sql);
    if (!statement) throw new SynctlError('APPLY_SCHEMA', `DDL not translated to PostgreSQL (${why}): ${sql.replace(/\s+/g, ' ').slice(0, 200)}`);
    const subject = ddlSubject(statement);
    const typeFor = typeMapLookup(this.opts.typeMap ?? []);
    return mysqlDdlToPg(statement, {
      ...(typeFor ? { typeFor } : {}),
      target: (t) => (names.subject && t.table === subject.table && t.schema === subject.schema ? names.subject : names.name(t.schema ?? names.defaultSchema, t.table)),
    });
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export async function openPgTarget(db: DbConnection, opts: PgTargetOptions): Promise<ApplyTarget> {
  const label = `postgres ${db.server}:${db.port}/${db.database || 'postgres'}`;
  const client = new Client({ host: db.server, port: db.port, user: db.user, password: db.password, database: db.database || 'postgres', application_name: 'synctl exec' });
  try {
    await client.connect();
    for (const s of PG_APPLY_SESSION) await client.query(s);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new SynctlError('DB', `${label}: cannot connect as ${db.user}: ${(e as Error).message}`, { target: label }, { cause: e });
  }
  client.on('error', () => undefined); // a dropped connection surfaces as the next query's error
  return new PgTarget(client, label, opts);
}
