/**
 * Binlog decode benchmark: synctl's offline decoder (captureOffline, the library, not the
 * CLI) against `mariadb-binlog --base64-output=decode-rows -v > /dev/null` on the same
 * binlog files, measured in the same run.
 *
 *   npm run build && node dist/bench/binlog-decode.js
 *   node dist/bench/binlog-decode.js --tables=2 --table-size=20000 --run-seconds=5   (quick run)
 *   node dist/bench/binlog-decode.js --from-dir=DIR        (re-time files kept by --keep=DIR)
 *
 * Options (argv `--name=value`, or env BENCH_<NAME> with '-' as '_', e.g. BENCH_TABLE_SIZE):
 *   --tables=8 --table-size=250000   sysbench prepare size
 *   --run-seconds=30 --threads=4     the oltp_write_only run
 *   --repeats=3                      timed runs per side (median reported)
 *   --keep=DIR                       keep the binlog copies and the dictionary in DIR
 *   --from-dir=DIR                   no servers: time the files (and DIR/dict) kept by --keep
 *   --live=0                         skip the live series (below)
 *
 * Workload: a private MariaDB from the test harness (binlog_format=ROW, FULL row image,
 * CRC32); FLUSH BINARY LOGS, `sysbench oltp_write_only prepare` (tables x table-size rows),
 * `sysbench oltp_write_only run`, FLUSH BINARY LOGS; the files written in between are
 * copied out and the servers stopped before anything is timed.
 *
 * Our side runs twice per round: with the offline dictionary (what `synctl copy 0 ... DICT`
 * saves; the realistic path, since MariaDB logs no column names by default) and with an
 * empty dictionary (binlog metadata only). Row ops = insert/update/delete ops of the yielded
 * transactions; they must equal the `### INSERT INTO` / `### UPDATE` / `### DELETE FROM`
 * lines of mariadb-binlog's own decoding of the same files (a separate, untimed run).
 * Page cache warmed first; rounds interleave the sides; median of `repeats` runs.
 *
 * The headline peer is the default command. mariadb-binlog does not verify event CRC32s by
 * default and synctl always does, so a second peer row runs it with
 * --verify-binlog-checksum for a like-for-like reading (ratios against both are printed).
 *
 * Live series (not with --from-dir): the same files read from the still-running server over
 * the replication protocol, as `synctl capture` reads a live source. Ours: captureLive (the
 * library) from the first file's start until it has yielded every row change, with the
 * dictionary; its process CPU seconds are printed too (capture's cost per change on a busy
 * source). Peer: `mariadb-binlog --read-from-remote-server --base64-output=decode-rows -v`
 * on the same files. Median of `repeats` runs each, interleaved.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { captureLive } from '../src/capture/mysql/live-capture';
import { captureOffline, DictionaryView } from '../src/capture/mysql/offline-capture';
import { binlogPosition } from '../src/model/position';
import { parseCondition } from '../src/dict/condition';
import { introspectMysql } from '../src/dict/mysql-introspect';
import { DictStore } from '../src/dict/store';
import { createDatabase, harness, mariaConnect, runSysbench, startHarness, stopHarness } from '../test/harness';
import { intOpt, opt, say } from './options';

// ---------------------------------------------------------------------------------------
// options


const TABLES = intOpt('tables', 8);
const TABLE_SIZE = intOpt('table-size', 250_000);
const RUN_SECONDS = intOpt('run-seconds', 30);
const THREADS = intOpt('threads', 4);
const REPEATS = Math.max(1, intOpt('repeats', 3));
const KEEP = opt('keep', '');
const FROM_DIR = opt('from-dir', '');
const DB = 'sbtest';
const LIVE = opt('live', '1') !== '0';


// ---------------------------------------------------------------------------------------
// producing the binlog

interface Workload {
  dir: string;
  files: string[];
  note: string;
  /** the server is still up (the live series reads from it) */
  live: boolean;
}

