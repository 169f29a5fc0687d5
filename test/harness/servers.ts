/**
 * Private database servers for tests and benches.
 *
 * Starts a throw-away MariaDB and PostgreSQL from the server binaries installed on the machine,
 * in a temp dir, on free ports on 127.0.0.1, with unix sockets inside the temp dir. The system
 * services (3306/5432, /run/mysqld, /var/run/postgresql) are never used or touched: every
 * program is run with --no-defaults / explicit -D, and PG* environment variables are stripped.
 *
 * Root: mariadbd runs with --user=root; PostgreSQL refuses to run as root, so initdb/pg_ctl run
 * as the `postgres` OS user (runuser, falling back to su) and its directory is chowned to it.
 */

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import mysql from 'mysql2/promise';
import { Client as PgClient } from 'pg';

const PREFIX = 'synctl test harness';
const READY_TIMEOUT_MS = 60_000;

export const MARIADB_DATABASE = 'synctl_test';
export const POSTGRES_DATABASE = 'synctl_test';
export const HARNESS_USER = 'synctl';

export interface MariaDbServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  socket: string;
  dataDir: string;
  binlogBasename: string;
  /** Directory holding everything of this server (data, socket, logs). */
  baseDir: string;
  logFile: string;
  pidFile: string;
  pid: number;
  /** mariadb-admin (or mysqladmin) used for a clean shutdown; null: SIGTERM is used. */
  adminBin: string | null;
}

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dataDir: string;
  socketDir: string;
  baseDir: string;
  logFile: string;
  pid: number;
  binDir: string;
  /** OS user the server runs as when we are root (always 'postgres'); null: our own user. */
  runAs: string | null;
}

// ---------------------------------------------------------------------------------------------
// small process helpers

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for child programs: no PG..., MYSQL... variables that could redirect them. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PG|MYSQL|MARIADB)/.test(k)) continue;
    env[k] = v;
  }
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return { ...env, ...extra };
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? cleanEnv(),
        timeout: opts.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const c = (err as NodeJS.ErrnoException & { code?: unknown }).code;
          code = typeof c === 'number' ? c : 1;
          if (typeof c === 'string') stderr = `${stderr}\n${c}: ${err.message}`;
          else if ((err as { killed?: boolean }).killed) stderr = `${stderr}\n(killed: timeout)`;
        }
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable among `names`, looking in `dirs` first and then in PATH. */
export function findExecutable(names: string[], dirs: string[] = []): string | null {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const d of [...dirs, ...pathDirs]) {
      const p = path.join(d, name);
      if (isExecutable(p)) return p;
    }
  }
  return null;
}

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', '/usr/libexec', '/usr/local/mysql/bin'];

export function tailFile(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already */
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

function readPid(file: string): number | null {
  try {
    const n = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0]!.trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function randomPassword(): string {
  // letters/digits plus a few characters that need quoting somewhere, to keep callers honest
  return `Sy-${randomBytes(12).toString('base64url')}.p`;
}

// ---------------------------------------------------------------------------------------------
// free ports

/** Ask the kernel for `n` distinct free TCP ports on 127.0.0.1 (all held open until all are known). */
export async function findFreePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
      });
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') throw new Error(`${PREFIX}: could not allocate a free port`);
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

export async function findFreePort(): Promise<number> {
  return (await findFreePorts(1))[0]!;
}

// ---------------------------------------------------------------------------------------------
// binaries

export interface MariaDbBinaries {
  mariadbd: string;
  installDb: string;
  admin: string | null;
  baseDir: string;
}

export function findMariaDbBinaries(): MariaDbBinaries {
  const extra = process.env.SYNCTL_MARIADB_BINDIR ? [process.env.SYNCTL_MARIADB_BINDIR] : [];
  const mariadbd = findExecutable(['mariadbd', 'mysqld'], [...extra, ...SBIN_DIRS]);
  if (!mariadbd) {
    throw new Error(`${PREFIX}: MariaDB server binary not found (mariadbd). Install it: apt-get install mariadb-server`);
  }
  const baseDir = path.dirname(path.dirname(mariadbd));
  const binDirs = [...extra, path.join(baseDir, 'bin'), path.join(baseDir, 'scripts'), ...SBIN_DIRS];
  const installDb = findExecutable(['mariadb-install-db', 'mysql_install_db'], binDirs);
  if (!installDb) {
    throw new Error(
      `${PREFIX}: MariaDB install tool not found (mariadb-install-db). Install it: apt-get install mariadb-server`,
    );
  }
  const admin = findExecutable(['mariadb-admin', 'mysqladmin'], binDirs);
  return { mariadbd, installDb, admin, baseDir };
}

