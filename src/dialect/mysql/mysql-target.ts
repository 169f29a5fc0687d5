import { format } from 'mysql2';
import { createConnection, type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import { SEQID_GATE, type ApplyTarget, type ErrorRecord, type SystemTables, type TrxidRow } from '../../exec/target';
import type { VColumn, VTable } from '../../verify/types';
import { ddlSubject, parseMysqlDdl } from './mysql-ddl-parse';
import { mysqlErrorKind } from './mysql-errors';
import { mysqlColumnKind } from './mysql-normalize';
import { literal, MYSQL_PARTS, quoteIdent } from './mysql-sql';
import { SqlWriter } from '../sql-writer';

export interface MysqlTargetOptions {
  /** database of exec's own tables (created when missing) */
  readonly systemSchema: string;
}

/**
 * Exec's session: UTC (TIMESTAMP literals are UTC wall clock), utf8mb4, and a sql_mode
 * that stores what the source stored: id 0 stays 0 in an AUTO_INCREMENT column, zero
 * dates are accepted, anything that would be truncated is an error.
 */
const SESSION = ["SET time_zone = '+00:00'", 'SET NAMES utf8mb4', "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"];

const str = (s: string): string => literal(s);

function mysqlSystemTables(schema: string): SystemTables {
  const s = quoteIdent(schema);
  const trx = `${s}.DMHS_TRXID_TABLE`;
  const err = `${s}.DMHS_ERROR_TSK_TABLE`;
  const seq = `${s}.DMHS_TABLE_SEQID`;
  const gate = [SEQID_GATE.schema, SEQID_GATE.table, SEQID_GATE.pos, SEQID_GATE.status].map(str).join(', ');
  return {
    schema,
    create: () => [
      `CREATE DATABASE IF NOT EXISTS ${s}`,
      `CREATE TABLE IF NOT EXISTS ${trx} (SITEID INT NOT NULL, WORKER INT NOT NULL, SEQ BIGINT UNSIGNED NOT NULL,
        POS VARCHAR(1024) NOT NULL, XID VARCHAR(256) NOT NULL, COMMIT_TIME BIGINT NOT NULL, TRX_COUNT BIGINT UNSIGNED NOT NULL,
        APPLIED_AT TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (SITEID, WORKER)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${err} (ID BIGINT AUTO_INCREMENT PRIMARY KEY, SITEID INT NOT NULL, POS VARCHAR(1024) NOT NULL,
        XID VARCHAR(256) NOT NULL, TABLE_NAME VARCHAR(512) NOT NULL, OP VARCHAR(16) NOT NULL, STMT LONGTEXT NOT NULL,
        ERROR TEXT NOT NULL, ACTION VARCHAR(16) NOT NULL, AT TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${seq} (SCHEMA_NAME VARCHAR(256) NOT NULL, TABLE_NAME VARCHAR(256) NOT NULL, POS VARCHAR(1024) NOT NULL,
        STATUS VARCHAR(16) NOT NULL, CHUNKS_DONE LONGTEXT, UPDATED_AT TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (SCHEMA_NAME, TABLE_NAME)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `INSERT IGNORE INTO ${seq} (SCHEMA_NAME, TABLE_NAME, POS, STATUS) VALUES (${gate})`,
    ],
    readTableSeqids: () => `SELECT SCHEMA_NAME, TABLE_NAME, POS, STATUS FROM ${seq}`,
    gateShared: () => `SELECT 1 FROM ${seq} WHERE SCHEMA_NAME = ${str(SEQID_GATE.schema)} AND TABLE_NAME = ${str(SEQID_GATE.table)} LOCK IN SHARE MODE`,
    read: (locked?: boolean) => `SELECT SITEID, WORKER, SEQ, POS, XID, COMMIT_TIME, TRX_COUNT FROM ${trx}${locked ? ' FOR UPDATE' : ''}`,
    save: (rows: readonly TrxidRow[]) =>
      `INSERT INTO ${trx} (SITEID, WORKER, SEQ, POS, XID, COMMIT_TIME, TRX_COUNT, APPLIED_AT) VALUES ` +
      rows.map((r) => `(${r.siteid}, ${r.worker}, ${r.seq}, ${str(r.position)}, ${str(r.xid)}, ${Math.trunc(r.commitTimeUs)}, ${r.trxCount}, NOW(6))`).join(', ') +
      ' ON DUPLICATE KEY UPDATE SEQ = VALUES(SEQ), POS = VALUES(POS), XID = VALUES(XID), COMMIT_TIME = VALUES(COMMIT_TIME),' +
      ' TRX_COUNT = VALUES(TRX_COUNT), APPLIED_AT = VALUES(APPLIED_AT)',
    recordError: (e: ErrorRecord) =>
      `INSERT INTO ${err} (SITEID, POS, XID, TABLE_NAME, OP, STMT, ERROR, ACTION) VALUES (${e.siteid}, ${str(e.position)}, ${str(e.xid)}, ` +
      `${str(e.table)}, ${str(e.op)}, ${str(e.statement)}, ${str(e.error)}, ${str(e.action)})`,
    listErrors: () => `SELECT ID, SITEID, POS, XID, TABLE_NAME, OP, STMT, ERROR, ACTION, AT FROM ${err} ORDER BY ID`,
    markReapplied: (id: number) => `UPDATE ${err} SET ACTION = 'reapplied' WHERE ID = ${id}`,
  };
}

/** rows a statement changed (a SELECT: rows it returned) */
function affected(x: ResultSetHeader | RowDataPacket[]): number {
  return Array.isArray(x) ? x.length : x.affectedRows;
}

class MysqlTarget implements ApplyTarget {
  readonly sameEngineDdl = 'mysql' as const;
  readonly writer = new SqlWriter(MYSQL_PARTS);
  readonly system;
  private readonly tables = new Map<string, VTable[]>();

  constructor(
    private readonly conn: Connection,
    readonly label: string,
    opts: MysqlTargetOptions,
  ) {
    this.system = mysqlSystemTables(opts.systemSchema);
  }

  async run(statements: readonly string[]): Promise<number[]> {
    return (await this.results(statements)).map(affected);
  }

  async runReading(statements: readonly string[], readAt: number): Promise<{ counts: number[]; rows: Record<string, unknown>[] }> {
    const list = await this.results(statements);
    const read = list[readAt];
    return { counts: list.map(affected), rows: Array.isArray(read) ? (read as Record<string, unknown>[]) : [] };
  }

  /** the statements as one multi-statement query (one round trip), a result per statement */
  private async results(statements: readonly string[]): Promise<(ResultSetHeader | RowDataPacket[])[]> {
    if (statements.length === 0) return [];
    const [r] = await this.conn.query(statements.join(';\n'));
    return (statements.length === 1 ? [r] : r) as (ResultSetHeader | RowDataPacket[])[];
  }

  async lock(name: string, timeoutSec: number): Promise<boolean> {
    // GET_LOCK names are limited to 64 characters
    const [rows] = await this.conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS ok', [name.slice(0, 64), timeoutSec]);
    return Number(rows[0]?.ok) === 1;
  }

  async rollback(): Promise<void> {
    await this.conn.query('ROLLBACK');
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const [rows] = await this.conn.query<RowDataPacket[]>(sql);
    return rows as Record<string, unknown>[];
  }

  /** InnoDB rolls back just the failed statement: the transaction stays usable. */
  guarded<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  isDuplicateKey(e: unknown): boolean {
    return mysqlErrorKind(e) === 'duplicate';
  }

  async table(schema: string, table: string, caseSensitive: boolean): Promise<VTable | undefined> {
    const key = caseSensitive ? schema : schema.toLowerCase();
    let list = this.tables.get(key);
    if (list === undefined) {
      list = await this.readSchema(schema, caseSensitive);
      this.tables.set(key, list);
    }
    return list.find((t) => t.table === table) ?? (caseSensitive ? undefined : list.find((t) => t.table.toLowerCase() === table.toLowerCase()));
  }

  private async readSchema(schema: string, caseSensitive: boolean): Promise<VTable[]> {
    const match = caseSensitive ? 'TABLE_SCHEMA = BINARY ?' : 'LOWER(TABLE_SCHEMA) = LOWER(?)';
    const [cols] = await this.conn.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dt, COLUMN_TYPE AS ct, NUMERIC_SCALE AS scale
         FROM information_schema.COLUMNS WHERE ${match} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [schema],
    );
    const [keys] = await this.conn.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
        WHERE ${match} AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [schema],
    );
    // exec orders a group's statements by them (parents' inserts first, children's deletes first)
    const [refs] = await this.conn.query<RowDataPacket[]>(
      `SELECT DISTINCT TABLE_SCHEMA AS s, TABLE_NAME AS t, REFERENCED_TABLE_SCHEMA AS rs, REFERENCED_TABLE_NAME AS rt FROM information_schema.KEY_COLUMN_USAGE
        WHERE ${match} AND REFERENCED_TABLE_NAME IS NOT NULL AND NOT (REFERENCED_TABLE_SCHEMA = TABLE_SCHEMA AND REFERENCED_TABLE_NAME = TABLE_NAME)`,
      [schema],
    );
    const byTable = new Map<string, { schema: string; table: string; columns: VColumn[]; key: string[]; references: { schema: string; table: string }[] }>();
    for (const r of cols) {
      let t = byTable.get(`${r.s}\0${r.t}`);
      if (t === undefined) byTable.set(`${r.s}\0${r.t}`, (t = { schema: String(r.s), table: String(r.t), columns: [], key: [], references: [] }));
      const dt = String(r.dt);
      t.columns.push({ name: String(r.c), kind: mysqlColumnKind({ dataType: dt, columnType: String(r.ct) }), type: String(r.ct), ...(r.scale !== null ? { scale: Number(r.scale) } : {}) });
    }
    for (const r of keys) byTable.get(`${r.s}\0${r.t}`)?.key.push(String(r.c));
    for (const r of refs) byTable.get(`${r.s}\0${r.t}`)?.references.push({ schema: String(r.rs), table: String(r.rt) });
    return [...byTable.values()];
  }

  invalidate(): void {
    this.tables.clear();
  }

  copyTable(schema: string, table: string, copyName: string): string[] {
    const s = quoteIdent(schema);
    const copy = `${s}.${quoteIdent(copyName.slice(0, 64))}`;
    return [`CREATE TABLE ${copy} LIKE ${s}.${quoteIdent(table)}`, `INSERT INTO ${copy} SELECT * FROM ${s}.${quoteIdent(table)}`];
  }

  ddl(schema: string, sql: string, subject?: { schema: string; table: string }): string[] {
    const { statement } = subject ? parseMysqlDdl(sql) : { statement: undefined };
    const named = statement ? ddlSubject(statement) : undefined;
    if (subject && named && named.table !== '') {
      // an unqualified name the map renames at table level: run as written it would change the source's name
      const s = named.schema ?? schema;
      if (s.toLowerCase() !== subject.schema.toLowerCase() || named.table.toLowerCase() !== subject.table.toLowerCase()) {
        throw new SynctlError(
          'APPLY_SCHEMA',
          `DDL names ${s}.${named.table} but the send's map sends that table to ${subject.schema}.${subject.table}: not run as written (it would change another table): ${sql.replace(/\s+/g, ' ').slice(0, 200)}`,
        );
      }
    }
    return [`USE ${quoteIdent(schema)}`, sql];
  }

  translateDdl(sourceEngine: 'mysql' | 'pg' | 'mssql'): string[] {
    throw new SynctlError('APPLY_SCHEMA', `DDL from ${sourceEngine} into MySQL/MariaDB is not translated yet`);
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }
}

export async function openMysqlTarget(db: DbConnection, opts: MysqlTargetOptions): Promise<ApplyTarget> {
  const label = `${db.dbType.toLowerCase()} ${db.server}:${db.port}`;
  let conn: Connection;
  try {
    conn = await createConnection({
      host: db.server,
      port: db.port,
      user: db.user,
      password: db.password,
      multipleStatements: true,
      // affected rows = rows matched, so an UPDATE that changes nothing still proves the row exists
      flags: ['FOUND_ROWS'],
      supportBigNumbers: true,
      bigNumberStrings: true,
      // mysql2 scans every query for '?' placeholders even when it has no values: exec's
      // batches are megabytes of literals, and that scan was ~3% of exec's CPU (bench/apply --profile)
      queryFormat: (sql: string, values: unknown): string => (Array.isArray(values) && values.length > 0 ? format(sql, values) : sql),
    });
    for (const s of SESSION) await conn.query(s);
  } catch (e) {
    throw new SynctlError('DB', `${label}: cannot connect as ${db.user}: ${(e as Error).message}`, { target: label }, { cause: e });
  }
  conn.on('error', () => undefined);
  return new MysqlTarget(conn, label, opts);
}
