/**
 * Verify benchmark: `synctl verify` (the built CLI, a child process, so its peak RSS is its
 * own) against `pt-table-sync --print` (percona-toolkit, chunk checksums) on the same two
 * MariaDB databases in the same run; then MariaDB -> PostgreSQL (no peer: time and RSS).
 *
 *   npm run build && node dist/bench/verify.js
 *   node dist/bench/verify.js --tables=2 --table-size=20000 --repeats=1      (quick run)
 *
 * Options (argv `--name=value`, or env BENCH_<NAME> with '-' as '_'):
 *   --tables=8 --table-size=250000   sysbench prepare size
 *   --diffs=300                      rows planted on the target copy (1/3 changed, 1/3 deleted, 1/3 extra)
 *   --repeats=3                      timed runs per side and case (median reported)
 *   --chunk=10000                    verify's --chunk
 *   --pg=1                           also time MariaDB -> PostgreSQL (0 to skip)
 *
 * Workload: the harness MariaDB; `sysbench oltp_read_only prepare` into `sbtest`; a copy in
 * `sbtest_copy` made with CREATE TABLE ... LIKE + INSERT ... SELECT; for the PostgreSQL case
 * the same rows piped from `mariadb -B` into `psql \copy` (schema sbtest of database sbtest_pg).
 * Cases: equal tables, then the copy with `diffs` planted differences. Both tools must find
 * exactly the planted differences (ours by its report, pt-table-sync by its printed statements),
 * otherwise the bench fails; so does a synctl run whose peak RSS reaches the 300 MB.
 * Peak RSS by /usr/bin/time -v (Maximum resident set size).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { createDatabase, mariaConnect, pgConnect, runSysbench, startHarness, stopHarness, type StartedHarness } from '../test/harness';
import { intOpt, say } from './options';

// ---------------------------------------------------------------------------------------
// options


const TABLES = Math.max(1, intOpt('tables', 8));
const TABLE_SIZE = Math.max(100, intOpt('table-size', 250_000));
const DIFFS = intOpt('diffs', 300);
const REPEATS = Math.max(1, intOpt('repeats', 3));
const CHUNK = Math.max(1, intOpt('chunk', 10_000));
const PG = intOpt('pg', 1) !== 0;
const SRC = 'sbtest';
const DST = 'sbtest_copy';
const PGDB = 'sbtest_pg';
const ROOT = path.resolve(__dirname, '../..');
/** the memory bound for the whole verify process */
const MAX_RSS = 300 * 2 ** 20;
const BIN = path.join(ROOT, 'bin', 'synctl');


// ---------------------------------------------------------------------------------------
// processes

interface Timed {
  seconds: number;
  /** Maximum resident set size reported by /usr/bin/time -v, bytes */
  peakRss: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` under /usr/bin/time -v; wall time measured here. */
function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      if (m === null) return reject(new Error(`/usr/bin/time printed no maximum RSS for ${cmd}: ${err.slice(-500)}`));
      resolve({ seconds, peakRss: Number(m[1]) * 1024, code, stdout: out, stderr: err });
    });
  });
}

/** A shell pipeline with secrets in the environment only. */
function sh(script: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench: '${script}' exited ${code}: ${err.trim()}`))));
  });
}

// ---------------------------------------------------------------------------------------
// data

const tables = (): string[] => Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);

/** Deterministic LCG, so every run plants the same keys. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Planted {
  changed: number;
  deleted: number;
  extra: number;
}

async function prepare(): Promise<void> {
  await createDatabase('mariadb', SRC);
  say(`sysbench prepare: ${TABLES} tables x ${TABLE_SIZE} rows`);
  const p0 = Date.now();
  await runSysbench({ test: 'oltp_read_only', phase: 'prepare', database: SRC, tables: TABLES, tableSize: TABLE_SIZE, threads: Math.min(TABLES, 2), timeoutMs: 900_000 });
  say(`prepare done in ${((Date.now() - p0) / 1000).toFixed(0)}s`);
}

/** (Re)makes the MariaDB copy with plain SQL. */
async function copyMaria(): Promise<void> {
  await createDatabase('mariadb', DST);
  const c = await mariaConnect({ database: DST });
  try {
    for (const t of tables()) {
      await c.query(`CREATE TABLE \`${DST}\`.\`${t}\` LIKE \`${SRC}\`.\`${t}\``);
      await c.query(`INSERT INTO \`${DST}\`.\`${t}\` SELECT * FROM \`${SRC}\`.\`${t}\``);
    }
  } finally {
    await c.end();
  }
}

