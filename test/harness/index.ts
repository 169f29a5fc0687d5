/**
 * The test harness API: connection facts and helpers for the private MariaDB and PostgreSQL that
 * jest's globalSetup starts once per run (see global-setup.ts), and a standalone
 * startHarness()/stopHarness() pair for bench/ scripts.
 *
 *   import { harness, mariaConnect, pgConnect, createDatabase } from '../harness';
 *   const db = await createDatabase('mariadb', 'repl_apply_test');
 *   const conn = await mariaConnect({ database: db });
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import mysql from 'mysql2/promise';
import { Client as PgClient, type ClientConfig } from 'pg';
import {
  findExecutable,
  isAlive,
  killServersSync,
  startMariaDb,
  startPostgres,
  startWatchdog,
  stopMariaDb,
  stopPostgres,
  stopWatchdog,
  type MariaDbServer,
  type PostgresServer,
} from './servers';

const PREFIX = 'synctl test harness';

export interface MariaDbInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Unix socket; root (no password) and `synctl` can log in over it. */
  socket: string;
  dataDir: string;
  /** Binlog path prefix: files are `${binlogBasename}.000001`, ... */
  binlogBasename: string;
  logFile: string;
}

export interface PostgresInfo {
  host: string;
  port: number;
  /** A superuser (has REPLICATION); password (SCRAM) login over TCP. */
  user: string;
  password: string;
  database: string;
  dataDir: string;
  socketDir: string;
  logFile: string;
}

export interface HarnessInfo {
  mariadb: MariaDbInfo;
  postgres: PostgresInfo;
  /** Private temp dir of this run (server dirs live below it; tests may put scratch files here). */
  tmpDir: string;
}

/** What the JSON file holds: the public facts plus what is needed to stop the servers. */
interface HarnessFile extends HarnessInfo {
  control: {
    ownerPid: number;
    watchdogPid: number;
    keep: boolean;
    mariadb: Pick<MariaDbServer, 'socket' | 'pid' | 'adminBin' | 'pidFile'>;
    postgres: Pick<PostgresServer, 'dataDir' | 'pid' | 'binDir' | 'runAs'>;
  };
}

export const HARNESS_FILE_ENV = 'SYNCTL_HARNESS_FILE';

// ---------------------------------------------------------------------------------------------
// reading the facts

let cached: { file: string; info: HarnessFile } | null = null;

function readHarnessFile(): HarnessFile {
  const file = process.env[HARNESS_FILE_ENV];
  if (!file) {
    const why =
      process.env.SYNCTL_HARNESS === 'off'
        ? 'SYNCTL_HARNESS=off was set, so no servers were started; unset it to run tests that need MariaDB/PostgreSQL'
        : `${HARNESS_FILE_ENV} is not set. Run the tests through jest (its globalSetup starts the servers) ` +
          'or call startHarness() first in a standalone script';
    throw new Error(`${PREFIX}: database servers were not started: ${why}`);
  }
  if (cached && cached.file === file) return cached.info;
  let info: HarnessFile;
  try {
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as HarnessFile;
  } catch (e) {
    throw new Error(`${PREFIX}: cannot read ${file} (${(e as Error).message}); were the servers stopped already?`);
  }
  cached = { file, info };
  return info;
}

/** Connection facts of the private servers. Throws a clear error if they were not started. */
export function harness(): HarnessInfo {
  const f = readHarnessFile();
  return { mariadb: { ...f.mariadb }, postgres: { ...f.postgres }, tmpDir: f.tmpDir };
}

// ---------------------------------------------------------------------------------------------
// connections

export type MariaConnectOptions = { database?: string } & Omit<mysql.ConnectionOptions, 'host' | 'port' | 'user' | 'password' | 'database'>;

/** The server's current end of binlog as 'file:pos' (what `capture --start` takes). */
export async function binlogEnd(conn: mysql.Connection): Promise<string> {
  const [[s]] = await conn.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  return `${String(s!.File)}:${String(s!.Position)}`;
}

/** A mysql2/promise connection to the harness MariaDB as `synctl` over TCP (default db synctl_test). */
export async function mariaConnect(opts: MariaConnectOptions = {}): Promise<mysql.Connection> {
  const m = harness().mariadb;
  const { database, ...rest } = opts;
  return mysql.createConnection({
    ...rest,
    host: m.host,
    port: m.port,
    user: m.user,
    password: m.password,
    database: database ?? m.database,
  });
}

export interface PgConnectOptions {
  database?: string;
  /** 'database' opens a logical replication connection (IDENTIFY_SYSTEM, START_REPLICATION ...). */
  replication?: 'database' | boolean;
  application_name?: string;
  statement_timeout?: number;
}

