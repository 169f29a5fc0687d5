/**
 * Apply benchmark: `synctl exec` catching up a paused backlog, MariaDB to PostgreSQL and
 * MariaDB to MariaDB, against a native MariaDB replica (CHANGE MASTER TO) catching up the
 * same binlog range with its SQL thread, measured in the same run; then end-to-end lag
 * while sysbench runs.
 *
 *   npm run build && node dist/bench/apply.js
 *   node dist/bench/apply.js --tables=2 --table-size=10000 --run-seconds=5 --rounds=1 --lag-seconds=5   (quick run)
 *
 * Options (argv `--name=value`, or env BENCH_<NAME> with '-' as '_'):
 *   --tables=8 --table-size=100000   sysbench prepare size
 *   --run-seconds=60 --threads=4     the oltp_write_only run of each catch-up round
 *   --rounds=2                       catch-up rounds (the order of the three appliers is reversed every other round)
 *   --lag-seconds=60                 the lag phase: sysbench at --threads with everything running
 *   --lag-alone=1                    the lag phase once per applier, the others stopped (3 sysbench runs)
 *   --lag-debug=DIR                  the lag phase's execs and captures with --debug, their logs in DIR
 *   --lag-warmup=10                  seconds of sysbench load before the lag phase's heartbeats count (a
 *                                    pipeline that has been running is warm; 0: count from sysbench's start)
 *   --lag-settle=15                  seconds of no writes before each lag phase (after a catch-up the
 *                                    target servers are still flushing it; that is not lag)
 *   --sessions=shared                'own': every synctl process and sysbench in a session of its own (as
 *                                    each server is; Linux shares the CPU between sessions); default: all
 *                                    in the bench's session
 *   --profile=DIR                    run the catch-up exec children with node --cpu-prof into DIR
 *   --lag-profile=DIR                run the lag phase's execs and captures with node --cpu-prof into DIR
 *   --mariadb-target=own             exec → MariaDB writes to a MariaDB server of its own (server_id 3),
 *                                    as the replica does; 'source': database sbtest_tgt on the source
 *                                    server, under sysbench's load (the setup of the earlier figures)
 *   --target-binlog-cache=0          binlog_cache_size of exec's own MariaDB target (0: its default, 32 KB;
 *                                    exec's groups are larger and spill to a temp file)
 *   --experiment=batching            instead: how fast each target server takes the same row
 *                                    changes as one statement per row (what exec sends) and as
 *                                    net-change upserts per table (see batchingExperiment)
 *
 * Set-up: the harness MariaDB (binlog ROW, FULL image, GTID) and PostgreSQL; a second
 * MariaDB (same options, server_id 2, --replicate-do-db=sbtest) replicating from the harness
 * MariaDB from before `sysbench prepare` (so it builds its tables through replication).
 * The prepared tables are copied to PostgreSQL (database apply_bench, schema sbtest) and to
 * MariaDB database sbtest_tgt on exec's MariaDB target (a third MariaDB, server_id 3; with
 * --mariadb-target=source the harness server itself, not binlogged), with a heartbeat table.
 *
 * Catch-up rounds: exec is stopped and the replica runs only its IO thread. Live capture
 * (siteid 61 to PostgreSQL, 62 to MariaDB) writes frames to a dir link (<send><file_path>)
 * while `sysbench oltp_write_only run` goes on; once capture has written the whole range and
 * the replica's IO thread has read it, the captures and the IO thread are stopped and each
 * applier catches up alone (nothing else of ours runs), timed:
 *   - the replica: START SLAVE SQL_THREAD until MASTER_POS_WAIT(end) returns;
 *   - exec: from spawning `synctl exec -c site.hs` (dir recv) until its DMHS_TRXID_TABLE
 *     row names the range's last GTID (process start, connect and dictionary load included),
 *     then SIGTERM.
 * Row changes = the `### INSERT/UPDATE/DELETE` lines for `sbtest` in
 * `mariadb-binlog -v` of the range; exec's TRX_COUNT must grow by the range's GTID count.
 *
 * Lag phase: new pipelines over TCP (siteid 63, 64) start at the end of the log with exec
 * running, the replica's SQL thread runs; the bench updates sbtest.heartbeat every 100 ms
 * (sequence number) during a sysbench run and reads it on each target every 25 ms; a
 * heartbeat's lag = first time a target shows it - the time its UPDATE was sent.
 *
 * At the end `synctl verify` must find PostgreSQL, MariaDB and the replica equal to the
 * source; the bench fails otherwise.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import type { Client } from 'pg';
import {
  createDatabase,
  harness,
  mariaConnect,
  pgConnect,
  runSysbench,
  startExtraMariaDb,
  startHarness,
  stopHarness,
  type ExtraMariaDb,
} from '../test/harness';
import { intOpt, opt, say } from './options';
import { readSourceInfo, streamBinlog } from '../src/capture/mysql/binlog-stream';
import { BinlogDecoder } from '../src/capture/mysql/decoder';
import { readColumnValue } from '../src/capture/mysql/values';

// ---------------------------------------------------------------------------------------
// options


const TABLES = intOpt('tables', 8);
const TABLE_SIZE = intOpt('table-size', 100_000);
const RUN_SECONDS = intOpt('run-seconds', 60);
const THREADS = intOpt('threads', 4);
const ROUNDS = Math.max(1, intOpt('rounds', 2));
const LAG_SECONDS = intOpt('lag-seconds', 60);
/**
 * 'own': every synctl process and sysbench in a session of its own, as each server is
 * (each MariaDB; each PostgreSQL backend calls setsid). Linux's autogroup scheduling
 * shares the CPU between sessions, so the set-up decides who gets the 2 cores. Measured
 * (docs/benchmarks.md): with own sessions every applier lags far more, the replica most
 * (its server is one session among many); the default keeps them in the bench's session.
 */
const OWN_SESSIONS = opt('sessions', 'shared') === 'own';
/** the lag phase once per applier, the other appliers stopped (three sysbench runs instead of one) */
const LAG_ALONE = opt('lag-alone', '') !== '';
/** the lag phase's execs and captures run with --debug; their logs are written to this directory */
const LAG_DEBUG = opt('lag-debug', '');
/** seconds of sysbench load before heartbeats count (they are still traced with --lag-debug) */
const LAG_WARMUP = intOpt('lag-warmup', 10);
/** seconds every target is left idle before a lag phase: its server's flushing after a catch-up is not lag */
const LAG_SETTLE = intOpt('lag-settle', 15);
const PROFILE = opt('profile', '');
/** the lag phase's execs and captures run with node --cpu-prof into this directory */
const LAG_PROFILE = opt('lag-profile', '');
const EXPERIMENT = opt('experiment', '');
/** exec_thr of the execs (default: the config's default, 4) */
const EXEC_THR = intOpt('exec-thr', 0);
/** exec_trx of the execs (default: the config's default, 5000) */
const EXEC_TRX = intOpt('exec-trx', 0);
/**
 * where exec → MariaDB writes: 'own' (default) a MariaDB server of its own, as the native
 * replica has and as any real deployment has; 'source' another database on the source
 * server itself, which sysbench loads at the same time (the bench's setup before 2026-11-21)
 */
const MARIADB_TARGET = opt('mariadb-target', 'own');
/** binlog_cache_size (bytes) of exec's own MariaDB target; 0: the server's default (32 KB) */
const TARGET_BINLOG_CACHE = intOpt('target-binlog-cache', 0);
if (MARIADB_TARGET !== 'own' && MARIADB_TARGET !== 'source') throw new Error(`--mariadb-target=${MARIADB_TARGET}: 'own' or 'source'`);

const SRC = 'sbtest';
const MY_TGT = 'sbtest_tgt';
const PG_DB = 'apply_bench';
const PG_SCHEMA = 'sbtest';
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'synctl');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

// ---------------------------------------------------------------------------------------
// synctl children

class Child {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(args: readonly string[], nodeArgs: readonly string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, detached: OWN_SESSIONS });
    this.child.stdout!.resume();
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 400_000) this.stderr = this.stderr.slice(-200_000);
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}
const children = new Set<Child>();
function startChild(args: readonly string[], nodeArgs: readonly string[] = []): Child {
  const c = new Child(args, nodeArgs);
  children.add(c);
  void c.exited.then(() => children.delete(c));
  return c;
}
async function runSynctl(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = new Child(args);
  let out = '';
  c.child.stdout!.removeAllListeners('data');
  c.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await c.exited;
  return { code, stdout: out, stderr: c.stderr };
}
async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------
// positions