async function produce(dir: string): Promise<Workload> {
  say('starting the harness (private MariaDB + PostgreSQL)');
  const h = await startHarness();
  say(`harness up in ${(h.startupMs / 1000).toFixed(1)}s`);
  await createDatabase('mariadb', DB);
  const conn = await mariaConnect({ database: DB });
  try {
    const [[ver]] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
    await conn.query('FLUSH BINARY LOGS');
    const [[st]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const first = String(st!.File);

    say(`sysbench prepare: ${TABLES} tables x ${TABLE_SIZE} rows`);
    const p0 = Date.now();
    await runSysbench({ test: 'oltp_write_only', phase: 'prepare', database: DB, tables: TABLES, tableSize: TABLE_SIZE, threads: Math.min(TABLES, 2) || 1, timeoutMs: 480_000 });
    const prepS = (Date.now() - p0) / 1000;
    say(`prepare done in ${prepS.toFixed(0)}s; oltp_write_only run: ${RUN_SECONDS}s, ${THREADS} threads`);
    const run = await runSysbench({ test: 'oltp_write_only', phase: 'run', database: DB, tables: TABLES, tableSize: TABLE_SIZE, threads: THREADS, time: RUN_SECONDS });
    say(`run done: ${run.transactions} transactions (${run.tps} tps)`);
    await conn.query('FLUSH BINARY LOGS');
    const [[st2]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const active = String(st2!.File);
    const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
    const names = logs.map((r) => String(r.Log_name)).filter((n) => n >= first && n < active).sort();
    if (names.length === 0) throw new Error(`no binlog files between ${first} and ${active}`);

    // the offline dictionary, as `synctl copy 0 "SCH.NAME='sbtest'" DICT` saves it (taken after
    // the workload: the tables are created inside the captured binlog)
    const store = new DictStore(path.join(dir, 'dict'));
    const snap = await introspectMysql(conn, parseCondition(`SCH.NAME='${DB}'`), { source: 'MARIADB' });
    for (const e of snap.entries) await store.saveVersion(e, snap.position);
    if (snap.entries.length !== TABLES) throw new Error(`dictionary: ${snap.entries.length} tables, expected ${TABLES}`);

    const srcDir = path.dirname(h.mariadb.binlogBasename);
    const files: string[] = [];
    for (const n of names) {
      const to = path.join(dir, 'binlogs', n);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(srcDir, n), to);
      files.push(to);
    }
    const note =
      `MariaDB ${String(ver!.v)}; sysbench oltp_write_only prepare ${TABLES}x${TABLE_SIZE} (${prepS.toFixed(0)}s) + ` +
      `run ${RUN_SECONDS}s/${THREADS} threads (${run.transactions} tx, ${run.tps} tps)`;
    fs.writeFileSync(path.join(dir, 'workload.txt'), note + '\n');
    return { dir, files, note, live: LIVE };
  } finally {
    await conn.end().catch(() => undefined);
    if (!LIVE) {
      say('stopping the harness');
      await stopHarness();
    }
  }
}

function fromDir(dir: string): Workload {
  const bdir = path.join(dir, 'binlogs');
  const files = fs.readdirSync(bdir).filter((n) => /\.\d+$/.test(n)).sort().map((n) => path.join(bdir, n));
  let note = '(kept files)';
  try {
    note = fs.readFileSync(path.join(dir, 'workload.txt'), 'utf8').trim();
  } catch {
    /* none */
  }
  return { dir, files, note, live: false };
}

// ---------------------------------------------------------------------------------------
// counting (untimed)

/** Events by walking the v4 event headers (event_size at offset 9). */
function countEvents(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    const b = fs.readFileSync(f);
    let pos = 4;
    while (pos + 19 <= b.length) {
      const size = b.readUInt32LE(pos + 9);
      if (size < 19) throw new Error(`${f}: bad event size ${size} at ${pos}`);
      pos += size;
      n++;
    }
    if (pos !== b.length) throw new Error(`${f}: ${b.length - pos} trailing bytes after the last event`);
  }
  return n;
}

const PEER_ARGS = ['--base64-output=decode-rows', '-v'];
/** like for like: the peer also verifies every event's CRC32, as synctl does */
const PEER_VERIFY_ARGS = [...PEER_ARGS, '--verify-binlog-checksum'];