export interface PostgresBinaries {
  binDir: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
}

function pgBinDirCandidates(): string[] {
  const dirs: string[] = [];
  if (process.env.SYNCTL_PG_BINDIR) dirs.push(process.env.SYNCTL_PG_BINDIR);
  for (const root of ['/usr/lib/postgresql', '/usr/local/lib/postgresql']) {
    let versions: string[] = [];
    try {
      versions = fs.readdirSync(root);
    } catch {
      continue;
    }
    versions
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
      .forEach((v) => dirs.push(path.join(root, v, 'bin')));
  }
  try {
    // RHEL-style /usr/pgsql-16/bin
    fs.readdirSync('/usr')
      .filter((d) => /^pgsql-\d+$/.test(d))
      .sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)))
      .forEach((d) => dirs.push(path.join('/usr', d, 'bin')));
  } catch {
    /* ignore */
  }
  dirs.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/pgsql/bin');
  return dirs;
}

export function findPostgresBinaries(): PostgresBinaries {
  for (const dir of pgBinDirCandidates()) {
    const initdb = path.join(dir, 'initdb');
    const pgCtl = path.join(dir, 'pg_ctl');
    const postgres = path.join(dir, 'postgres');
    if (isExecutable(initdb) && isExecutable(pgCtl) && isExecutable(postgres)) {
      return { binDir: dir, initdb, pgCtl, postgres };
    }
  }
  throw new Error(
    `${PREFIX}: PostgreSQL server binaries not found (initdb, pg_ctl, postgres in /usr/lib/postgresql/<version>/bin or PATH). ` +
      'Install them: apt-get install postgresql',
  );
}

// ---------------------------------------------------------------------------------------------
// running PostgreSQL programs as the postgres OS user when we are root

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

