/**
 * COPY ... BACKUP from PostgreSQL into PostgreSQL: `pg_dump --snapshot=<the slot's
 * exported snapshot> --table=...` of a source schema's tables piped into `psql` on the
 * target (one transaction, stop on the first error); every table's POS is the slot's
 * consistent_point, the instant the dump is consistent at.
 *
 * The dump names its tables schema-qualified: a map that renames the schema is carried
 * out by rewriting the qualifier in the dump's statements (never inside COPY data); table
 * and column renames are refused (renameRefusal). pg_dump and psql are looked for in
 * /usr/lib/postgresql/<newest>/bin, then on PATH (pg_dump must be at least the server's version).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { DbConnection, ExecConfig } from '../config/types';
import type { ExportedSnapshot } from '../dialect/postgres/pg-slot';
import { pgQuoteIdent } from '../dialect/postgres/postgres-normalize';
import { SynctlError } from '../errors';
import { formatPosition, pgPosition } from '../model/position';
import { renameRefusal, type BackupResult } from './backup';
import type { TablePlan } from './plan';

export function pgBackupRefusal(tables: readonly TablePlan[], exec: ExecConfig): string | undefined {
  if (exec.db.dbType !== 'PG') return `BACKUP from PostgreSQL loads into PostgreSQL only (dmhs/exec/db_type is ${exec.db.dbType}); use CREATE|INSERT`;
  return renameRefusal(tables);
}

/** The PostgreSQL client tool `name`: the newest /usr/lib/postgresql/N/bin one, else the PATH's. */
export function pgTool(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = join(root, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return name;
}

/** How pg_dump writes a schema name (quoted unless plain lower-case). */
const dumpIdent = (s: string): string => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : pgQuoteIdent(s));

/**
 * Rewrites `from.` qualifiers into `to.` in the dump's statements, leaving the rows of its
 * COPY ... FROM stdin blocks untouched.
 */
export class SchemaRename extends Transform {
  private rest = '';
  private inData = false;
  /** a chunk may end inside a UTF-8 character */
  private readonly decoder = new StringDecoder('utf8');
  private readonly pattern: RegExp;
  private readonly to: string;

  constructor(from: string, to: string) {
    super();
    const esc = dumpIdent(from).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // a qualifier starts a name: not preceded by a name character, a quote or a dot
    this.pattern = new RegExp(`(^|[^\\w".])${esc}\\.`, 'g');
    this.to = dumpIdent(to);
  }

  private line(l: string): string {
    if (this.inData) {
      if (l === '\\.') this.inData = false;
      return l;
    }
    const out = l.replace(this.pattern, (_m, pre: string) => `${pre}${this.to}.`);
    if (/^COPY .* FROM stdin;$/.test(l)) this.inData = true;
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = this.rest + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    done(null, lines.length > 0 ? lines.map((l) => this.line(l)).join('\n') + '\n' : '');
  }

  override _flush(done: TransformCallback): void {
    this.rest += this.decoder.end();
    done(null, this.rest === '' ? '' : this.line(this.rest));
  }
}

const connArgs = (db: DbConnection): string[] => ['-h', db.server, '-p', String(db.port), '-U', db.user, '-d', db.database || 'postgres'];

export async function pgDumpRestore(source: DbConnection, exec: ExecConfig, snap: ExportedSnapshot, schema: string, tables: readonly string[], targetSchema: string): Promise<BackupResult> {
  const t0 = Date.now();
  const dumpBin = pgTool('pg_dump');
  const clientBin = pgTool('psql');
  const env = (db: DbConnection): NodeJS.ProcessEnv => ({ ...process.env, PGPASSWORD: db.password, PGCONNECT_TIMEOUT: '10' });
  const dump = spawn(
    dumpBin,
    [...connArgs(source), `--snapshot=${snap.name}`, '--no-owner', '--no-privileges', '--no-comments', '--clean', '--if-exists', ...tables.map((t) => `--table=${pgQuoteIdent(schema)}.${pgQuoteIdent(t)}`)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: env(source) },
  );
  const restore = spawn(clientBin, [...connArgs(exec.db), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction'], { stdio: ['pipe', 'ignore', 'pipe'], env: env(exec.db) });
  let dumpErr = '';
  let restoreErr = '';
  dump.stderr.setEncoding('utf8').on('data', (d: string) => (dumpErr += d));
  restore.stderr.setEncoding('utf8').on('data', (d: string) => (restoreErr += d));
  restore.stdin.on('error', () => undefined); // a failing psql closes its input: its exit code says why
  (schema === targetSchema ? dump.stdout : dump.stdout.pipe(new SchemaRename(schema, targetSchema))).pipe(restore.stdin);
  const exited = (p: ReturnType<typeof spawn>, name: string): Promise<number | null> =>
    new Promise((resolve, reject) => {
      p.on('error', (e) => reject(new SynctlError('STATE', `BACKUP: cannot run ${name}: ${e.message} (install the PostgreSQL client tools)`)));
      p.on('close', (code) => resolve(code));
    });
  const [dc, rc] = await Promise.all([exited(dump, dumpBin), exited(restore, clientBin)]);
  const last = (s: string): string => s.trim().split('\n').slice(-3).join(' ');
  if (dc !== 0) throw new SynctlError('STATE', `BACKUP ${schema}: pg_dump exited ${dc}: ${last(dumpErr)}`);
  if (rc !== 0) throw new SynctlError('STATE', `BACKUP ${schema} -> ${targetSchema}: psql exited ${rc}: ${last(restoreErr)}`);
  return { position: formatPosition(pgPosition(snap.lsn)), seconds: (Date.now() - t0) / 1000 };
}