/** A connected pg.Client to the harness PostgreSQL as `synctl` (password over TCP; default db synctl_test). */
export async function pgConnect(opts: PgConnectOptions = {}): Promise<PgClient> {
  const p = harness().postgres;
  const config: ClientConfig & { replication?: string } = {
    host: p.host,
    port: p.port,
    user: p.user,
    password: p.password,
    database: opts.database ?? p.database,
    ssl: false,
    connectionTimeoutMillis: 10_000,
  };
  if (opts.application_name !== undefined) config.application_name = opts.application_name;
  if (opts.statement_timeout !== undefined) config.statement_timeout = opts.statement_timeout;
  if (opts.replication) config.replication = opts.replication === true ? 'true' : opts.replication;
  const client = new PgClient(config);
  await client.connect();
  return client;
}

// ---------------------------------------------------------------------------------------------
// databases

export type DbKind = 'mariadb' | 'postgres';

function checkName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`${PREFIX}: invalid database name ${JSON.stringify(name)} (use [A-Za-z_][A-Za-z0-9_]*, max 63)`);
  }
}

/**
 * (Re)create an empty database `name` (dropped first if it exists) and return its name. Use one
 * per test file to keep files independent. For PostgreSQL, connections to the old database are
 * terminated and its replication slots dropped.
 */
export async function createDatabase(kind: DbKind, name: string): Promise<string> {
  checkName(name);
  await dropDatabase(kind, name);
  if (kind === 'mariadb') {
    const c = await mariaConnect({ database: 'mysql' });
    try {
      await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    } finally {
      await c.end();
    }
  } else {
    const c = await pgConnect({ database: 'postgres' });
    try {
      await c.query(`CREATE DATABASE "${name}"`);
    } finally {
      await c.end();
    }
  }
  return name;
}