function lookupUser(name: string): OsUser | null {
  let line: string | undefined;
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    try {
      line = fs
        .readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`));
    } catch {
      line = undefined;
    }
  }
  if (!line) return null;
  const f = line.split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { name, uid, gid };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** [cmd, args] that runs `bin args` as `user` (root only). */
function asUser(user: string | null, bin: string, args: string[]): [string, string[]] {
  if (user === null) return [bin, args];
  const runuser = findExecutable(['runuser'], ['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  if (runuser) return [runuser, ['-u', user, '--', bin, ...args]];
  const su = findExecutable(['su'], ['/usr/bin', '/bin']);
  if (!su) throw new Error(`${PREFIX}: running as root but neither runuser nor su is available to drop to '${user}'`);
  return [su, [user, '-s', '/bin/sh', '-c', [bin, ...args].map(shellQuote).join(' ')]];
}

function chownR(p: string, uid: number, gid: number): void {
  fs.chownSync(p, uid, gid);
  if (fs.statSync(p).isDirectory()) {
    for (const e of fs.readdirSync(p)) chownR(path.join(p, e), uid, gid);
  }
}

// ---------------------------------------------------------------------------------------------
// MariaDB

function mariaDbServerArgs(
  bins: MariaDbBinaries,
  s: { dataDir: string; baseDir: string; port: number; socket: string; pidFile: string; logFile: string; serverId?: number; extraArgs?: readonly string[] },
): string[] {
  return [
    '--no-defaults',
    ...(isRoot() ? ['--user=root'] : []),
    `--basedir=${bins.baseDir}`,
    `--datadir=${s.dataDir}`,
    `--tmpdir=${path.join(s.baseDir, 'tmp')}`,
    `--socket=${s.socket}`,
    `--port=${s.port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${s.pidFile}`,
    `--log-error=${s.logFile}`,
    '--skip-name-resolve',
    `--server-id=${s.serverId ?? 1}`,
    `--log-bin=${path.join(s.dataDir, 'mariadb-bin')}`,
    `--log-bin-index=${path.join(s.dataDir, 'mariadb-bin.index')}`,
    '--binlog-format=ROW',
    '--binlog-row-image=FULL',
    '--binlog-checksum=CRC32',
    '--gtid-strict-mode=1',
    '--log-slave-updates=1',
    '--skip-slave-start',
    '--innodb-buffer-pool-size=128M',
    '--innodb-log-file-size=48M',
    '--innodb-flush-log-at-trx-commit=2',
    '--innodb-doublewrite=0',
    '--sync-binlog=0',
    '--max-connections=500',
    '--local-infile=1',
    '--max-allowed-packet=64M',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--performance-schema=0',
    '--loose-skip-feedback',
    ...(s.extraArgs ?? []),
  ];
}

/**
 * Initialise and start a MariaDB under `<dir>/mariadb`. Resolves once a real connection works and
 * the `synctl` user and `synctl_test` database exist.
 */
export async function startMariaDb(
  dir: string,
  opts: {
    password?: string;
    port?: number;
    /** another server beside the harness one (a replica for bench/): its own sub-dir of `dir` (default 'mariadb') */
    subdir?: string;
    /** --server-id (default 1) */
    serverId?: number;
    /** more mariadbd options, after the harness ones */
    extraArgs?: readonly string[];
  } = {},
): Promise<MariaDbServer> {
  const bins = findMariaDbBinaries();
  const baseDir = path.join(dir, opts.subdir ?? 'mariadb');
  const dataDir = path.join(baseDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.mkdirSync(path.join(baseDir, 'tmp'), { recursive: true });
  const socket = path.join(baseDir, 'mariadb.sock');
  const pidFile = path.join(baseDir, 'mariadb.pid');
  const logFile = path.join(baseDir, 'mariadb.err');
  const password = opts.password ?? randomPassword();

  const installLog = path.join(baseDir, 'install-db.log');
  const inst = await run(
    bins.installDb,
    [
      '--no-defaults',
      ...(isRoot() ? ['--user=root'] : []),
      `--basedir=${bins.baseDir}`,
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      '--innodb-log-file-size=48M',
    ],
    { cwd: baseDir, timeoutMs: 120_000 },
  );
  fs.writeFileSync(installLog, `${inst.stdout}\n${inst.stderr}`);
  if (inst.code !== 0) {
    throw new Error(`${PREFIX}: mariadb-install-db failed (exit ${inst.code}):\n${tailFile(installLog)}`);
  }

  let lastErr: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port && attempt === 0 ? opts.port : await findFreePort();
    try {
      const pid = await launchMariaDb(bins, {
        dataDir,
        baseDir,
        port,
        socket,
        pidFile,
        logFile,
        ...(opts.serverId !== undefined ? { serverId: opts.serverId } : {}),
        ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
      });
      const server: MariaDbServer = {
        host: '127.0.0.1',
        port,
        user: HARNESS_USER,
        password,
        database: MARIADB_DATABASE,
        socket,
        dataDir,
        binlogBasename: path.join(dataDir, 'mariadb-bin'),
        baseDir,
        logFile,
        pidFile,
        pid,
        adminBin: bins.admin,
      };
      try {
        await provisionMariaDb(server);
      } catch (e) {
        await stopMariaDb(server).catch(() => undefined);
        throw e;
      }
      return server;
    } catch (e) {
      lastErr = e as Error;
      if (!/Address already in use|errno: 98|error: 98/i.test(lastErr.message)) throw lastErr;
    }
  }
  throw lastErr ?? new Error(`${PREFIX}: MariaDB did not start`);
}

async function launchMariaDb(
  bins: MariaDbBinaries,
  s: { dataDir: string; baseDir: string; port: number; socket: string; pidFile: string; logFile: string; serverId?: number; extraArgs?: readonly string[] },
): Promise<number> {
  const outFile = path.join(s.baseDir, 'mariadbd.out');
  const out = fs.openSync(outFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bins.mariadbd, mariaDbServerArgs(bins, s), {
      cwd: s.baseDir,
      env: cleanEnv(),
      detached: true, // own session: a ctrl-C in the terminal goes to jest, which stops us cleanly
      stdio: ['ignore', out, out],
    });
  } finally {
    fs.closeSync(out);
  }
  child.unref();
  let exited: string | null = null;
  child.on('exit', (code, sig) => {
    exited = `exited with ${sig ?? `code ${code}`}`;
  });
  child.on('error', (e) => {
    exited = `could not be started: ${e.message}`;
  });
  const pid = child.pid ?? -1;

  const logs = (): string => `--- ${s.logFile} ---\n${tailFile(s.logFile)}\n--- ${outFile} ---\n${tailFile(outFile, 10)}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastErr = '';
  while (Date.now() < deadline) {
    if (exited !== null) {
      throw new Error(`${PREFIX}: mariadbd ${exited} before accepting connections (port ${s.port}):\n${logs()}`);
    }
    if (fs.existsSync(s.socket)) {
      try {
        const conn = await mysql.createConnection({ socketPath: s.socket, user: 'root', connectTimeout: 2000 });
        await conn.query('SELECT 1');
        await conn.end();
        return pid;
      } catch (e) {
        lastErr = (e as Error).message;
      }
    }
    await sleep(100);
  }
  signal(pid, 'SIGKILL');
  throw new Error(
    `${PREFIX}: MariaDB did not accept connections within ${READY_TIMEOUT_MS / 1000}s (last error: ${lastErr || 'no socket yet'}):\n${logs()}`,
  );
}

async function provisionMariaDb(s: MariaDbServer): Promise<void> {
  const conn = await mysql.createConnection({ socketPath: s.socket, user: 'root' });
  try {
    // keep the binlog free of harness set-up: replication tests start from an empty log
    await conn.query('SET SESSION sql_log_bin = 0');
    const [anon] = await conn.query<mysql.RowDataPacket[]>("SELECT User, Host FROM mysql.user WHERE User = ''");
    for (const row of anon) await conn.query('DROP USER ?@?', [row.User, row.Host]);
    for (const host of ['%', '127.0.0.1', 'localhost']) {
      await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [s.user, host, s.password]);
      await conn.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [s.user, host]);
      await conn.query('GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@?', [s.user, host]);
    }
    await conn.query('FLUSH PRIVILEGES');
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4`);
  } finally {
    await conn.end();
  }
  // a real TCP login with the password, as the code under test will do it
  const check = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database });
  await check.query('SELECT 1');
  await check.end();
}

export async function stopMariaDb(s: Pick<MariaDbServer, 'socket' | 'pid' | 'adminBin' | 'pidFile'>): Promise<void> {
  const pid = isAlive(s.pid) ? s.pid : readPid(s.pidFile);
  if (pid === null || !isAlive(pid)) return;
  if (s.adminBin && fs.existsSync(s.socket)) {
    await run(s.adminBin, ['--no-defaults', `--socket=${s.socket}`, '--user=root', '--connect-timeout=5', 'shutdown'], {
      timeoutMs: 30_000,
    });
  } else {
    signal(pid, 'SIGTERM');
  }
  if (await waitGone(pid, 30_000)) return;
  signal(pid, 'SIGTERM');
  if (await waitGone(pid, 5_000)) return;
  signal(pid, 'SIGKILL');
  await waitGone(pid, 5_000);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

function postgresConf(port: number, socketDir: string): string {
  return [
    '',
    '# --- synctl test harness ---',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDir.replace(/'/g, "''")}'`,
    'wal_level = logical',
    'max_replication_slots = 20',
    'max_wal_senders = 20',
    'max_connections = 200',
    'shared_buffers = 128MB',
    'fsync = off',
    // synchronous_commit stays ON on purpose: logical decoding (walsender and
    // pg_logical_slot_get_changes) only sees WAL that is flushed, so with 'off' a committed row
    // shows up to ~3 x wal_writer_delay later and CDC tests get flaky. With fsync=off a "flush"
    // is a plain write(), so 'on' costs next to nothing. Sessions may still SET it off.
    'synchronous_commit = on',
    'wal_writer_delay = 10ms',
    'full_page_writes = off',
    "password_encryption = 'scram-sha-256'",
    'logging_collector = off',
    "log_timezone = 'UTC'",
    "timezone = 'UTC'",
    '',
  ].join('\n');
}