interface BinlogPos {
  file: string;
  pos: number;
}
/** Sequence number of the last GTID of domain 0 in a gtid list like '0-1-1234'. */
function gtidSeq(list: string): number {
  const m = /(?:^|,)0-\d+-(\d+)/.exec(list.trim());
  return m ? Number(m[1]) : 0;
}
/** GTID sequence of a synctl position text ('binlog:file:pos:0-1-123'), 0 when it has none. */
function positionGtidSeq(p: string): number {
  const m = /:0-\d+-(\d+)$/.exec(p.trim());
  return m ? Number(m[1]) : 0;
}
async function masterStatus(c: Connection): Promise<BinlogPos & { gtid: number }> {
  const [[st]] = await c.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const [[g]] = await c.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS g');
  return { file: String(st!.File), pos: Number(st!.Position), gtid: gtidSeq(String(g!.g)) };
}

// ---------------------------------------------------------------------------------------
// row changes in a binlog range, from mariadb-binlog -v

interface RangeCount {
  rows: number;
  inserts: number;
  updates: number;
  deletes: number;
}
function countRange(from: BinlogPos, to: BinlogPos): Promise<RangeCount> {
  const dir = path.dirname(harness().mariadb.binlogBasename);
  const base = path.basename(harness().mariadb.binlogBasename);
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(base + '.') && /\.\d+$/.test(n) && n >= from.file && n <= to.file)
    .sort()
    .map((n) => path.join(dir, n));
  const args = ['--base64-output=decode-rows', '-v', `--start-position=${from.pos}`, `--stop-position=${to.pos}`, ...files];
  return new Promise((resolve, reject) => {
    const child = spawn('mariadb-binlog', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const c = { inserts: 0, updates: 0, deletes: 0 };
    const ins = `### INSERT INTO \`${SRC}\`.`;
    const upd = `### UPDATE \`${SRC}\`.`;
    const del = `### DELETE FROM \`${SRC}\`.`;
    const line = (l: string): void => {
      if (l.startsWith(ins)) c.inserts++;
      else if (l.startsWith(upd)) c.updates++;
      else if (l.startsWith(del)) c.deletes++;
    };
    let tail = '';
    let err = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      const s = tail + d;
      let i = 0;
      for (;;) {
        const j = s.indexOf('\n', i);
        if (j < 0) break;
        if (s.charCodeAt(i) === 35 && s.charCodeAt(i + 1) === 35) line(s.slice(i, Math.min(j, i + 40)));
        i = j + 1;
      }
      tail = s.slice(i);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (tail) line(tail);
      if (code !== 0) reject(new Error(`mariadb-binlog exited ${code}: ${err.trim()}`));
      else resolve({ ...c, rows: c.inserts + c.updates + c.deletes });
    });
  });
}

// ---------------------------------------------------------------------------------------
// set-up

let my: Connection; // harness MariaDB, database sbtest
let pg: Client; // harness PostgreSQL, database apply_bench
let replica: ExtraMariaDb | undefined;
let rc: Connection; // the replica, root over its socket
/** exec → MariaDB's target server when it has its own (--mariadb-target=own) */
let myTarget: ExtraMariaDb | undefined;
/** exec → MariaDB's target server: root over its socket, or `my` (the source server) */
let tc: Connection;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

type Engine = 'pg' | 'mariadb' | 'replica';
interface Pipeline {
  name: string;
  engine: Engine;
  siteid: number;
  config: string;
  dir: string;
}

function targetXml(engine: Engine): string {
  const h = harness();
  if (engine === 'pg') {
    const g = h.postgres;
    return `<db_type>PG</db_type><db_server>127.0.0.1</db_server><db_port>${g.port}</db_port><db_user>${g.user}</db_user><db_pwd>${xml(g.password)}</db_pwd><db_name>${PG_DB}</db_name>`;
  }
  const m = engine === 'replica' ? replica! : (myTarget ?? h.mariadb);
  return `<db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port><db_user>${m.user}</db_user><db_pwd>${xml(m.password)}</db_pwd>`;
}

/** A site config with <cpt> (harness MariaDB, filter sbtest.*, map to the target) and <exec>. */
async function writeConfig(root: string, name: string, engine: Engine, siteid: number, link: 'dir' | 'tcp'): Promise<Pipeline> {
  const m = harness().mariadb;
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const dst = engine === 'pg' ? PG_SCHEMA : engine === 'mariadb' ? MY_TGT : SRC;
  let sendLink: string;
  let recvLink: string;
  if (link === 'dir') {
    const frames = path.join(dir, 'frames');
    fs.mkdirSync(frames, { recursive: true });
    sendLink = `<file_path>${frames}</file_path><file_time>1</file_time>`;
    recvLink = `<file_path>${frames}</file_path><poll_interval>1</poll_interval>`;
  } else {
    const port = await freePort();
    sendLink = `<ip>127.0.0.1</ip><data_port>${port}</data_port>`;
    recvLink = `<ip>127.0.0.1</ip><data_port>${port}</data_port>`;
  }
  const config = path.join(dir, 'site.hs');
  fs.writeFileSync(
    config,
    `<dmhs><base><siteid>${siteid}</siteid><ckpt_interval>10</ckpt_interval></base>
  <cpt><db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port><db_user>${m.user}</db_user><db_pwd>${xml(m.password)}</db_pwd>
    <ddl_mask>0</ddl_mask>
    <send>${sendLink}<filter><enable><item>${SRC}.*</item></enable></filter><map><item>${SRC}.* == ${dst}.*</item></map></send></cpt>
  <exec>${targetXml(engine)}<recv>${recvLink}</recv>${EXEC_THR > 0 ? `<exec_thr>${EXEC_THR}</exec_thr>` : ''}${EXEC_TRX > 0 ? `<exec_trx>${EXEC_TRX}</exec_trx>` : ''}</exec></dmhs>
`,
  );
  return { name, engine, siteid, config, dir };
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const HEARTBEAT_DDL = 'CREATE TABLE heartbeat (id INT PRIMARY KEY, seq BIGINT NOT NULL, ts BIGINT NOT NULL)';

/** Rows of a source table in key order, 5,000 at a time. */
async function* sourceRows(t: string, columns: string): AsyncGenerator<RowDataPacket[]> {
  let last = 0;
  for (;;) {
    const [rows] = await my.query<RowDataPacket[]>(`SELECT ${columns} FROM ${SRC}.${t} WHERE id > ? ORDER BY id LIMIT 5000`, [last]);
    if (rows.length === 0) return;
    yield rows;
    last = Number(rows[rows.length - 1]!.id);
  }
}

/** The prepared source tables copied by plain SQL to both targets (not binlogged on the source). */
async function initialLoad(): Promise<void> {
  const tables = [...Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`), 'heartbeat'];
  if (myTarget === undefined) {
    await my.query('SET SESSION sql_log_bin = 0');
    try {
      for (const t of tables) {
        await my.query(`CREATE TABLE ${MY_TGT}.${t} LIKE ${SRC}.${t}`);
        await my.query(`INSERT INTO ${MY_TGT}.${t} SELECT * FROM ${SRC}.${t}`);
      }
    } finally {
      await my.query('SET SESSION sql_log_bin = 1');
    }
  } else {
    for (const t of tables) {
      const [[c]] = await my.query<RowDataPacket[]>(`SHOW CREATE TABLE ${SRC}.${t}`);
      await tc.query(String(c!['Create Table']).replace(/^CREATE TABLE `[^`]+`/, `CREATE TABLE ${MY_TGT}.${t}`));
      for await (const rows of sourceRows(t, '*')) await tc.query(`INSERT INTO ${MY_TGT}.${t} VALUES ?`, [rows.map((r) => Object.values(r))]);
    }
  }
  await pg.query(`CREATE TABLE ${PG_SCHEMA}.heartbeat (id integer PRIMARY KEY, seq bigint NOT NULL, ts bigint NOT NULL)`);
  await pg.query(`INSERT INTO ${PG_SCHEMA}.heartbeat VALUES (1, 0, 0)`);
  for (let t = 1; t <= TABLES; t++) {
    await pg.query(
      `CREATE TABLE ${PG_SCHEMA}.sbtest${t} (id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, c char(120) NOT NULL DEFAULT '', pad char(60) NOT NULL DEFAULT '')`,
    );
    for await (const rows of sourceRows(`sbtest${t}`, 'id, k, c, pad')) {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        const values = chunk.map((_, j) => `($${j * 4 + 1}, $${j * 4 + 2}, $${j * 4 + 3}, $${j * 4 + 4})`).join(', ');
        await pg.query(`INSERT INTO ${PG_SCHEMA}.sbtest${t} VALUES ${values}`, chunk.flatMap((r) => [r.id, r.k, r.c, r.pad]));
      }
    }
    await pg.query(`CREATE INDEX ON ${PG_SCHEMA}.sbtest${t} (k)`);
  }
  await pg.query('ANALYZE');
}

// ---------------------------------------------------------------------------------------
// progress readers