/** Row changes (and `# at` lines) in mariadb-binlog's own decoding of the files. */
function peerCounts(files: readonly string[]): Promise<{ rows: number; ats: number; inserts: number; updates: number; deletes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('mariadb-binlog', [...PEER_ARGS, ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    const c = { inserts: 0, updates: 0, deletes: 0, ats: 0 };
    let tail = '';
    let err = '';
    const line = (l: string): void => {
      if (l.startsWith('### ')) {
        if (l.startsWith('### INSERT INTO ')) c.inserts++;
        else if (l.startsWith('### UPDATE ')) c.updates++;
        else if (l.startsWith('### DELETE FROM ')) c.deletes++;
      } else if (l.startsWith('# at ')) c.ats++;
    };
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      const s = tail + d;
      let i = 0;
      for (;;) {
        const j = s.indexOf('\n', i);
        if (j < 0) break;
        if (s.charCodeAt(i) === 35 /* # */) line(s.slice(i, Math.min(j, i + 20)));
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
// timed runs

interface OurRun {
  seconds: number;
  rows: number;
  txs: number;
  peakRss: number;
}

async function runOurs(files: readonly string[], dictionary: DictionaryView): Promise<OurRun> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    const r = process.memoryUsage().rss;
    if (r > peakRss) peakRss = r;
  }, 25);
  let rows = 0;
  let txs = 0;
  const start = process.hrtime.bigint();
  try {
    for await (const tx of captureOffline({ inputs: files, origin: 1, ddl: true, dictionary })) {
      txs++;
      for (const op of tx.ops) if (op.kind === 'insert' || op.kind === 'update' || op.kind === 'delete') rows++;
      if ((txs & 1023) === 0) {
        const r = process.memoryUsage().rss;
        if (r > peakRss) peakRss = r;
      }
    }
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const r = process.memoryUsage().rss;
  if (r > peakRss) peakRss = r;
  return { seconds, rows, txs, peakRss };
}

function runPeer(files: readonly string[], args: readonly string[] = PEER_ARGS): Promise<number> {
  return new Promise((resolve, reject) => {
    const devnull = fs.openSync('/dev/null', 'w');
    const start = process.hrtime.bigint();
    const child = spawn('mariadb-binlog', [...args, ...files], { stdio: ['ignore', devnull, 'pipe'] });
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => {
      fs.closeSync(devnull);
      reject(e);
    });
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - start) / 1e9;
      fs.closeSync(devnull);
      if (code !== 0) reject(new Error(`mariadb-binlog exited ${code}: ${err.trim()}`));
      else resolve(s);
    });
  });
}

interface LiveRun {
  seconds: number;
  rows: number;
  /** CPU seconds of this process (user + system) over the run */
  cpu: number;
}

/** captureLive over the replication protocol from the first file's start, until `expectRows` row changes. */
async function runOursLive(files: readonly string[], dictionary: DictionaryView, expectRows: number): Promise<LiveRun> {
  const m = harness().mariadb;
  const abort = new AbortController();
  let rows = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const first = path.basename(files[0]!);
  for await (const tx of captureLive({ host: '127.0.0.1', port: m.port, user: m.user, password: m.password, origin: 1, ddl: true, dictionary, start: binlogPosition(first, 4), signal: abort.signal })) {
    for (const op of tx.ops) if (op.kind === 'insert' || op.kind === 'update' || op.kind === 'delete') rows++;
    if (rows >= expectRows) break;
  }
  abort.abort();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const c = process.cpuUsage(cpu0);
  return { seconds, rows, cpu: (c.user + c.system) / 1e6 };
}

