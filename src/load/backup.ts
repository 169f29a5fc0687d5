/**
 * COPY ... BACKUP: a same-engine load (MySQL/MariaDB into MySQL/MariaDB) through the engine's
 * own tools: `mariadb-dump --single-transaction --master-data=2 --gtid` of a source schema's
 * tables piped into the `mariadb` client on the target, the dump's own position (the
 * commented CHANGE MASTER line, consistent with its snapshot) recorded in DMHS_TABLE_SEQID.
 * One dump per source schema: all its tables share one snapshot and one position.
 *
 * The dump replays the tables under their own names into the target database, so the map
 * may rename the schema only (no table or column renames); anything else is refused.
 */
import { spawn } from 'node:child_process';
import { Transform, type TransformCallback } from 'node:stream';
import type { CptConfig, DbConnection, ExecConfig } from '../config/types';
import { quoteIdent as mysqlQuoteIdent } from '../dialect/mysql/mysql-sql';
import { mssqlQuoteIdent } from '../dialect/mssql/mssql-sql';
import { SynctlError } from '../errors';
import { binlogPosition, formatPosition } from '../model/position';
import { pgQuoteIdent } from '../dialect/postgres/postgres-normalize';
import type { TablePlan } from './plan';
import type { TargetEngine } from './seqid';

/** Finds the dump's `-- CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n` and GTID lines as the text passes through. */
class PositionSniffer extends Transform {
  file: string | undefined;
  pos: number | undefined;
  gtid = '';
  private head = '';
  private scanning = true;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.scanning) {
      this.head += chunk.toString('latin1');
      const m = /CHANGE MASTER TO MASTER_LOG_FILE='([^']+)',\s*MASTER_LOG_POS=(\d+)/.exec(this.head);
      if (m) {
        this.file = m[1];
        this.pos = Number(m[2]);
      }
      const g = /gtid_slave_pos\s*=\s*'([^']*)'/.exec(this.head);
      if (g) this.gtid = g[1]!;
      // the position comes before any table's data; stop looking after the header
      if ((m && g) || this.head.length > 256 * 1024) {
        this.scanning = false;
        this.head = '';
      }
    }
    done(null, chunk);
  }
}

function connArgs(db: DbConnection): string[] {
  return ['-h', db.server, '-P', String(db.port), '-u', db.user, '--default-character-set=utf8mb4'];
}

/** Why BACKUP cannot load these tables, or undefined. */
export function backupRefusal(tables: readonly TablePlan[], exec: ExecConfig): string | undefined {
  if (exec.db.dbType !== 'MYSQL' && exec.db.dbType !== 'MARIADB') return `BACKUP loads MySQL/MariaDB into MySQL/MariaDB only (dmhs/exec/db_type is ${exec.db.dbType}); use CREATE|INSERT`;
  return renameRefusal(tables);
}

/** A dump replays tables under their source names into one target schema per source schema: the map may rename schemas only. */
export function renameRefusal(tables: readonly TablePlan[]): string | undefined {
  for (const p of tables) {
    if (p.target.table.toLowerCase() !== p.entry.table.toLowerCase() || p.entry.columns.some((c, i) => p.target.columns[i]?.toLowerCase() !== c.name.toLowerCase())) {
      return `${p.sourceName}: the send's map renames the table or its columns: BACKUP replays the dump under the source's names (use CREATE|INSERT)`;
    }
  }
  const bySchema = new Map<string, Set<string>>();
  for (const p of tables) (bySchema.get(p.entry.schema) ?? bySchema.set(p.entry.schema, new Set()).get(p.entry.schema)!).add(p.target.schema);
  for (const [s, targets] of bySchema) if (targets.size > 1) return `source schema ${s} maps to several target schemas (${[...targets].join(', ')}): BACKUP restores one schema into one`;
  return undefined;
}

export interface BackupResult {
  readonly position: string;
  readonly seconds: number;
}

/** Dumps `tables` (all of one source schema) and restores them into `targetSchema`; resolves with the dump's position. */
export async function dumpAndRestore(cpt: CptConfig, exec: ExecConfig, schema: string, tables: readonly string[], targetSchema: string): Promise<BackupResult> {
  const t0 = Date.now();
  const dumpBin = 'mariadb-dump';
  const clientBin = 'mariadb';
  const dump = spawn(
    dumpBin,
    [...connArgs(cpt.db), '--single-transaction', '--master-data=2', '--gtid', '--hex-blob', '--tz-utc', '--quick', '--skip-comments', schema, ...tables],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MYSQL_PWD: cpt.db.password } },
  );
  const restore = spawn(clientBin, [...connArgs(exec.db), '--binary-mode', '-D', targetSchema], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, MYSQL_PWD: exec.db.password },
  });
  const sniff = new PositionSniffer();
  let dumpErr = '';
  let restoreErr = '';
  dump.stderr.setEncoding('utf8').on('data', (d: string) => (dumpErr += d));
  restore.stderr.setEncoding('utf8').on('data', (d: string) => (restoreErr += d));
  restore.stdin.on('error', () => undefined); // a failing client closes its input: its exit code says why
  dump.stdout.pipe(sniff).pipe(restore.stdin);
  const exited = (p: ReturnType<typeof spawn>, name: string): Promise<number | null> =>
    new Promise((resolve, reject) => {
      p.on('error', (e) => reject(new SynctlError('STATE', `BACKUP: cannot run ${name}: ${e.message} (install the MariaDB client tools)`)));
      p.on('close', (code) => resolve(code));
    });
  const [dc, rc] = await Promise.all([exited(dump, dumpBin), exited(restore, clientBin)]);
  if (dc !== 0) throw new SynctlError('STATE', `BACKUP ${schema}: ${dumpBin} exited ${dc}: ${dumpErr.trim().split('\n').slice(-3).join(' ')}`);
  if (rc !== 0) throw new SynctlError('STATE', `BACKUP ${schema} -> ${targetSchema}: ${clientBin} exited ${rc}: ${restoreErr.trim().split('\n').slice(-3).join(' ')}`);
  if (sniff.file === undefined || sniff.pos === undefined) {
    throw new SynctlError('STATE', `BACKUP ${schema}: the dump carries no binlog position (is log_bin on, and may the user read it: BINLOG MONITOR / REPLICATION CLIENT?)`);
  }
  return { position: formatPosition(binlogPosition(sniff.file, sniff.pos, sniff.gtid)), seconds: (Date.now() - t0) / 1000 };
}

// BACKUP is same-engine MySQL or PostgreSQL; SQL Server is here for the type's sake
const QUOTE: Record<TargetEngine, (name: string) => string> = { mysql: mysqlQuoteIdent, pg: pgQuoteIdent, mssql: mssqlQuoteIdent };

/** CREATE SCHEMA: a MySQL database, a PostgreSQL schema. */
export const createTargetSchema = (engine: TargetEngine, s: string): string => `CREATE SCHEMA IF NOT EXISTS ${QUOTE[engine](s)}`;
export const countRowsSql = (engine: TargetEngine, schema: string, table: string): string => `SELECT COUNT(*) AS n FROM ${QUOTE[engine](schema)}.${QUOTE[engine](table)}`;