/** Last GTID sequence exec applied for `siteid` (DMHS_TRXID_TABLE), and its TRX_COUNT. */
async function execAt(engine: 'pg' | 'mariadb', siteid: number): Promise<{ gtid: number; count: number }> {
  if (engine === 'pg') {
    const r = await pg.query<{ pos: string; trx_count: string }>('SELECT pos, trx_count FROM synctl.dmhs_trxid_table WHERE siteid = $1', [siteid]).catch(() => ({ rows: [] }));
    const row = r.rows[0];
    return row ? { gtid: positionGtidSeq(row.pos), count: Number(row.trx_count) } : { gtid: 0, count: 0 };
  }
  const [rows] = await tc
    .query<RowDataPacket[]>('SELECT POS, TRX_COUNT FROM synctl.DMHS_TRXID_TABLE WHERE SITEID = ?', [siteid])
    .catch(() => [[] as RowDataPacket[]] as const);
  const row = rows[0];
  return row ? { gtid: positionGtidSeq(String(row.POS)), count: Number(row.TRX_COUNT) } : { gtid: 0, count: 0 };
}

/** GTID sequence of the last frame a capture has handed to its dir link (sent.log, checkpoint.json). */
function captureSentGtid(p: Pipeline): number {
  const state = path.join(p.dir, '.synctl', `capture-${p.siteid}`);
  let best = 0;
  try {
    const lines = fs.readFileSync(path.join(state, 'sent.log'), 'utf8').trim().split('\n');
    const last = lines[lines.length - 1] ?? '';
    best = Math.max(best, positionGtidSeq(last.slice(last.indexOf(' ') + 1)));
  } catch {
    /* none yet */
  }
  try {
    const c = JSON.parse(fs.readFileSync(path.join(state, 'checkpoint.json'), 'utf8')) as { position: string };
    best = Math.max(best, positionGtidSeq(c.position));
  } catch {
    /* none yet */
  }
  return best;
}

/** Every segment of the dir link is complete (.dat with its .rec manifest, nothing open). */
function dirSettled(p: Pipeline): boolean {
  const names = fs.readdirSync(path.join(p.dir, 'frames'));
  const dats = names.filter((n) => n.endsWith('.dat'));
  return names.every((n) => n.endsWith('.dat') || n.endsWith('.rec')) && dats.every((d) => names.includes(d.replace(/\.dat$/, '.rec')));
}

async function replicaStatus(): Promise<RowDataPacket> {
  const [[s]] = await rc.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  if (!s) throw new Error('replica: SHOW SLAVE STATUS is empty');
  if (String(s.Last_IO_Error) || String(s.Last_SQL_Error)) throw new Error(`replica: IO error '${String(s.Last_IO_Error)}', SQL error '${String(s.Last_SQL_Error)}'`);
  return s;
}

// ---------------------------------------------------------------------------------------
// catch-up rounds

interface Timing {
  applier: string;
  round: number;
  seconds: number;
  /** exec: seconds from its 'applying to' log line (target open, state read) to the end */
  applySeconds: number;
  rows: number;
  txs: number;
}