function remotePeerArgs(): string[] {
  const m = harness().mariadb;
  return ['--read-from-remote-server', '--host=127.0.0.1', `--port=${m.port}`, `--user=${m.user}`, ...(m.password ? [`--password=${m.password}`] : [])];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// ---------------------------------------------------------------------------------------

async function liveSeries(w: Workload, dict: DictionaryView, rows: number): Promise<void> {
  const names = w.files.map((f) => path.basename(f));
  const peerArgs = [...remotePeerArgs(), ...PEER_ARGS];
  say('live series: warm-up');
  const warm = await runOursLive(w.files, dict, rows);
  if (warm.rows !== rows) throw new Error(`ROW COUNT MISMATCH (live): synctl ${warm.rows}, mariadb-binlog ${rows}`);
  await runPeer(names, peerArgs);
  const ours: LiveRun[] = [];
  const peers: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const p = await runPeer(names, peerArgs);
    peers.push(p);
    global.gc?.();
    const r = await runOursLive(w.files, dict, rows);
    if (r.rows !== rows) throw new Error(`ROW COUNT MISMATCH (live): synctl ${r.rows}, mariadb-binlog ${rows}`);
    ours.push(r);
    say(`live round ${i + 1}: mariadb-binlog --read-from-remote-server ${p.toFixed(2)}s, synctl captureLive ${r.seconds.toFixed(2)}s (${r.cpu.toFixed(2)} CPU-s)`);
  }
  const sec = median(ours.map((r) => r.seconds));
  const cpu = median(ours.map((r) => r.cpu));
  const peerS = median(peers);
  console.log('');
  console.log('live (replication protocol from the running server, same files):');
  console.log(`  synctl captureLive, dictionary: ${sec.toFixed(2)} s, ${Math.round(rows / sec).toLocaleString('en-US')} rows/s, ${cpu.toFixed(2)} CPU-s (${((cpu / rows) * 1e6).toFixed(2)} µs per row change); ratio ${(peerS / sec).toFixed(2)}x`);
  console.log(`  mariadb-binlog --read-from-remote-server ${PEER_ARGS.join(' ')}: ${peerS.toFixed(2)} s, ${Math.round(rows / peerS).toLocaleString('en-US')} rows/s`);
  console.log(`  runs (s): synctl ${ours.map((r) => r.seconds.toFixed(2)).join(' ')} (CPU-s ${ours.map((r) => r.cpu.toFixed(2)).join(' ')}); mariadb-binlog ${peers.map((x) => x.toFixed(2)).join(' ')}`);
}