const PG_HBA = [
  '# synctl test harness: sockets are private to the temp dir; TCP needs the password',
  'local   all          all                    trust',
  'local   replication  all                    trust',
  'host    all          all   127.0.0.1/32     scram-sha-256',
  'host    replication  all   127.0.0.1/32     scram-sha-256',
  'host    all          all   ::1/128          scram-sha-256',
  'host    replication  all   ::1/128          scram-sha-256',
  '',
].join('\n');

/**
 * Initialise and start a PostgreSQL under `<dir>/postgres`. Resolves once a password login over
 * TCP works and the `synctl_test` database exists. `<dir>` must be traversable by the postgres
 * OS user when we run as root (startHarness makes it 0755).
 */
export async function startPostgres(dir: string, opts: { password?: string; port?: number } = {}): Promise<PostgresServer> {
  const bins = findPostgresBinaries();
  let runAs: string | null = null;
  let owner: OsUser | null = null;
  if (isRoot()) {
    owner = lookupUser('postgres');
    if (!owner) {
      throw new Error(
        `${PREFIX}: running as root, but the 'postgres' OS user does not exist (PostgreSQL refuses to run as root). ` +
          'Install it: apt-get install postgresql (creates the user), or run the tests as a non-root user',
      );
    }
    runAs = owner.name;
  }
  const baseDir = path.join(dir, 'postgres');
  const dataDir = path.join(baseDir, 'data');
  const socketDir = path.join(baseDir, 'sock');
  const logFile = path.join(baseDir, 'postgres.log');
  const pwFile = path.join(baseDir, 'pwfile');
  const password = opts.password ?? randomPassword();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(socketDir, { recursive: true });
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  fs.writeFileSync(logFile, '');
  if (owner) chownR(baseDir, owner.uid, owner.gid);

  const exec = (bin: string, args: string[], timeoutMs = 120_000): Promise<RunResult> => {
    const [cmd, cmdArgs] = asUser(runAs, bin, args);
    return run(cmd, cmdArgs, { cwd: baseDir, timeoutMs });
  };

  const init = await exec(bins.initdb, [
    '-D',
    dataDir,
    '-U',
    HARNESS_USER,
    `--pwfile=${pwFile}`,
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
  ]);
  fs.rmSync(pwFile, { force: true });
  if (init.code !== 0) {
    throw new Error(`${PREFIX}: initdb failed (exit ${init.code}):\n${init.stdout}\n${init.stderr}`);
  }
  fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), PG_HBA);
  const baseConf = fs.readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8');

  let lastErr: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port && attempt === 0 ? opts.port : await findFreePort();
    fs.writeFileSync(path.join(dataDir, 'postgresql.conf'), baseConf + postgresConf(port, socketDir));
    const server: PostgresServer = {
      host: '127.0.0.1',
      port,
      user: HARNESS_USER,
      password,
      database: POSTGRES_DATABASE,
      dataDir,
      socketDir,
      baseDir,
      logFile,
      pid: -1,
      binDir: bins.binDir,
      runAs,
    };
    const logs = (): string => `--- ${logFile} ---\n${tailFile(logFile)}`;
    const started = await exec(bins.pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(READY_TIMEOUT_MS / 1000), '-s'], READY_TIMEOUT_MS + 15_000);
    if (started.code !== 0) {
      const pid = readPid(path.join(dataDir, 'postmaster.pid'));
      if (pid !== null) signal(pid, 'SIGKILL');
      lastErr = new Error(
        `${PREFIX}: PostgreSQL did not start on port ${port} within ${READY_TIMEOUT_MS / 1000}s (pg_ctl exit ${started.code}: ${(started.stdout + started.stderr).trim()}):\n${logs()}`,
      );
      if (/could not bind|Address already in use/i.test(tailFile(logFile))) continue;
      throw lastErr;
    }
    server.pid = readPid(path.join(dataDir, 'postmaster.pid')) ?? -1;
    try {
      await provisionPostgres(server, logs);
    } catch (e) {
      await stopPostgres(server).catch(() => undefined);
      throw e;
    }
    return server;
  }
  throw lastErr ?? new Error(`${PREFIX}: PostgreSQL did not start`);
}