/** The same rows in PostgreSQL: `mariadb -B` (tab-separated, escaped as COPY text expects) into `psql \copy`. */
async function copyPg(h: StartedHarness): Promise<void> {
  await createDatabase('postgres', PGDB);
  const c = await pgConnect({ database: PGDB });
  try {
    await c.query('CREATE SCHEMA sbtest');
    for (const t of tables()) {
      await c.query(`CREATE TABLE sbtest.${t} (id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, c char(120) NOT NULL DEFAULT '', pad char(60) NOT NULL DEFAULT '')`);
    }
  } finally {
    await c.end();
  }
  const m = h.mariadb;
  const p = h.postgres;
  for (const t of tables()) {
    await sh(
      `mariadb -B -N -h ${m.host} -P ${m.port} -u ${m.user} -e 'SELECT id, k, c, pad FROM ${SRC}.${t} ORDER BY id' | ` +
        `psql -q -v ON_ERROR_STOP=1 'host=${p.host} port=${p.port} user=${p.user} dbname=${PGDB}' -c '\\copy sbtest.${t} FROM STDIN'`,
      { MYSQL_PWD: m.password, PGPASSWORD: p.password },
    );
  }
  const v = await pgConnect({ database: PGDB });
  try {
    await v.query('ANALYZE');
  } finally {
    await v.end();
  }
}

/** Plants DIFFS differences in the MariaDB copy: changed c, deleted rows, extra rows past the source's keys. */
async function plant(): Promise<Planted> {
  const rnd = lcg(42);
  const got: Planted = { changed: 0, deleted: 0, extra: 0 };
  const c = await mariaConnect({ database: DST });
  try {
    const used = new Set<string>();
    for (let i = 0; i < DIFFS; i++) {
      const t = tables()[i % TABLES]!;
      const kind = i % 3;
      if (kind === 2) {
        await c.query(`INSERT INTO \`${t}\` (id, k, c, pad) VALUES (?, 1, 'extra', 'extra')`, [TABLE_SIZE + 1 + i]);
        got.extra++;
        continue;
      }
      let id: number;
      do id = 1 + Math.floor(rnd() * TABLE_SIZE);
      while (used.has(`${t}/${id}`));
      used.add(`${t}/${id}`);
      if (kind === 0) {
        // one character of c: the kind of difference a chunk checksum must catch
        await c.query(`UPDATE \`${t}\` SET c = CONCAT('x', SUBSTRING(c, 2)) WHERE id = ?`, [id]);
        got.changed++;
      } else {
        await c.query(`DELETE FROM \`${t}\` WHERE id = ?`, [id]);
        got.deleted++;
      }
    }
  } finally {
    await c.end();
  }
  return got;
}

// ---------------------------------------------------------------------------------------
// the two tools

function siteConfig(h: StartedHarness, dir: string, target: 'mariadb' | 'pg'): string {
  const m = h.mariadb;
  const p = h.postgres;
  const x = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const exec =
    target === 'mariadb'
      ? `<db_type>MARIADB</db_type><db_server>${m.host}</db_server><db_port>${m.port}</db_port><db_user>${x(m.user)}</db_user><db_pwd>${x(m.password)}</db_pwd><db_name>${DST}</db_name>`
      : `<db_type>PG</db_type><db_server>${p.host}</db_server><db_port>${p.port}</db_port><db_user>${x(p.user)}</db_user><db_pwd>${x(p.password)}</db_pwd><db_name>${PGDB}</db_name>`;
  const dst = target === 'mariadb' ? DST : 'sbtest';
  const file = path.join(dir, `verify-${target}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>1</siteid><mgr_port>15345</mgr_port></base>
  <cpt><db_type>MARIADB</db_type><db_server>${m.host}</db_server><db_port>${m.port}</db_port><db_user>${x(m.user)}</db_user><db_pwd>${x(m.password)}</db_pwd><db_name>${SRC}</db_name>
    <send><ip>127.0.0.1</ip><data_port>15346</data_port><map><item>${SRC}.* == ${dst}.*</item></map></send></cpt>
  <exec>${exec}<recv><data_port>15347</data_port></recv></exec></dmhs>`,
  );
  return file;
}

interface OurResult extends Timed {
  rows: number;
  missing: number;
  extra: number;
  differing: number;
  chunks: number;
  descended: number;
  rowsRead: number;
}