async function main(): Promise<void> {
  const own = FROM_DIR === '';
  const dir = FROM_DIR || KEEP || fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-bench-binlog-'));
  if (KEEP) fs.mkdirSync(KEEP, { recursive: true });
  try {
    const w = own ? await produce(dir) : fromDir(dir);
    const bytes = w.files.reduce((n, f) => n + fs.statSync(f).size, 0);
    const withDict = await DictionaryView.load(new DictStore(path.join(dir, 'dict')));
    const empty = DictionaryView.empty();

    say(`${w.files.length} files, ${(bytes / 1e6).toFixed(1)} MB; warming the page cache and counting`);
    const events = countEvents(w.files); // reads every byte: warms the page cache
    const peer = await peerCounts(w.files);
    say(`mariadb-binlog reports ${peer.rows} row changes (${peer.inserts} ins, ${peer.updates} upd, ${peer.deletes} del), ${peer.ats} '# at' lines; ${events} events`);

    const sides = [
      { name: 'synctl captureOffline, dictionary', dict: withDict, runs: [] as OurRun[] },
      { name: 'synctl captureOffline, no dictionary', dict: empty, runs: [] as OurRun[] },
    ];
    const peerRuns: number[] = [];
    const verifyRuns: number[] = [];
    // warm-up (JIT, page cache), one run each, untimed
    say('warm-up');
    for (const s of sides) {
      const r = await runOurs(w.files, s.dict);
      if (r.rows !== peer.rows) throw new Error(`ROW COUNT MISMATCH (${s.name}): synctl ${r.rows}, mariadb-binlog ${peer.rows}`);
    }
    await runPeer(w.files);
    await runPeer(w.files, PEER_VERIFY_ARGS);
    const loads: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      loads.push(os.loadavg()[0]!);
      const p = await runPeer(w.files);
      peerRuns.push(p);
      const pv = await runPeer(w.files, PEER_VERIFY_ARGS);
      verifyRuns.push(pv);
      const line = [`round ${i + 1}: mariadb-binlog ${p.toFixed(2)}s, with --verify-binlog-checksum ${pv.toFixed(2)}s`];
      for (const s of sides) {
        global.gc?.();
        const r = await runOurs(w.files, s.dict);
        if (r.rows !== peer.rows) throw new Error(`ROW COUNT MISMATCH (${s.name}): synctl ${r.rows}, mariadb-binlog ${peer.rows}`);
        s.runs.push(r);
        line.push(`${s.name.replace('synctl captureOffline, ', '')} ${r.seconds.toFixed(2)}s`);
      }
      say(line.join(', '));
    }

    const rows = peer.rows;
    const peerS = median(peerRuns);
    const verifyS = median(verifyRuns);
    const header = ['decoder', 'seconds', 'rows/s', 'MB/s', 'peak RSS MB', 'ratio', 'vs verifying peer'];
    const table: string[][] = [];
    for (const s of sides) {
      const sec = median(s.runs.map((r) => r.seconds));
      const rss = Math.max(...s.runs.map((r) => r.peakRss));
      table.push([s.name, sec.toFixed(2), Math.round(rows / sec).toLocaleString('en-US'), (bytes / 1e6 / sec).toFixed(1), (rss / 2 ** 20).toFixed(0), (peerS / sec).toFixed(2) + 'x', (verifyS / sec).toFixed(2) + 'x']);
    }
    const peerRow = (name: string, sec: number): string[] => [name, sec.toFixed(2), Math.round(rows / sec).toLocaleString('en-US'), (bytes / 1e6 / sec).toFixed(1), '-', (peerS / sec).toFixed(2) + 'x', (verifyS / sec).toFixed(2) + 'x'];
    table.push(peerRow(`mariadb-binlog ${PEER_ARGS.join(' ')}`, peerS));
    table.push(peerRow(`mariadb-binlog ... --verify-binlog-checksum`, verifyS));
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');

    console.log(`workload: ${w.note}`);
    console.log(
      `files: ${w.files.length} (${w.files.map((f) => path.basename(f)).join(', ')}), ${(bytes / 1e6).toFixed(1)} MB; ` +
        `events: ${events.toLocaleString('en-US')}; row ops: ${rows.toLocaleString('en-US')} ` +
        `(${peer.inserts} insert, ${peer.updates} update, ${peer.deletes} delete; synctl = mariadb-binlog); ` +
        `transactions: ${sides[0]!.runs[0]!.txs.toLocaleString('en-US')}`,
    );
    console.log(`node ${process.version}, ${os.cpus().length} cores; median of ${REPEATS} runs per side; 1-min load average at each round: ${loads.map((l) => l.toFixed(1)).join(' ')}`);
    console.log('');
    console.log(fmt(header));
    console.log(widths.map((n) => '-'.repeat(n)).join('  '));
    for (const r of table) console.log(fmt(r));
    console.log('');
    console.log('ratio = our rows/s ÷ mariadb-binlog rows/s on the same files (target >= 1.00x; the default peer command, which does not');
    console.log('verify CRC32s); vs verifying peer = the same against mariadb-binlog --verify-binlog-checksum (like for like); MB/s = binlog bytes read per second;');
    console.log('peak RSS = this node process (sampled every 25 ms), the whole process including the dictionary.');
    console.log(`runs (s): mariadb-binlog ${peerRuns.map((x) => x.toFixed(2)).join(' ')}; verifying ${verifyRuns.map((x) => x.toFixed(2)).join(' ')}; ` + sides.map((s) => `${s.name.replace('synctl captureOffline, ', '')} ${s.runs.map((r) => r.seconds.toFixed(2)).join(' ')}`).join('; '));
    if (w.live) await liveSeries(w, withDict, rows);
  } finally {
    if (own && LIVE) await stopHarness().catch(() => undefined);
    if (own && !KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .then(() => say('done'))
  .catch(async (e: unknown) => {
    await stopHarness().catch(() => undefined);
    process.stderr.write(`binlog-decode: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