async function provisionPostgres(s: PostgresServer, logs: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastErr = '';
  while (Date.now() < deadline) {
    const c = new PgClient({ host: s.host, port: s.port, user: s.user, password: s.password, database: 'postgres', ssl: false, connectionTimeoutMillis: 2000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [s.database]);
      if (r.rowCount === 0) await c.query(`CREATE DATABASE "${s.database}"`);
      await c.end();
      return;
    } catch (e) {
      lastErr = (e as Error).message;
      await c.end().catch(() => undefined);
    }
    await sleep(100);
  }
  throw new Error(`${PREFIX}: PostgreSQL did not accept a password login within ${READY_TIMEOUT_MS / 1000}s (last error: ${lastErr}):\n${logs()}`);
}

export async function stopPostgres(s: Pick<PostgresServer, 'dataDir' | 'pid' | 'binDir' | 'runAs'>): Promise<void> {
  const pid = isAlive(s.pid) ? s.pid : readPid(path.join(s.dataDir, 'postmaster.pid'));
  if (pid === null || !isAlive(pid)) return;
  const pgCtl = path.join(s.binDir, 'pg_ctl');
  if (isExecutable(pgCtl)) {
    const [cmd, args] = asUser(s.runAs, pgCtl, ['stop', '-D', s.dataDir, '-m', 'fast', '-w', '-t', '30', '-s']);
    await run(cmd, args, { cwd: path.dirname(s.dataDir), timeoutMs: 45_000 });
  } else {
    signal(pid, 'SIGINT');
  }
  if (await waitGone(pid, 10_000)) return;
  signal(pid, 'SIGQUIT'); // immediate shutdown
  if (await waitGone(pid, 5_000)) return;
  signal(pid, 'SIGKILL');
  await waitGone(pid, 5_000);
}