export async function dropDatabase(kind: DbKind, name: string): Promise<void> {
  checkName(name);
  if (kind === 'mariadb') {
    const c = await mariaConnect({ database: 'mysql' });
    try {
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await c.end();
    }
    return;
  }
  const c = await pgConnect({ database: 'postgres' });
  try {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) return;
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    for (let i = 0; i < 50; i++) {
      const active = await c.query('SELECT 1 FROM pg_replication_slots WHERE database = $1 AND active', [name]);
      if (active.rowCount === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active', [name]);
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// sysbench

export type SysbenchTest =
  | 'oltp_read_write'
  | 'oltp_write_only'
  | 'oltp_read_only'
  | 'oltp_insert'
  | 'oltp_delete'
  | 'oltp_update_index'
  | 'oltp_update_non_index'
  | 'oltp_point_select'
  | 'select_random_points'
  | 'select_random_ranges'
  | 'bulk_insert';

export interface SysbenchOptions {
  test: SysbenchTest;
  phase: 'prepare' | 'run' | 'cleanup';
  database: string;
  tables: number;
  tableSize: number;
  threads: number;
  /** Seconds (run phase). With neither time nor events, the run lasts 10 s. */
  time?: number;
  /** Stop after this many events (run phase). */
  events?: number;
  /** Progress report interval in seconds (0 = off). */
  reportInterval?: number;
  /** Hard limit for the sysbench process; default run time + 120 s, or 10 min. */
  timeoutMs?: number;
  /** Target another MySQL-protocol server than the harness MariaDB. */
  target?: { host: string; port: number; user: string; password: string };
  extraArgs?: string[];
  /**
   * Runs sysbench in a session of its own. Linux schedules each session as one group
   * (kernel.sched_autogroup_enabled): in the caller's session its threads take the CPU
   * share of the caller's other children; in its own, they compete as a client on its own
   * would (the servers run in sessions of their own too).
   */
  ownSession?: boolean;
}

export interface SysbenchResult {
  transactions: number;
  queries: number;
  errors: number;
  /** Transactions per second as sysbench reports it (0 when absent). */
  tps: number;
  /** Total elapsed seconds as sysbench reports it (0 when absent). */
  totalTime: number;
  stdout: string;
  stderr: string;
}

function num(re: RegExp, text: string): number {
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

export function parseSysbench(stdout: string): Pick<SysbenchResult, 'transactions' | 'queries' | 'errors' | 'tps' | 'totalTime'> {
  return {
    transactions: num(/^\s*transactions:\s+(\d+)/m, stdout),
    queries: num(/^\s*queries:\s+(\d+)/m, stdout),
    errors: num(/^\s*ignored errors:\s+(\d+)/m, stdout),
    tps: num(/^\s*transactions:\s+\d+\s+\(([\d.]+) per sec/m, stdout),
    totalTime: num(/^\s*total time:\s+([\d.]+)s/m, stdout),
  };
}

/** Run the `sysbench` binary against the harness MariaDB; always bounded by time/events and a timeout. */
export async function runSysbench(opts: SysbenchOptions): Promise<SysbenchResult> {
  const bin = findExecutable(['sysbench'], ['/usr/bin', '/usr/local/bin']);
  if (!bin) throw new Error(`${PREFIX}: sysbench binary not found (sysbench). Install it: apt-get install sysbench`);
  checkName(opts.database);
  const t = opts.target ?? harness().mariadb;
  let time = opts.time ?? 0;
  const events = opts.events ?? 0;
  if (opts.phase === 'run' && time <= 0 && events <= 0) time = 10;
  const timeoutMs = opts.timeoutMs ?? (opts.phase === 'run' && time > 0 ? (time + 120) * 1000 : 600_000);
  const args = [
    opts.test,
    '--db-driver=mysql',
    `--mysql-host=${t.host}`,
    `--mysql-port=${t.port}`,
    `--mysql-user=${t.user}`,
    `--mysql-password=${t.password}`,
    `--mysql-db=${opts.database}`,
    `--tables=${opts.tables}`,
    `--table-size=${opts.tableSize}`,
    `--threads=${opts.threads}`,
    `--time=${time}`,
    `--events=${events}`,
    `--report-interval=${opts.reportInterval ?? 0}`,
    ...(opts.extraArgs ?? []),
    opts.phase,
  ];
  const { code, stdout, stderr, timedOut } = await new Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>(
    (resolve, reject) => {
      const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.ownSession ?? false });
      let out = '';
      let err = '';
      let killed = false;
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout: out, stderr: err, timedOut: killed });
      });
    },
  );
  if (code !== 0 || timedOut) {
    const why = timedOut ? `killed after ${timeoutMs} ms` : `exit ${code}`;
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${PREFIX}: sysbench ${opts.test} ${opts.phase} failed (${why}):\n${tail}`);
  }
  return { ...parseSysbench(stdout), stdout, stderr };
}

// ---------------------------------------------------------------------------------------------
// starting and stopping (jest globalSetup/globalTeardown and bench scripts)

interface LiveState {
  file: string;
  dir: string;
  keep: boolean;
  extraPids: number[];
  onExit: () => void;
  onSignal: (sig: NodeJS.Signals) => void;
}

const STATE_KEY = Symbol.for('synctl.test.harness.state');
type GlobalWithState = typeof globalThis & { [STATE_KEY]?: LiveState };
const g = globalThis as GlobalWithState;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function harnessRoot(): string {
  // unix socket paths are limited to ~107 bytes: fall back to /tmp if TMPDIR is deep
  const base = process.env.SYNCTL_HARNESS_TMPDIR ?? os.tmpdir();
  return base.length > 60 ? '/tmp' : base;
}

export interface StartedHarness extends HarnessInfo {
  /** Path of the JSON file (also in process.env.SYNCTL_HARNESS_FILE). */
  file: string;
  /** Milliseconds the start-up took. */
  startupMs: number;
}

/**
 * Start a private MariaDB and PostgreSQL (in parallel), write their facts to
 * `<tmpDir>/harness.json` and point process.env.SYNCTL_HARNESS_FILE at it. Servers are stopped
 * by stopHarness(), on process exit / SIGINT / SIGTERM / SIGHUP, and by a watchdog process if this
 * process is killed outright.
 */
export async function startHarness(): Promise<StartedHarness> {
  if (g[STATE_KEY]) throw new Error(`${PREFIX}: startHarness() called twice in one process`);
  const t0 = Date.now();
  const keep = process.env.SYNCTL_KEEP_SERVERS === '1';
  const dir = fs.mkdtempSync(path.join(harnessRoot(), 'synctl-harness-'));
  fs.chmodSync(dir, 0o755); // the postgres OS user must reach its directory below
  const file = path.join(dir, 'harness.json');

  const state: LiveState = {
    file,
    dir,
    keep,
    extraPids: [],
    onExit: () => {
      cleanupSync(state);
    },
    onSignal: (sig) => {
      cleanupSync(state);
      process.kill(process.pid, sig); // our listeners are gone now: default action
    },
  };
  g[STATE_KEY] = state;
  process.on('exit', state.onExit);
  for (const s of SIGNALS) process.on(s, state.onSignal);
  const watchdogPid = startWatchdog(dir, process.pid, keep);

  const [mRes, pRes] = await Promise.allSettled([startMariaDb(dir), startPostgres(dir)]);
  if (mRes.status === 'rejected' || pRes.status === 'rejected') {
    if (mRes.status === 'fulfilled') await stopMariaDb(mRes.value).catch(() => undefined);
    if (pRes.status === 'fulfilled') await stopPostgres(pRes.value).catch(() => undefined);
    cleanupSync(state);
    stopWatchdog(watchdogPid);
    const errs = [mRes, pRes].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const msg = errs.map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason))).join('\n\n');
    throw new Error(msg + (keep ? `\n(${PREFIX}: files kept in ${dir})` : ''));
  }
  const m = mRes.value;
  const p = pRes.value;
  state.extraPids.push(m.pid);

  const info: HarnessFile = {
    mariadb: {
      host: m.host,
      port: m.port,
      user: m.user,
      password: m.password,
      database: m.database,
      socket: m.socket,
      dataDir: m.dataDir,
      binlogBasename: m.binlogBasename,
      logFile: m.logFile,
    },
    postgres: {
      host: p.host,
      port: p.port,
      user: p.user,
      password: p.password,
      database: p.database,
      dataDir: p.dataDir,
      socketDir: p.socketDir,
      logFile: p.logFile,
    },
    tmpDir: dir,
    control: {
      ownerPid: process.pid,
      watchdogPid,
      keep,
      mariadb: { socket: m.socket, pid: m.pid, adminBin: m.adminBin, pidFile: m.pidFile },
      postgres: { dataDir: p.dataDir, pid: p.pid, binDir: p.binDir, runAs: p.runAs },
    },
  };
  fs.writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o644 });
  process.env[HARNESS_FILE_ENV] = file;
  cached = null;
  return { mariadb: info.mariadb, postgres: info.postgres, tmpDir: dir, file, startupMs: Date.now() - t0 };
}

function unregister(state: LiveState): void {
  process.removeListener('exit', state.onExit);
  for (const s of SIGNALS) process.removeListener(s, state.onSignal);
  if (g[STATE_KEY] === state) delete g[STATE_KEY];
}

function cleanupSync(state: LiveState): void {
  unregister(state);
  killServersSync(state.dir, { keepDir: state.keep, extraPids: state.extraPids });
}

/**
 * Stop the servers started by startHarness() (cleanly: mariadb-admin shutdown, pg_ctl stop -m
 * fast; killed if that does not work) and remove the temp dir unless SYNCTL_KEEP_SERVERS=1.
 * Does nothing if no harness is running.
 */
export async function stopHarness(): Promise<void> {
  const state = g[STATE_KEY];
  const file = state?.file ?? process.env[HARNESS_FILE_ENV];
  if (!file) return;
  let info: HarnessFile | null = null;
  try {
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as HarnessFile;
  } catch {
    info = null;
  }
  if (info && info.control.ownerPid !== process.pid && !state) return; // someone else's servers
  if (info) {
    stopWatchdog(info.control.watchdogPid);
    await Promise.all([
      stopMariaDb(info.control.mariadb).catch(() => undefined),
      stopPostgres(info.control.postgres).catch(() => undefined),
    ]);
  }
  const dir = state?.dir ?? info?.tmpDir;
  const keep = state?.keep ?? info?.control.keep ?? false;
  if (state) unregister(state);
  if (dir) {
    // anything that survived the clean stop (should be nothing) is killed here
    killServersSync(dir, { keepDir: keep, graceMs: 5_000, extraPids: info && isAlive(info.control.mariadb.pid) ? [info.control.mariadb.pid] : [] });
    if (keep) process.stderr.write(`${PREFIX}: SYNCTL_KEEP_SERVERS=1, files kept in ${dir}\n`);
  }
  if (process.env[HARNESS_FILE_ENV] === file) delete process.env[HARNESS_FILE_ENV];
  cached = null;
}

// ---------------------------------------------------------------------------------------------
// extra servers (bench/: a native replica beside the harness MariaDB)

export interface ExtraMariaDb extends MariaDbInfo {
  pid: number;
  /** Clean stop (mariadb-admin shutdown), killed if that does not work; removes nothing. */
  stop(): Promise<void>;
}

/**
 * Starts one more MariaDB with the harness's options (binlog ROW, GTID, same InnoDB settings)
 * but its own `serverId`, under `<harness tmpDir>/<name>`, with the same `synctl` user and
 * password as the harness MariaDB. The caller stops it (stop()); if the process exits
 * without doing so, it is sent SIGTERM. Does not change the harness servers.
 */
export async function startExtraMariaDb(opts: { name: string; serverId: number; extraArgs?: readonly string[] }): Promise<ExtraMariaDb> {
  checkName(opts.name);
  if (opts.name === 'mariadb' || opts.name === 'postgres') throw new Error(`${PREFIX}: '${opts.name}' is the harness's own server dir`);
  const h = harness();
  const s = await startMariaDb(h.tmpDir, {
    password: h.mariadb.password,
    subdir: opts.name,
    serverId: opts.serverId,
    ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
  });
  const onExit = (): void => {
    if (isAlive(s.pid)) process.kill(s.pid, 'SIGTERM');
  };
  process.on('exit', onExit);
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    socket: s.socket,
    dataDir: s.dataDir,
    binlogBasename: s.binlogBasename,
    logFile: s.logFile,
    pid: s.pid,
    stop: async () => {
      process.removeListener('exit', onExit);
      await stopMariaDb(s);
    },
  };
}