async function catchUpExec(p: Pipeline, round: number, endGtid: number, txs: number, rows: number): Promise<Timing> {
  const engine = p.engine as 'pg' | 'mariadb';
  const before = await execAt(engine, p.siteid);
  const stmts0 = engine === 'mariadb' ? await writeStatements() : undefined;
  const cpu0 = cpuByProcess();
  const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(PROFILE), `${p.name}-r${round}`)}`] : [];
  const start = process.hrtime.bigint();
  const proc = startChild(['exec', '-c', p.config], nodeArgs);
  let ready: bigint | undefined;
  proc.child.stderr!.on('data', () => {
    if (ready === undefined && /applying to/.test(proc.stderr)) ready = process.hrtime.bigint();
  });
  let at = before;
  await waitFor(
    `exec ${p.name} to reach GTID 0-1-${endGtid}`,
    async () => {
      if (!proc.running) throw new Error(`exec ${p.name} exited ${proc.child.exitCode}:\n${proc.stderr.slice(-4000)}`);
      at = await execAt(engine, p.siteid);
      return at.gtid >= endGtid;
    },
    900_000,
    50,
  );
  const end = process.hrtime.bigint();
  const seconds = Number(end - start) / 1e9;
  const applySeconds = Number(end - (ready ?? start)) / 1e9;
  const cpu1 = cpuByProcess();
  const code = await proc.kill('SIGTERM');
  if (code !== 0) throw new Error(`exec ${p.name} exited ${code} after SIGTERM:\n${proc.stderr.slice(-4000)}`);
  const bad = proc.stderr.split('\n').filter((l) => / (ERROR|WARN) /.test(l));
  if (bad.length) throw new Error(`exec ${p.name} logged errors or warnings:\n${bad.slice(0, 20).join('\n')}`);
  if (stmts0) {
    const st = await writeStatements();
    const n = st.statements - stmts0.statements;
    say(
      `exec ${p.name}: the target server ran ${fmtInt(n)} INSERT/UPDATE/DELETE statements (${(rows / n).toFixed(2)} row changes per statement, ` +
        `${fmtInt(n / seconds)} statements/s); binlog cache spilled to disk ${st.cacheDisk - stmts0.cacheDisk} times`,
    );
  }
  const server = engine === 'pg' ? 'postgres (all processes)' : MARIADB_TARGET === 'own' ? 'mariadbd 3' : 'mariadbd 1';
  say(`exec ${p.name}: CPU seconds during the catch-up: ${cpuSplit(cpu0, cpu1, [`synctl exec ${path.basename(path.dirname(p.config))}`, server])} (of ${seconds.toFixed(2)} s)`);
  if (at.count - before.count !== txs) throw new Error(`exec ${p.name}: applied ${at.count - before.count} transactions, the range has ${txs}`);
  return { applier: p.engine === 'pg' ? 'synctl exec → PostgreSQL' : 'synctl exec → MariaDB', round, seconds, applySeconds, rows, txs };
}

/** INSERT/UPDATE/DELETE statements exec's MariaDB target server has run, and binlog cache spills to disk (global status). */
async function writeStatements(): Promise<{ statements: number; cacheDisk: number }> {
  const [rows] = await tc.query<RowDataPacket[]>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_insert', 'Com_update', 'Com_delete', 'Com_insert_select', 'Com_update_multi', 'Com_delete_multi', 'Binlog_cache_disk_use')",
  );
  let statements = 0;
  let cacheDisk = 0;
  for (const r of rows) {
    if (r.Variable_name === 'Binlog_cache_disk_use') cacheDisk = Number(r.Value);
    else statements += Number(r.Value);
  }
  return { statements, cacheDisk };
}

async function catchUpReplica(round: number, end: BinlogPos, txs: number, rows: number): Promise<Timing> {
  const cpu0 = cpuByProcess();
  const start = process.hrtime.bigint();
  await rc.query('START SLAVE SQL_THREAD');
  const [[r]] = await rc.query<RowDataPacket[]>('SELECT MASTER_POS_WAIT(?, ?, 900) AS r', [end.file, end.pos]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  say(`replica: CPU seconds during the catch-up: ${cpuSplit(cpu0, cpuByProcess(), ['mariadbd 2'])} (of ${seconds.toFixed(2)} s)`);
  await rc.query('STOP SLAVE SQL_THREAD');
  if (r!.r === null || Number(r!.r) < 0) throw new Error(`replica: MASTER_POS_WAIT returned ${String(r!.r)}`);
  await replicaStatus();
  return { applier: 'MariaDB replica (SQL thread)', round, seconds, applySeconds: seconds, rows, txs };
}

// ---------------------------------------------------------------------------------------
// lag phase

interface LagSeries {
  name: string;
  lags: number[];
  /** per heartbeat: ms after the lag phase's sysbench started that it was sent, and its lag */
  points: { at: number; lag: number }[];
  /** lag counted from the heartbeat UPDATE's return (its commit on the source) instead of its send */
  fromCommit: number[];
  lastSeen: number;
}

type LagReader = 'pg' | 'mariadb' | 'replica';
const LAG_NAMES: Record<LagReader, string> = { pg: 'synctl exec → PostgreSQL', mariadb: 'synctl exec → MariaDB', replica: 'MariaDB replica' };
const DUMP_NAME = 'binlog dump (source delivery, floor)';

/**
 * The floor under every log-based applier: a bare binlog dump connection to the source,
 * decoding only the heartbeat table's rows, calls `seen` with each heartbeat sequence as its
 * event arrives. Lag here is the source's own delivery (commit, binlog write, dump thread),
 * which capture and the replica's IO thread both wait for.
 */
async function dumpHeartbeats(seen: (seq: number) => void, signal: AbortSignal, commit?: () => void): Promise<void> {
  const m = harness().mariadb;
  const conn = { host: '127.0.0.1', port: m.port, user: m.user, password: m.password };
  const info = await readSourceInfo(conn);
  const decoder = new BinlogDecoder({ decodeValue: readColumnValue, verifyChecksum: false, skipRowsOf: (map) => map.table !== 'heartbeat' || map.schema !== SRC });
  try {
    for await (const run of streamBinlog({ ...conn, serverId: 4242, decoder, file: info.file, pos: info.pos, heartbeatSec: 1, signal, gatherMs: 0 }, info)) {
      for (const fe of run) {
        const ev = fe.event;
        if (ev.kind === 'xid') commit?.();
        if (ev.kind !== 'rows' || ev.table.table !== 'heartbeat') continue;
        for (const r of ev.rows) if (r.after) seen(Number(String(r.after[1])));
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

interface LagResult {
  series: LagSeries[];
  sysbench: { transactions: number; tps: number };
  heartbeats: number;
  /** ms from sending each heartbeat UPDATE to its return: the source's own commit latency */
  sourceCommit: number[];
}

let lagPhaseCount = 0;

async function lagPhase(which: readonly LagReader[]): Promise<LagResult> {
  if (LAG_SETTLE > 0) {
    say(`lag phase: ${LAG_SETTLE}s without writes first (the targets finish flushing what they caught up)`);
    await sleep(LAG_SETTLE * 1000);
  }
  const hb = await mariaConnect({ database: SRC });
  const reads: Record<LagReader, () => Promise<number>> = {
    pg: async () => Number((await pg.query<{ seq: string }>(`SELECT seq FROM ${PG_SCHEMA}.heartbeat WHERE id = 1`)).rows[0]?.seq ?? 0),
    mariadb: async () => Number((await tc.query<RowDataPacket[]>(`SELECT seq FROM ${MY_TGT}.heartbeat WHERE id = 1`))[0][0]?.seq ?? 0),
    replica: async () => Number((await rc.query<RowDataPacket[]>(`SELECT seq FROM ${SRC}.heartbeat WHERE id = 1`))[0][0]?.seq ?? 0),
  };
  const newSeries = (name: string): LagSeries => ({ name, lags: [], points: [], fromCommit: [], lastSeen: 0 });
  const readers = which.map((w) => ({ s: newSeries(LAG_NAMES[w]), read: reads[w] }));
  const dump = newSeries(DUMP_NAME);
  const [[cur]] = await hb.query<RowDataPacket[]>('SELECT seq FROM heartbeat WHERE id = 1');
  let seq = Number(cur!.seq);
  for (const s of [dump, ...readers.map((r) => r.s)]) s.lastSeen = seq;
  const sentAt = new Map<number, number>();
  const committedAt = new Map<number, number>();
  const sourceCommit: number[] = [];
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  /** per series, per heartbeat: when it was first seen (for the --lag-debug trace) */
  const seenAt = new Map<LagSeries, Map<number, number>>();
  const observe = (s: LagSeries, v: number, t: number): void => {
    let at = seenAt.get(s);
    if (!at) seenAt.set(s, (at = new Map()));
    for (let i = s.lastSeen + 1; i <= v; i++) {
      const w = sentAt.get(i);
      // heartbeats of the warm-up (and of the second before sysbench) are traced, not counted
      if (w !== undefined && w >= runStart) {
        s.lags.push(t - w);
        s.points.push({ at: w - runStart, lag: t - w });
        // seen before the UPDATE returned: counted as 0 from its commit
        s.fromCommit.push(Math.max(0, t - (committedAt.get(i) ?? t)));
      }
      if (w !== undefined) at.set(i, t);
    }
    if (v > s.lastSeen) s.lastSeen = v;
  };
  const stopDump = new AbortController();
  /** source commits per second of the phase, as the dump delivers them (--lag-debug) */
  const commitsPerSecond: number[] = [];
  const countCommit = (): void => {
    const sec = Math.floor((now() - runStart) / 1000);
    if (sec >= 0) commitsPerSecond[sec] = (commitsPerSecond[sec] ?? 0) + 1;
  };
  const dumping = dumpHeartbeats((v) => observe(dump, v, now()), stopDump.signal, LAG_DEBUG ? countCommit : undefined);
  let writing = true;
  // set when sysbench starts: nothing before then counts (the warm-up neither)
  let runStart = Infinity;
  const writer = (async () => {
    while (writing) {
      const next = seq + 1;
      const t = now();
      sentAt.set(next, t);
      await hb.query('UPDATE heartbeat SET seq = ?, ts = ? WHERE id = 1', [next, Date.now()]);
      const c = now();
      committedAt.set(next, c);
      if (t >= runStart) sourceCommit.push(c - t);
      seq = next;
      await sleep(Math.max(0, 100 - (now() - t)));
    }
  })();
  let polling = true;
  const pollers = readers.map(async ({ s, read }) => {
    while (polling) {
      const v = await read();
      observe(s, v, now());
      await sleep(25);
    }
  });
  await sleep(1000);
  // lag counts from the end of the warm-up: the processes have run the workload's code
  // paths, and the servers' caches hold its rows (as for a pipeline that has been running)
  runStart = now() + LAG_WARMUP * 1000;
  const wallStart = Date.now() + LAG_WARMUP * 1000;
  const phaseStart = new Date(wallStart);
  const cpuBefore = LAG_DEBUG ? cpuByProcess() : undefined;
  const vmstat = LAG_DEBUG ? spawn('vmstat', ['-t', '-w', '1'], { stdio: ['ignore', 'pipe', 'ignore'] }) : undefined;
  const vmstatOut: string[] = [];
  vmstat?.stdout?.on('data', (d: Buffer) => vmstatOut.push(d.toString()));
  const run = await runSysbench({
    ownSession: OWN_SESSIONS,
    test: 'oltp_write_only',
    phase: 'run',
    database: SRC,
    tables: TABLES,
    tableSize: TABLE_SIZE,
    threads: THREADS,
    time: LAG_WARMUP + LAG_SECONDS,
  });
  writing = false;
  if (LAG_DEBUG && which.includes('pg')) {
    // PostgreSQL's own background work during the phase (it competes for the same 2 cores)
    const av = await pg.query<{ relname: string; v: Date | null; a: Date | null }>(
      `SELECT relname, last_autovacuum AS v, last_autoanalyze AS a FROM pg_stat_user_tables WHERE schemaname = $1 ORDER BY relname`,
      [PG_SCHEMA],
    );
    const rel = (d: Date | null) => (d === null ? '-' : `${((d.getTime() - phaseStart.getTime()) / 1000).toFixed(1)}s`);
    say(`lag phase (debug): PostgreSQL autovacuum/autoanalyze, seconds after sysbench started: ${av.rows.map((r) => `${r.relname} ${rel(r.v)}/${rel(r.a)}`).join(', ')}`);
  }
  await writer;
  const lastSeq = seq;
  say(`lag phase: sysbench done (${run.transactions} tx, ${run.tps} tps); waiting for ${which.join(', ')} to show heartbeat ${lastSeq}`);
  vmstat?.kill();
  if (cpuBefore) {
    // who used the 2 cores during the run (CPU seconds per process kind)
    const after = cpuByProcess();
    const secs = (Date.now() - wallStart) / 1000;
    const used = [...after].map(([k, v]) => [k, v - (cpuBefore.get(k) ?? 0)] as const).filter(([, v]) => v > 0.05).sort((a, b) => b[1] - a[1]);
    say(`lag phase (debug): CPU seconds over ${secs.toFixed(0)} s: ${used.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  }
  await waitFor('every target to show the last heartbeat', () => [dump, ...readers.map((r) => r.s)].every((s) => s.lastSeen >= lastSeq), 600_000, 100);
  polling = false;
  stopDump.abort();
  await Promise.all([...pollers, dumping]);
  await hb.end();
  const all = [dump, ...readers.map((r) => r.s)];
  if (LAG_DEBUG) {
    // one line per heartbeat: when it was sent (wall clock, and s after the warm-up; negative
    // during it) and each series' lag, to line up with vmstat's seconds and the processes' debug logs
    fs.mkdirSync(LAG_DEBUG, { recursive: true });
    const tag = `${which.length > 1 ? 'all' : which[0]!}-${++lagPhaseCount}`;
    const lines = [['seq', 'sent_utc', 'at_s', 'commit_ms', ...all.map((s) => s.name.replace(/\s+/g, '_'))].join('\t')];
    for (const [i, w] of sentAt) {
      const wall = new Date(wallStart + (w - runStart));
      lines.push([String(i), wall.toISOString(), ((w - runStart) / 1000).toFixed(2), ((committedAt.get(i) ?? w) - w).toFixed(0), ...all.map((s) => {
        const t = seenAt.get(s)?.get(i);
        return t === undefined ? '-' : (t - w).toFixed(0);
      })].join('\t'));
    }
    fs.writeFileSync(path.join(LAG_DEBUG, `lag-trace-${tag}.tsv`), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(LAG_DEBUG, `vmstat-${tag}.txt`), vmstatOut.join(''));
    say(`lag phase (debug): source commits per second: ${Array.from(commitsPerSecond, (n) => n ?? 0).join(' ')}`);
  }
  return { series: all, sysbench: { transactions: run.transactions, tps: run.tps }, heartbeats: sourceCommit.length, sourceCommit };
}