// ---------------------------------------------------------------------------------------------
// last-resort clean-up (process exit, signals, a killed parent)

/** Where each server writes its pid, relative to the harness dir. */
export const PID_FILES = { mariadb: ['mariadb', 'mariadb.pid'], postgres: ['postgres', 'data', 'postmaster.pid'] } as const;

/**
 * Synchronous best-effort stop of whatever servers live under `dir` (signals only: SIGTERM for
 * mariadbd, SIGINT = fast shutdown for the postmaster), then SIGKILL after `graceMs`, then rm.
 */
export function killServersSync(dir: string, opts: { keepDir?: boolean; graceMs?: number; extraPids?: number[] } = {}): void {
  const maria = [readPid(path.join(dir, ...PID_FILES.mariadb)), ...(opts.extraPids ?? [])].filter(
    (p): p is number => p !== null && isAlive(p),
  );
  const pg = readPid(path.join(dir, ...PID_FILES.postgres));
  for (const p of maria) signal(p, 'SIGTERM');
  if (pg !== null && isAlive(pg)) signal(pg, 'SIGINT');
  const all = [...maria, ...(pg !== null ? [pg] : [])];
  const end = Date.now() + (opts.graceMs ?? 15_000);
  while (Date.now() < end && all.some(isAlive)) sleepSync(50);
  for (const p of all) if (isAlive(p)) signal(p, 'SIGKILL');
  if (!opts.keepDir) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
}

const WATCHDOG_JS = String.raw`
'use strict';
const fs = require('fs');
const path = require('path');
const [parent, dir, keep] = [Number(process.argv[2]), process.argv[3], process.argv[4] === '1'];
const alive = (pid) => {
  if (!(pid > 0)) return false;
  try { process.kill(pid, 0); } catch (e) { return e.code === 'EPERM'; }
  try {
    const st = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const s = st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
    if (s === 'Z' || s === 'X') return false;
  } catch (e) {}
  return true;
};
const readPid = (f) => { try { const n = parseInt(fs.readFileSync(f, 'utf8').split('\n')[0], 10); return n > 0 ? n : null; } catch (e) { return null; } };
const sig = (pid, s) => { try { process.kill(pid, s); } catch (e) {} };
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
const timer = setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0);
  if (alive(parent)) return;
  clearInterval(timer);
  const m = readPid(path.join(dir, 'mariadb', 'mariadb.pid'));
  const p = readPid(path.join(dir, 'postgres', 'data', 'postmaster.pid'));
  if (m && alive(m)) sig(m, 'SIGTERM');
  if (p && alive(p)) sig(p, 'SIGINT');
  const end = Date.now() + 20000;
  const check = setInterval(() => {
    const left = [m, p].filter((x) => x && alive(x));
    if (left.length && Date.now() < end) return;
    clearInterval(check);
    for (const x of left) sig(x, 'SIGKILL');
    if (!keep) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch (e) {} }
    process.exit(0);
  }, 100);
}, 500);
`;

/**
 * A detached node process that stops the servers under `dir` (and removes it) if `parentPid`
 * dies without cleaning up, e.g. on SIGKILL. Exits by itself once `dir` is gone.
 */
export function startWatchdog(dir: string, parentPid: number, keepDir: boolean): number {
  const script = path.join(dir, 'watchdog.js');
  fs.writeFileSync(script, WATCHDOG_JS);
  const child = spawn(process.execPath, [script, String(parentPid), dir, keepDir ? '1' : '0'], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  child.unref();
  return child.pid ?? -1;
}

export function stopWatchdog(pid: number): void {
  if (pid > 0) signal(pid, 'SIGTERM');
}