interface JsonTable {
  status: string;
  rowsCompared: number;
  missingOnTarget: number;
  extraOnTarget: number;
  differing: number;
  chunks: number;
  chunksDescended: number;
  rowsRead: number;
}

async function runOurs(config: string): Promise<OurResult> {
  const r = await timed(process.execPath, [BIN, 'verify', '-c', config, `SCH.NAME='${SRC}'`, '--json', `--chunk=${CHUNK}`]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`synctl verify exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout) as { tables: JsonTable[] };
  const bad = report.tables.filter((t) => t.status !== 'compared');
  if (bad.length > 0) throw new Error(`synctl verify did not compare every table: ${JSON.stringify(bad)}`);
  const sum = (f: (t: JsonTable) => number): number => report.tables.reduce((n, t) => n + f(t), 0);
  return {
    ...r,
    rows: sum((t) => t.rowsCompared),
    missing: sum((t) => t.missingOnTarget),
    extra: sum((t) => t.extraOnTarget),
    differing: sum((t) => t.differing),
    chunks: sum((t) => t.chunks),
    descended: sum((t) => t.chunksDescended),
    rowsRead: sum((t) => t.rowsRead),
  };
}

interface PeerResult {
  seconds: number;
  peakRss: number;
  /** statements printed, by verb */
  replace: number;
  insert: number;
  update: number;
  delete: number;
}

/** pt-table-sync --print, one run per table pair (DSN 2 inherits host, port, user, password from DSN 1). */
async function runPeer(h: StartedHarness): Promise<PeerResult> {
  const m = h.mariadb;
  const res: PeerResult = { seconds: 0, peakRss: 0, replace: 0, insert: 0, update: 0, delete: 0 };
  for (const t of tables()) {
    const r = await timed('pt-table-sync', ['--print', `h=${m.host},P=${m.port},u=${m.user},D=${SRC},t=${t}`, `D=${DST},t=${t}`], {
      ...process.env,
      MYSQL_PWD: m.password,
    });
    if (r.code !== 0 && r.code !== 2) throw new Error(`pt-table-sync exited ${r.code} on ${t}: ${r.stderr.slice(-2000)}`);
    res.seconds += r.seconds;
    res.peakRss = Math.max(res.peakRss, r.peakRss);
    for (const line of r.stdout.split('\n')) {
      const verb = /^(REPLACE|INSERT|UPDATE|DELETE) /.exec(line)?.[1];
      if (verb === 'REPLACE') res.replace++;
      else if (verb === 'INSERT') res.insert++;
      else if (verb === 'UPDATE') res.update++;
      else if (verb === 'DELETE') res.delete++;
    }
  }
  return res;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number): string => (b / 2 ** 20).toFixed(0);

// ---------------------------------------------------------------------------------------

interface CaseResult {
  name: string;
  ours: OurResult[];
  peer: PeerResult[];
}

async function timeCase(name: string, h: StartedHarness, config: string, expect: Planted | undefined, withPeer: boolean): Promise<CaseResult> {
  const res: CaseResult = { name, ours: [], peer: [] };
  const total = TABLES * TABLE_SIZE;
  for (let i = 0; i < REPEATS; i++) {
    const o = await runOurs(config);
    const want = expect ?? { changed: 0, deleted: 0, extra: 0 };
    if (o.rows !== total || o.differing !== want.changed || o.missing !== want.deleted || o.extra !== want.extra) {
      throw new Error(
        `${name}: synctl found rows ${o.rows} (want ${total}), differing ${o.differing} (${want.changed}), missing ${o.missing} (${want.deleted}), extra ${o.extra} (${want.extra})`,
      );
    }
    if (o.peakRss >= MAX_RSS) throw new Error(`${name}: synctl verify peaked at ${mb(o.peakRss)} MB (bound ${mb(MAX_RSS)} MB)`);
    res.ours.push(o);
    let line = `${name} round ${i + 1}: synctl ${o.seconds.toFixed(2)}s ${mb(o.peakRss)} MB (hash ${o.descended}/${o.chunks}, ${o.rowsRead} rows read)`;
    if (withPeer) {
      const p = await runPeer(h);
      const printed = p.replace + p.insert + p.update + p.delete;
      // the peer is not held to exactness: what it missed is printed, not fatal
      if (printed !== want.changed + want.deleted + want.extra) say(`${name}: pt-table-sync printed ${printed} statements for ${want.changed + want.deleted + want.extra} planted differences`);
      res.peer.push(p);
      line += `; pt-table-sync ${p.seconds.toFixed(2)}s ${mb(p.peakRss)} MB (${printed} statements)`;
    }
    say(line);
  }
  return res;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('bench/verify: dist/ is missing: run `npm run build` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-bench-verify-'));
  say('starting the harness (private MariaDB + PostgreSQL)');
  const h = await startHarness();
  try {
    const c = await mariaConnect({ database: 'mysql' });
    const [[ver]] = await c.query<RowDataPacket[]>('SELECT VERSION() AS v');
    await c.end();
    await prepare();
    say('copying sbtest -> sbtest_copy (INSERT ... SELECT)');
    await copyMaria();
    const mariaCfg = siteConfig(h, dir, 'mariadb');
    const cases: CaseResult[] = [];
    // warm-up: buffer pool and page cache for both tools, untimed
    say('warm-up');
    await runOurs(mariaCfg);
    await runPeer(h);
    cases.push(await timeCase('MariaDB -> MariaDB, equal', h, mariaCfg, undefined, true));
    const planted = await plant();
    say(`planted ${planted.changed} changed, ${planted.deleted} deleted, ${planted.extra} extra rows in ${DST}`);
    cases.push(await timeCase(`MariaDB -> MariaDB, ${DIFFS} differences`, h, mariaCfg, planted, true));
    if (PG) {
      say('copying sbtest -> PostgreSQL sbtest_pg.sbtest (mariadb -B | psql \\copy)');
      await copyPg(h);
      const pgCfg = siteConfig(h, dir, 'pg');
      await runOurs(pgCfg);
      cases.push(await timeCase('MariaDB -> PostgreSQL, equal', h, pgCfg, undefined, false));
    }

    const total = TABLES * TABLE_SIZE;
    console.log(`workload: MariaDB ${String(ver!.v)}, sysbench oltp_read_only prepare ${TABLES} x ${TABLE_SIZE} (${total.toLocaleString('en-US')} rows); verify --chunk=${CHUNK}`);
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; median of ${REPEATS} runs`);
    console.log('');
    const header = ['case', 'tool', 'seconds', 'rows/s', 'peak RSS MB', 'found', 'ratio'];
    const rows: string[][] = [];
    for (const k of cases) {
      const s = median(k.ours.map((o) => o.seconds));
      const o = k.ours[0]!;
      // each round times both tools back to back, so a round's ratio shares its load: the median of those
      const ratio = k.peer.length > 0 ? median(k.peer.map((p, i) => p.seconds / k.ours[i]!.seconds)) : undefined;
      rows.push([k.name, 'synctl verify', s.toFixed(2), Math.round(total / s).toLocaleString('en-US'), mb(Math.max(...k.ours.map((x) => x.peakRss))), `${o.differing}~ ${o.missing}- ${o.extra}+`, ratio === undefined ? '-' : `${ratio.toFixed(2)}x`]);
      if (k.peer.length > 0) {
        const ps = median(k.peer.map((p) => p.seconds));
        const p = k.peer[0]!;
        rows.push([k.name, 'pt-table-sync --print', ps.toFixed(2), Math.round(total / ps).toLocaleString('en-US'), mb(Math.max(...k.peer.map((x) => x.peakRss))), `${p.replace}R ${p.insert}I ${p.update}U ${p.delete}D`, '1.00x']);
      }
    }
    const widths = header.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (cells: string[]): string => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    console.log(fmt(header));
    console.log(widths.map((n) => '-'.repeat(n)).join('  '));
    for (const r of rows) console.log(fmt(r));
    console.log('');
    console.log('ratio = median over rounds of pt-table-sync seconds / synctl seconds in the same round (target >= 1.00x); peak RSS = /usr/bin/time -v of the process (pt-table-sync: the largest of its per-table runs)');
    console.log('found: synctl differing~ missing- extra+; pt-table-sync statements printed by verb (REPLACE/INSERT/UPDATE/DELETE)');
    for (const k of cases) {
      console.log(
        `runs (s) ${k.name}: synctl ${k.ours.map((o) => o.seconds.toFixed(2)).join(' ')}` +
          (k.peer.length > 0
            ? `; pt-table-sync ${k.peer.map((p) => p.seconds.toFixed(2)).join(' ')}; ratios ${k.peer.map((p, i) => (p.seconds / k.ours[i]!.seconds).toFixed(2)).join(' ')}`
            : ''),
      );
    }
  } finally {
    say('stopping the harness');
    await stopHarness();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .then(() => say('done'))
  .catch(async (e: unknown) => {
    await stopHarness().catch(() => undefined);
    process.stderr.write(`bench/verify: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