/** CPU seconds used so far by each kind of process on the machine (/proc): catch-up splits, --lag-debug */
function cpuByProcess(): Map<string, number> {
  const tick = 100; // USER_HZ on Linux
  const out = new Map<string, number>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / tick; // utime, stime
      let kind = comm;
      if (comm === 'node' || comm.startsWith('node')) {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const sub = args.find((a) => a === 'exec' || a === 'capture');
        const cfg = args[args.indexOf('-c') + 1] ?? '';
        kind = sub ? `synctl ${sub} ${path.basename(path.dirname(cfg))}` : 'node (bench, other)';
      } else if (comm === 'postgres') kind = 'postgres (all processes)';
      else if (comm === 'mariadbd' || comm === 'mysqld') {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        kind = `mariadbd ${/server[-_]id=(\d+)/.exec(args)?.[1] ?? '1'}`;
      }
      out.set(kind, (out.get(kind) ?? 0) + cpu);
    } catch {
      // the process ended meanwhile
    }
  }
  // the whole machine (user + nice + system + irq + softirq), which counts processes gone meanwhile (sysbench)
  const all = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  out.set('(machine, busy)', (all[0]! + all[1]! + all[2]! + all[5]! + all[6]!) / tick);
  return out;
}

/** CPU seconds each of `kinds` (cpuByProcess names) and the machine used between two samples */
function cpuSplit(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, kinds: readonly string[]): string {
  return [...kinds, '(machine, busy)'].map((k) => `${k} ${((b.get(k) ?? 0) - (a.get(k) ?? 0)).toFixed(2)}`).join(', ');
}

function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

