/**
 * Chunks into a MySQL/MariaDB table as large multi-row INSERTs, built by exec's own
 * SqlWriter (MYSQL_PARTS: the same literals exec writes), each up to ~1 MB of SQL text,
 * in exec's session (UTC, utf8mb4, a sql_mode that stores what the source stored).
 * REPLACE/UPDATE: the rows go into a temporary copy of the table, merged into the table by
 * INSERT ... SELECT ... ON DUPLICATE KEY UPDATE / UPDATE ... JOIN, then emptied, before
 * the commit.
 */
import mysql from 'mysql2/promise';
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import { mergeColumns, type BulkTarget, type ChunkWriter } from '../../load/chunk-writer';
import type { Row } from '../../model/change';
import type { BoundTable } from '../bound-table';
import { SqlWriter } from '../sql-writer';
import { MYSQL_PARTS, quoteIdent } from './mysql-sql';

const STATEMENT_BYTES = 1024 * 1024;
const STAGE = '_synctl_copy_stage';

/** The temporary table REPLACE/UPDATE rows are inserted into, and the statements that merge and empty it. */
function staging(t: BulkTarget): { create: string; merge: string[] } | undefined {
  if (t.mode === 'insert') return undefined;
  const q = quoteIdent;
  const table = `${q(t.bound.schema)}.${q(t.bound.table)}`;
  const stage = `${q(t.bound.schema)}.${q(STAGE)}`;
  const { all, key, set } = mergeColumns(t);
  const create = `CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} LIKE ${table}`;
  const empty = `DELETE FROM ${stage}`;
  if (t.mode === 'replace') {
    const update = (set.length > 0 ? set : key.slice(0, 1)).map((c) => `${q(c)} = VALUES(${q(c)})`).join(', ');
    return { create, merge: [`INSERT INTO ${table} (${all.map(q).join(', ')}) SELECT ${all.map(q).join(', ')} FROM ${stage} ON DUPLICATE KEY UPDATE ${update}`, empty] };
  }
  const on = key.map((c) => `d.${q(c)} = s.${q(c)}`).join(' AND ');
  return { create, merge: [...(set.length === 0 ? [] : [`UPDATE ${table} AS d JOIN ${stage} AS s ON ${on} SET ${set.map((c) => `d.${q(c)} = s.${q(c)}`).join(', ')}`]), empty] };
}

const SESSION = ["SET time_zone = '+00:00'", 'SET NAMES utf8mb4', "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"];

class MysqlBulkWriter implements ChunkWriter {
  private readonly writer = new SqlWriter(MYSQL_PARTS);
  private readonly table: BoundTable;
  private rows: Row[] = [];
  private bytes = 0;
  private readonly stage: ReturnType<typeof staging>;

  constructor(
    private readonly conn: mysql.Connection,
    readonly label: string,
    t: BulkTarget,
  ) {
    // only the chosen columns: the others (generated on the target) are left out of the INSERT
    const keep = new Set(t.columns);
    this.stage = staging(t);
    this.table = { ...t.bound, ...(this.stage ? { table: STAGE } : {}), columns: t.bound.columns.map((c, i) => (keep.has(i) ? c : undefined)) };
  }

  async begin(): Promise<void> {
    if (this.stage) await this.conn.query(this.stage.create);
    await this.conn.query('BEGIN');
  }

  write(row: Row): Promise<void> | undefined {
    this.rows.push(row);
    for (const v of row) {
      if (typeof v === 'string' || Buffer.isBuffer(v)) this.bytes += v.length + 4;
      else this.bytes += 12;
    }
    if (this.bytes < STATEMENT_BYTES) return undefined;
    return this.flush();
  }

  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const sql = this.writer.insert(this.table, this.rows);
    this.rows = [];
    this.bytes = 0;
    await this.conn.query(sql);
  }

  async commit(progressSql: string): Promise<void> {
    await this.flush();
    for (const m of this.stage?.merge ?? []) await this.conn.query(m);
    await this.conn.query(progressSql);
    await this.conn.query('COMMIT');
  }

  async rollback(): Promise<void> {
    this.rows = [];
    this.bytes = 0;
    await this.conn.query('ROLLBACK').catch(() => undefined);
  }

  async run(sql: string): Promise<void> {
    await this.conn.query(sql);
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }
}

export async function openMysqlBulkWriter(db: DbConnection, t: BulkTarget): Promise<ChunkWriter> {
  const label = `${db.dbType.toLowerCase()} ${db.server}:${db.port}`;
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ host: db.server, port: db.port, user: db.user, password: db.password, charset: 'utf8mb4', connectTimeout: 10_000 });
    for (const s of SESSION) await conn.query(s);
  } catch (e) {
    throw new SynctlError('DB', `${label}: cannot connect as ${db.user}: ${(e as Error).message}`, { target: label }, { cause: e });
  }
  conn.on('error', () => undefined);
  return new MysqlBulkWriter(conn, label, t);
}