// ---------------------------------------------------------------------------------------

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((n) => '-'.repeat(n)).join('  '), ...rows.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  say(`starting the harness (private MariaDB + PostgreSQL), a replica MariaDB (server_id 2)${MARIADB_TARGET === 'own' ? " and exec's MariaDB target (server_id 3)" : ''}`);
  const h = await startHarness();
  const work = fs.mkdtempSync(path.join(h.tmpDir, 'bench-apply-'));
  replica = await startExtraMariaDb({ name: 'replica', serverId: 2, extraArgs: [`--replicate-do-db=${SRC}`] });
  rc = await mysql.createConnection({ socketPath: replica.socket, user: 'root' });
  await createDatabase('mariadb', SRC);
  await createDatabase('postgres', PG_DB);
  my = await mariaConnect({ database: SRC });
  if (MARIADB_TARGET === 'own') {
    myTarget = await startExtraMariaDb({ name: 'exec_target', serverId: 3 });
    tc = await mysql.createConnection({ socketPath: myTarget.socket, user: 'root' });
    await tc.query(`CREATE DATABASE ${MY_TGT}`);
    // exec's groups are large transactions: past binlog_cache_size they spill to a temp file
    if (TARGET_BINLOG_CACHE > 0) await tc.query(`SET GLOBAL binlog_cache_size = ${TARGET_BINLOG_CACHE}`);
  } else {
    await createDatabase('mariadb', MY_TGT);
    tc = my;
  }
  pg = await pgConnect({ database: PG_DB });
  await pg.query(`CREATE SCHEMA ${PG_SCHEMA}`);
  const [[ver]] = await my.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const pgVer = (await pg.query<{ v: string }>('SELECT current_setting(\'server_version\') AS v')).rows[0]!.v;

  // the replica starts from here: an empty sbtest, built through replication
  await rc.query(`CREATE DATABASE ${SRC}`);
  const origin = await masterStatus(my);
  const m = h.mariadb;
  await rc.query(
    `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${m.port}, MASTER_USER=?, MASTER_PASSWORD=?, MASTER_LOG_FILE=?, MASTER_LOG_POS=?, MASTER_USE_GTID=no`,
    [m.user, m.password, origin.file, origin.pos],
  );
  await rc.query('START SLAVE');
  await my.query(HEARTBEAT_DDL);
  await my.query('INSERT INTO heartbeat VALUES (1, 0, 0)');

  say(`sysbench prepare: ${TABLES} tables x ${TABLE_SIZE} rows`);
  const p0 = Date.now();
  await runSysbench({ test: 'oltp_write_only', phase: 'prepare', database: SRC, tables: TABLES, tableSize: TABLE_SIZE, threads: Math.min(TABLES, 2) || 1, timeoutMs: 900_000 });
  const prepS = (Date.now() - p0) / 1000;
  const prepared = await masterStatus(my);
  say(`prepare done in ${prepS.toFixed(0)}s; initial copy to PostgreSQL and MariaDB`);
  await initialLoad();
  const [[w]] = await rc.query<RowDataPacket[]>('SELECT MASTER_POS_WAIT(?, ?, 900) AS r', [prepared.file, prepared.pos]);
  if (w!.r === null || Number(w!.r) < 0) throw new Error(`replica did not replicate the prepare: ${String(w!.r)}`);
  await replicaStatus();
  say('replica caught up with the prepare; targets loaded');

  // catch-up pipelines (dir link) and lag pipelines (TCP)
  const cuPg = await writeConfig(work, 'catchup_pg', 'pg', 61, 'dir');
  const cuMy = await writeConfig(work, 'catchup_my', 'mariadb', 62, 'dir');
  const lagPg = await writeConfig(work, 'lag_pg', 'pg', 63, 'tcp');
  const lagMy = await writeConfig(work, 'lag_my', 'mariadb', 64, 'tcp');
  const verifyReplica = await writeConfig(work, 'verify_replica', 'replica', 65, 'tcp');
  for (const p of [cuPg, cuMy, lagPg, lagMy, verifyReplica]) {
    const r = await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', p.config]);
    if (r.code !== 0) throw new Error(`copy DICT ${p.name} exited ${r.code}:\n${r.stderr}`);
  }
  // the targets' exec tables exist before anything is timed: a first exec run with no input
  for (const p of [cuPg, cuMy]) {
    const e = startChild(['exec', '-c', p.config]);
    await waitFor(`exec ${p.name} to start`, () => /applying to/.test(e.stderr) || !e.running, 60_000);
    if ((await e.kill('SIGTERM')) !== 0) throw new Error(`exec ${p.name}:\n${e.stderr}`);
  }

  // captures run only while sysbench does: nothing but the measured applier runs during a catch-up
  const startCaptures = async () => {
    const cs = [cuPg, cuMy].map((p) => ({ p, c: startChild(['capture', '-c', p.config]) }));
    await waitFor('capture to start', () => cs.every(({ c }) => /dumping from/.test(c.stderr) || !c.running), 60_000);
    for (const { p, c } of cs) if (!c.running) throw new Error(`capture ${p.name} exited:\n${c.stderr}`);
    return cs;
  };
  const stopCaptures = async (cs: { p: Pipeline; c: Child }[]) => {
    for (const { p, c } of cs) {
      const code = await c.kill('SIGTERM');
      const bad = c.stderr.split('\n').filter((l) => / (ERROR|WARN) /.test(l));
      if (code !== 0 || bad.length) throw new Error(`capture ${p.name} exited ${code}:\n${bad.join('\n')}\n${c.stderr.slice(-3000)}`);
    }
  };
  await rc.query('STOP SLAVE');

  const timings: Timing[] = [];
  const ranges: { round: number; txs: number; count: RangeCount; tps: number; bytes: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await rc.query('START SLAVE IO_THREAD');
    const captures = await startCaptures();
    const from = await masterStatus(my);
    say(`round ${round}: exec stopped, replica IO thread only; sysbench oltp_write_only ${RUN_SECONDS}s, ${THREADS} threads`);
    const run = await runSysbench({ ownSession: OWN_SESSIONS, test: 'oltp_write_only', phase: 'run', database: SRC, tables: TABLES, tableSize: TABLE_SIZE, threads: THREADS, time: RUN_SECONDS });
    const to = await masterStatus(my);
    const txs = to.gtid - from.gtid;
    const count = await countRange(from, to);
    let bytes = 0;
    {
      // binlog bytes in the range (rough when it spans files)
      const dir = path.dirname(h.mariadb.binlogBasename);
      bytes = from.file === to.file ? to.pos - from.pos : fs.statSync(path.join(dir, from.file)).size - from.pos + to.pos;
    }
    ranges.push({ round, txs, count, tps: run.tps, bytes });
    say(
      `round ${round}: ${run.transactions} sysbench tx (${run.tps} tps); range ${from.file}:${from.pos}..${to.file}:${to.pos}, GTID 0-1-${from.gtid + 1}..0-1-${to.gtid} (${txs} tx), ` +
        `${count.rows} row changes (${count.inserts} ins, ${count.updates} upd, ${count.deletes} del)`,
    );
    if (txs < run.transactions) throw new Error(`the range has ${txs} transactions, sysbench reports ${run.transactions}`);
    // the whole range written to the dir links and read by the replica's IO thread
    await waitFor('capture to write the range', () => [cuPg, cuMy].every((p) => captureSentGtid(p) >= to.gtid), 300_000);
    await sleep(1500); // file_time 1 s: the last segment is rolled (published)
    await waitFor('dir segments complete', () => [cuPg, cuMy].every(dirSettled), 30_000);
    await waitFor(
      'the replica IO thread to read the range',
      async () => {
        const s = await replicaStatus();
        const f = String(s.Master_Log_File);
        return f > to.file || (f === to.file && Number(s.Read_Master_Log_Pos) >= to.pos);
      },
      300_000,
    );
    await rc.query('STOP SLAVE IO_THREAD');
    await stopCaptures(captures);
    const order: (() => Promise<Timing>)[] = [
      () => catchUpReplica(round, to, txs, count.rows),
      () => catchUpExec(cuPg, round, to.gtid, txs, count.rows),
      () => catchUpExec(cuMy, round, to.gtid, txs, count.rows),
    ];
    if (round % 2 === 0) order.reverse();
    for (const f of order) {
      const t = await f();
      timings.push(t);
      say(
        `round ${round}: ${t.applier}: ${t.seconds.toFixed(2)}s (${t.applySeconds.toFixed(2)}s after start-up), ${fmtInt(t.rows / t.seconds)} row changes/s, ${fmtInt(t.txs / t.seconds)} tx/s`,
      );
    }
  }

  // lag phase
  let lag: LagResult | undefined;
  if (LAG_SECONDS > 0) {
    const pipes = { pg: lagPg, mariadb: lagMy } as const;
    /** starts exec (then capture) for these targets; resolves to their stop */
    const startPipelines = async (targets: readonly ('pg' | 'mariadb')[]): Promise<() => Promise<void>> => {
      const debug = LAG_DEBUG ? ['--debug'] : [];
      const prof = (what: string) => (LAG_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(LAG_PROFILE), what)}`] : []);
      const execs = targets.map((t) => startChild(['exec', '-c', pipes[t].config, ...debug], prof(`exec-${t}`)));
      await waitFor('lag execs to listen', () => execs.every((e) => /applying to/.test(e.stderr) || !e.running), 60_000);
      const caps = targets.map((t) => startChild(['capture', '-c', pipes[t].config, ...debug], prof(`capture-${t}`)));
      await waitFor('lag captures to start', () => caps.every((c) => /dumping from/.test(c.stderr) || !c.running), 60_000);
      for (const c of [...execs, ...caps]) if (!c.running) throw new Error(`a lag-phase process exited:\n${c.stderr}`);
      return async () => {
        // captures first: a capture whose exec is gone logs reconnect warnings
        const named = [...caps.map((c, i) => ({ c, name: `capture-${targets[i]}` })), ...execs.map((c, i) => ({ c, name: `exec-${targets[i]}` }))];
        for (const { c, name } of named) {
          const code = await c.kill('SIGTERM');
          if (LAG_DEBUG) {
            fs.mkdirSync(LAG_DEBUG, { recursive: true });
            fs.appendFileSync(path.join(LAG_DEBUG, `${name}${targets.length > 1 ? '-all' : '-alone'}.log`), c.stderr);
          }
          const bad = c.stderr.split('\n').filter((l) => / (ERROR|WARN) /.test(l));
          if (code !== 0 || bad.length) throw new Error(`a lag-phase process exited ${code} or logged errors:\n${bad.slice(0, 20).join('\n')}\n${c.stderr.slice(-2000)}`);
        }
      };
    };
    const replicaCaughtUp = async () => {
      // the replica first reads and skips exec's own writes to sbtest_tgt (filtered)
      await rc.query('START SLAVE');
      const here = await masterStatus(my);
      const [[cw]] = await rc.query<RowDataPacket[]>('SELECT MASTER_POS_WAIT(?, ?, 900) AS r', [here.file, here.pos]);
      if (cw!.r === null || Number(cw!.r) < 0) throw new Error(`replica did not catch up before the lag phase: ${String(cw!.r)}`);
      await replicaStatus();
    };
    /** one heartbeat more, seen on both synctl targets: each has applied everything before it */
    const bumpHeartbeatAndWait = async (which: readonly ('pg' | 'mariadb')[] = ['pg', 'mariadb']) => {
      const [[hbRow]] = await my.query<RowDataPacket[]>(`SELECT seq FROM ${SRC}.heartbeat WHERE id = 1`);
      const last = Number(hbRow!.seq);
      await my.query(`UPDATE ${SRC}.heartbeat SET seq = ? WHERE id = 1`, [last + 1]);
      await waitFor(
        'the pipelines to apply the heartbeat',
        async () => {
          const a = Number((await pg.query<{ seq: string }>(`SELECT seq FROM ${PG_SCHEMA}.heartbeat WHERE id = 1`)).rows[0]?.seq ?? 0);
          const [[b]] = await tc.query<RowDataPacket[]>(`SELECT seq FROM ${MY_TGT}.heartbeat WHERE id = 1`);
          return (!which.includes('pg') || a > last) && (!which.includes('mariadb') || Number(b!.seq) > last);
        },
        600_000,
        200,
      );
    };
    const report = (r: LagResult) => {
      for (const s of r.series) say(`lag ${s.name}: ${s.lags.length} samples, p50 ${pct(s.lags, 50).toFixed(0)} ms, p99 ${pct(s.lags, 99).toFixed(0)} ms, max ${Math.max(...s.lags).toFixed(0)} ms`);
      say(`lag phase: the heartbeat UPDATE itself took p50 ${pct(r.sourceCommit, 50).toFixed(0)} ms, p99 ${pct(r.sourceCommit, 99).toFixed(0)} ms, max ${Math.max(...r.sourceCommit).toFixed(0)} ms on the source`);
    };
    if (!LAG_ALONE) {
      const stop = await startPipelines(['pg', 'mariadb']);
      await replicaCaughtUp();
      say(`lag phase: exec and capture running (TCP), replica SQL thread running; sysbench ${LAG_WARMUP}s warm-up + ${LAG_SECONDS}s, ${THREADS} threads, heartbeat every 100 ms`);
      lag = await lagPhase(['pg', 'mariadb', 'replica']);
      report(lag);
      await stop();
    } else {
      // one applier at a time; the others stopped (they catch up afterwards, for the equality
      // check). Each capture first runs once, so that later it resumes at this point and
      // does not start at the end of the log, past the other phases' writes.
      const first = await startPipelines(['pg', 'mariadb']);
      await bumpHeartbeatAndWait();
      await first();
      const parts: LagResult[] = [];
      for (const t of ['pg', 'mariadb'] as const) {
        const stop = await startPipelines([t]);
        // the earlier phases' writes first: the phase measures lag, not a catch-up
        await bumpHeartbeatAndWait([t]);
        say(`lag phase (${LAG_NAMES[t]} alone): sysbench ${LAG_WARMUP}s warm-up + ${LAG_SECONDS}s, ${THREADS} threads, heartbeat every 100 ms`);
        parts.push(await lagPhase([t]));
        report(parts[parts.length - 1]!);
        await stop();
      }
      await replicaCaughtUp();
      say(`lag phase (replica alone): sysbench ${LAG_WARMUP}s warm-up + ${LAG_SECONDS}s, ${THREADS} threads, heartbeat every 100 ms`);
      parts.push(await lagPhase(['replica']));
      report(parts[parts.length - 1]!);
      lag = {
        // the dump floor over all three runs, then each applier's own run
        series: [
          { name: DUMP_NAME, lags: parts.flatMap((x) => x.series[0]!.lags), points: parts.flatMap((x) => x.series[0]!.points), fromCommit: parts.flatMap((x) => x.series[0]!.fromCommit), lastSeen: 0 },
          ...parts.map((x) => x.series[1]!),
        ],
        sysbench: { transactions: parts.reduce((n, x) => n + x.sysbench.transactions, 0), tps: parts.reduce((n, x) => n + x.sysbench.tps, 0) / parts.length },
        heartbeats: parts.reduce((n, x) => n + x.heartbeats, 0),
        sourceCommit: parts.flatMap((x) => x.sourceCommit),
      };
      // the pipelines catch up with the later runs' writes
      const stop = await startPipelines(['pg', 'mariadb']);
      const end = await masterStatus(my);
      say(`lag phase: both pipelines catching up to ${end.file}:${end.pos}`);
      await bumpHeartbeatAndWait();
      await stop();
    }
  }

  // equality (the replica's SQL thread is stopped when there was no lag phase: MASTER_POS_WAIT needs it running)
  await rc.query('START SLAVE');
  const final = await masterStatus(my);
  const [[w2]] = await rc.query<RowDataPacket[]>('SELECT MASTER_POS_WAIT(?, ?, 900) AS r', [final.file, final.pos]);
  if (w2!.r === null || Number(w2!.r) < 0) throw new Error(`replica did not catch up: ${String(w2!.r)}`);
  const verdicts: string[] = [];
  let unequal = 0;
  for (const p of [lagPg, lagMy, verifyReplica]) {
    const v = await runSynctl(['verify', '-c', p.config, `SCH.NAME='${SRC}'`]);
    verdicts.push(`${p.engine}: verify exit ${v.code}`);
    if (v.code !== 0) {
      unequal++;
      process.stderr.write(`verify ${p.name} exited ${v.code}:\n${v.stdout}${v.stderr}\n`);
    }
  }
  say(`verify: ${verdicts.join(', ')}`);

  // report
  const totRows = ranges.reduce((n, r) => n + r.count.rows, 0);
  console.log(
    `workload: MariaDB ${String(ver!.v)} → PostgreSQL ${pgVer} / MariaDB (${myTarget ? 'a server of its own, server_id 3' : 'another database on the source server'}) / native replica (server_id 2, replicate-do-db=${SRC}, ` +
      `slave_parallel_threads=0); sysbench oltp_write_only prepare ${TABLES}x${TABLE_SIZE} (${prepS.toFixed(0)}s); ${ROUNDS} round(s) of ${RUN_SECONDS}s at ${THREADS} threads`,
  );
  for (const r of ranges) {
    console.log(
      `round ${r.round}: ${fmtInt(r.txs)} transactions (${r.tps} tps while exec paused), ${fmtInt(r.count.rows)} row changes (${fmtInt(r.count.inserts)} ins, ` +
        `${fmtInt(r.count.updates)} upd, ${fmtInt(r.count.deletes)} del), ${(r.bytes / 1e6).toFixed(1)} MB of binlog`,
    );
  }
  console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('');
  const appliers = ['MariaDB replica (SQL thread)', 'synctl exec → PostgreSQL', 'synctl exec → MariaDB'];
  const sum = (a: string) => {
    const ts = timings.filter((t) => t.applier === a);
    return {
      seconds: ts.reduce((n, t) => n + t.seconds, 0),
      applySeconds: ts.reduce((n, t) => n + t.applySeconds, 0),
      txs: ts.reduce((n, t) => n + t.txs, 0),
      runs: ts.map((t) => t.seconds.toFixed(2)).join(' / '),
    };
  };
  const replicaRate = totRows / sum(appliers[0]!).seconds;
  const rows: string[][] = appliers.map((a) => {
    const s = sum(a);
    const rate = totRows / s.seconds;
    return [a, s.runs, s.seconds.toFixed(2), fmtInt(rate), fmtInt(s.txs / s.seconds), (rate / replicaRate).toFixed(2) + 'x', fmtInt(totRows / s.applySeconds)];
  });
  console.log('catch-up (each applier alone, same binlog range):');
  console.log(table(['applier', 'seconds per round', 'total s', 'row changes/s', 'tx/s', 'vs replica', 'rows/s after start-up'], rows));
  console.log("exec's time runs from spawning the process (start-up, connect, dictionary load included); the last column from its 'applying to' log line.");
  console.log('');
  if (lag) {
    console.log(
      `lag while sysbench runs (${LAG_ALONE ? `each applier alone, ${LAG_SECONDS}s each` : `all appliers at once, ${LAG_SECONDS}s`} after ${LAG_WARMUP}s of warm-up, ${THREADS} threads, ${lag.sysbench.transactions} tx, ${lag.sysbench.tps.toFixed(0)} tps; ${lag.heartbeats} heartbeats, every 100 ms):`,
    );
    console.log(
      table(
        ['applier', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'p99 ms from source commit'],
        lag.series.map((s) => [s.name, String(s.lags.length), pct(s.lags, 50).toFixed(0), pct(s.lags, 99).toFixed(0), Math.max(...s.lags).toFixed(0), pct(s.fromCommit, 99).toFixed(0)]),
      ),
    );
    console.log(
      `lag runs from sending the heartbeat UPDATE; the last column from its return. The UPDATE itself (source commit latency): p50 ${pct(lag.sourceCommit, 50).toFixed(0)} ms, p99 ${pct(lag.sourceCommit, 99).toFixed(0)} ms.`,
    );
    // does lag grow (the applier cannot keep up) or stay level (latency)?
    const win = 10_000;
    const windows = Math.ceil((LAG_SECONDS * 1000) / win);
    const head = ['applier: max lag ms of heartbeats sent in second', ...Array.from({ length: windows }, (_, i) => `${(i * win) / 1000}-${((i + 1) * win) / 1000}`)];
    console.log(
      table(
        head,
        lag.series.map((s) => [
          s.name,
          ...Array.from({ length: windows }, (_, i) => {
            const xs = s.points.filter((p) => p.at >= i * win && p.at < (i + 1) * win).map((p) => p.lag);
            return xs.length ? Math.max(...xs).toFixed(0) : '-';
          }),
        ]),
      ),
    );
    console.log('');
  }
  const execRates = rows.slice(1).map((r) => ({ name: r[0]!, rate: Number(r[3]!.replace(/,/g, '')), ratio: Number(r[5]!.replace('x', '')) }));
  const targets = [
    ...execRates.map((e) => `${e.name}: ratio ${e.ratio.toFixed(2)}x vs replica ${e.ratio >= 1 ? 'MET' : 'NOT MET'} (>= 1.0), ${fmtInt(e.rate)} row changes/s ${e.rate >= 50_000 ? 'MET' : 'NOT MET'} (>= 50,000)`),
    ...(lag ? lag.series.filter((s) => s.name.startsWith('synctl')).map((s) => `${s.name}: lag p99 ${pct(s.lags, 99).toFixed(0)} ms ${pct(s.lags, 99) < 1000 ? 'MET' : 'NOT MET'} (< 1000 ms)`) : []),
  ];
  console.log('targets:');
  for (const t of targets) console.log(`  ${t}`);
  console.log(`equality: ${verdicts.join(', ')}`);
  if (PROFILE) console.log(`exec CPU profiles in ${path.resolve(PROFILE)}`);
  if (unequal) throw new Error(`${unequal} target(s) not equal to the source`);
}

// ---------------------------------------------------------------------------------------
// --experiment=batching: not exec, the servers alone

/**
 * The same sysbench-like row changes (per transaction: UPDATE k, UPDATE c, DELETE id, INSERT id
 * on one of 8 tables of 100,000 rows; 20,000 transactions; 5,000 changes per target
 * transaction, 1 MB round trips of SQL text) sent to the harness MariaDB and PostgreSQL
 * (a) as one statement per row change, as exec sends them, and (b) reduced to their net
 * effect per key within each group and sent as one multi-row upsert (and one DELETE ... IN)
 * per table. Two rounds, orders swapped; the tables are checked against an in-memory mirror.
 */
async function batchingExperiment(): Promise<void> {
  const TX = 20_000;
  const GROUP = 5000;
  const SIZE = 100_000;
  const NT = 8;
  let seed = 42;
  const rnd = (): number => {
    seed = (seed + 0x6d2b79f5) | 0; // mulberry32
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rint = (n: number) => 1 + Math.floor(rnd() * n);
  const str = (n: number) => Array.from({ length: Math.ceil(n / 12) }, () => String(rint(99_999_999_999)).padStart(11, '0')).join('-').slice(0, n);
  interface R {
    id: number;
    k: number;
    c: string;
    pad: string;
  }
  type XOp =
    | { t: number; kind: 'uk'; id: number }
    | { t: number; kind: 'del'; id: number }
    | { t: number; kind: 'uc'; id: number; c: string }
    | { t: number; kind: 'ins'; id: number; k: number; c: string; pad: string };
  const genOps = (): XOp[] => {
    const ops: XOp[] = [];
    for (let i = 0; i < TX; i++) {
      const t = rint(NT);
      ops.push({ t, kind: 'uk', id: rint(SIZE) });
      ops.push({ t, kind: 'uc', id: rint(SIZE), c: str(120) });
      const id = rint(SIZE);
      ops.push({ t, kind: 'del', id });
      ops.push({ t, kind: 'ins', id, k: rint(SIZE), c: str(120), pad: str(60) });
    }
    return ops;
  };
  const tn = (t: number) => `exp.t${t}`;
  const vals = (rs: readonly R[]) => rs.map((r) => `(${r.id}, ${r.k}, '${r.c}', '${r.pad}')`).join(', ');
  const perRow = (ops: readonly XOp[]) =>
    ops.map((o) =>
      o.kind === 'uk'
        ? `UPDATE ${tn(o.t)} SET k = k + 1 WHERE id = ${o.id}`
        : o.kind === 'uc'
          ? `UPDATE ${tn(o.t)} SET c = '${o.c}' WHERE id = ${o.id}`
          : o.kind === 'del'
            ? `DELETE FROM ${tn(o.t)} WHERE id = ${o.id}`
            : `INSERT INTO ${tn(o.t)} (id, k, c, pad) VALUES (${o.id}, ${o.k}, '${o.c}', '${o.pad}')`,
    );
  /** Net effect per key of `ops` (the mirror plays the source's row images), as statements. */
  const netChange = (ops: readonly XOp[], mirror: Map<number, R>[], upsert: (table: string, rs: readonly R[]) => string) => {
    const byT = new Map<number, Map<number, R | null>>();
    for (const o of ops) {
      let m = byT.get(o.t);
      if (!m) byT.set(o.t, (m = new Map()));
      const rows = mirror[o.t]!;
      if (o.kind === 'uk') {
        const r = rows.get(o.id);
        if (!r) continue;
        r.k++;
        m.set(o.id, r);
      } else if (o.kind === 'uc') {
        const r = rows.get(o.id);
        if (!r) continue;
        r.c = o.c;
        m.set(o.id, r);
      } else if (o.kind === 'del') {
        rows.delete(o.id);
        m.set(o.id, null);
      } else {
        const r = { id: o.id, k: o.k, c: o.c, pad: o.pad };
        rows.set(o.id, r);
        m.set(o.id, r);
      }
    }
    const out: string[] = [];
    for (const [t, m] of byT) {
      const dels = [...m].filter(([, r]) => r === null).map(([id]) => id);
      const ups = [...m.values()].filter((r): r is R => r !== null).map((r) => ({ ...r }));
      if (dels.length) out.push(`DELETE FROM ${tn(t)} WHERE id IN (${dels.join(', ')})`);
      for (let i = 0; i < ups.length; i += 1000) out.push(upsert(tn(t), ups.slice(i, i + 1000)));
    }
    return out;
  };

  say('experiment: starting the harness');
  await startHarness();
  const mc = await mariaConnect({ database: 'mysql', multipleStatements: true });
  const pc = await pgConnect();
  const engines = {
    mariadb: {
      run: (sql: string) => mc.query(sql).then(() => undefined),
      rows: async (sql: string) => (await mc.query<RowDataPacket[]>(sql))[0] as Record<string, unknown>[],
      upsert: (table: string, rs: readonly R[]) =>
        `INSERT INTO ${table} (id, k, c, pad) VALUES ${vals(rs)} ON DUPLICATE KEY UPDATE k = VALUES(k), c = VALUES(c), pad = VALUES(pad)`,
      mirror: [] as Map<number, R>[],
    },
    postgres: {
      run: (sql: string) => pc.query(sql).then(() => undefined),
      rows: async (sql: string) => (await pc.query(sql)).rows as Record<string, unknown>[],
      upsert: (table: string, rs: readonly R[]) =>
        `INSERT INTO ${table} (id, k, c, pad) VALUES ${vals(rs)} ON CONFLICT (id) DO UPDATE SET k = EXCLUDED.k, c = EXCLUDED.c, pad = EXCLUDED.pad`,
      mirror: [] as Map<number, R>[],
    },
  };
  try {
    for (const [name, e] of Object.entries(engines)) {
      if (name === 'mariadb') await e.run('DROP DATABASE IF EXISTS exp; CREATE DATABASE exp');
      else await e.run('DROP SCHEMA IF EXISTS exp CASCADE; CREATE SCHEMA exp');
      for (let t = 1; t <= NT; t++) {
        const m = new Map<number, R>();
        e.mirror[t] = m;
        await e.run(
          name === 'mariadb'
            ? `CREATE TABLE ${tn(t)} (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY (k)) ENGINE=InnoDB`
            : `CREATE TABLE ${tn(t)} (id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, c char(120) NOT NULL DEFAULT '', pad char(60) NOT NULL DEFAULT ''); CREATE INDEX ON ${tn(t)} (k)`,
        );
        seed = 1000 + t;
        const rows: R[] = [];
        for (let id = 1; id <= SIZE; id++) {
          const r = { id, k: rint(SIZE), c: str(120), pad: str(60) };
          rows.push(r);
          m.set(id, { ...r });
        }
        for (let i = 0; i < rows.length; i += 2000) await e.run(`INSERT INTO ${tn(t)} (id, k, c, pad) VALUES ${vals(rows.slice(i, i + 2000))}`);
      }
      if (name === 'postgres') await e.run('VACUUM ANALYZE');
    }
    say(`experiment: ${NT} x ${SIZE} rows loaded on both servers; ${TX} transactions (${TX * 4} row changes) per run, ${GROUP} per target transaction`);
    const lines: string[][] = [];
    let opSeed = 7;
    for (const round of [1, 2]) {
      for (const variant of round === 1 ? ['per row', 'net-change upserts'] : ['net-change upserts', 'per row']) {
        const s0 = opSeed++;
        for (const [name, e] of Object.entries(engines)) {
          seed = s0;
          const ops = genOps();
          const groups: string[][] = [];
          for (let i = 0; i < ops.length; i += GROUP) {
            const g = ops.slice(i, i + GROUP);
            const net = netChange(g, e.mirror, e.upsert); // keeps the mirror in step either way
            groups.push(variant === 'per row' ? perRow(g) : net);
          }
          const start = process.hrtime.bigint();
          let statements = 0;
          for (const g of groups) {
            let trip: string[] = ['BEGIN'];
            let bytes = 0;
            for (const st of [...g, 'COMMIT']) {
              trip.push(st);
              bytes += st.length;
              if (bytes >= 1 << 20) {
                await e.run(trip.join(';\n'));
                trip = [];
                bytes = 0;
              }
            }
            if (trip.length) await e.run(trip.join(';\n'));
            statements += g.length;
          }
          const sec = Number(process.hrtime.bigint() - start) / 1e9;
          say(`experiment round ${round}: ${name} ${variant}: ${sec.toFixed(2)} s, ${fmtInt(ops.length / sec)} row changes/s, ${statements} statements`);
          lines.push([`${name}, ${variant}`, String(round), sec.toFixed(2), fmtInt(ops.length / sec), fmtInt(statements)]);
        }
      }
    }
    const verdict: string[] = [];
    for (const [name, e] of Object.entries(engines)) {
      let bad = 0;
      for (let t = 1; t <= NT; t++) {
        const rows = await e.rows(`SELECT id, k, c, pad FROM ${tn(t)} ORDER BY id`);
        const m = e.mirror[t]!;
        if (rows.length !== m.size) bad++;
        for (const r of rows) {
          const x = m.get(Number(r.id));
          if (!x || x.k !== Number(r.k) || x.c !== String(r.c).trimEnd() || x.pad !== String(r.pad).trimEnd()) {
            bad++;
            break;
          }
        }
      }
      verdict.push(`${name} ${bad ? 'DIFFERS' : 'equal'}`);
      if (bad) process.exitCode = 1;
    }
    console.log(`batching experiment (${NT} x ${SIZE} rows; ${TX * 4} sysbench-like row changes per run; node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
    console.log(table(['server, form', 'round', 'seconds', 'row changes/s', 'statements'], lines));
    console.log(`tables against the mirror: ${verdict.join(', ')}`);
  } finally {
    await mc.end().catch(() => undefined);
    await pc.end().catch(() => undefined);
    await stopHarness();
  }
}

async function shutdown(): Promise<void> {
  for (const c of [...children]) await c.kill('SIGKILL');
  await my?.end().catch(() => undefined);
  await pg?.end().catch(() => undefined);
  await rc?.end().catch(() => undefined);
  if (tc !== my) await tc?.end().catch(() => undefined);
  await replica?.stop().catch(() => undefined);
  await myTarget?.stop().catch(() => undefined);
  await stopHarness();
}

(EXPERIMENT === 'batching' ? batchingExperiment() : EXPERIMENT ? Promise.reject(new Error(`--experiment=${EXPERIMENT}: only 'batching'`)) : main())
  .then(async () => {
    await shutdown();
    say('done');
  })
  .catch(async (e: unknown) => {
    process.stderr.write(`apply: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await shutdown().catch(() => undefined);
    process.exitCode = 1;
  });
