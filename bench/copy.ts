/**
 * bench/copy: the initial load (synctl copy) of sysbench tables from MariaDB into PostgreSQL,
 * against pgloader on the same data in the same run, plus the raw limit.
 *
 *   npm run build && node dist/bench/copy.js [--tables=8] [--table-size=250000] [--rounds=2] [--threads=4] [--profile=DIR]
 *
 * Workload: the harness MariaDB and PostgreSQL; `sysbench oltp_read_write prepare` N tables
 * into database sbtest. Each round times, one after the other (order reversed every other round):
 *  - synctl: the built CLI, `synctl copy 0 "SCH.NAME='sbtest'" "DROP|CREATE|INSERT|INDEX|THREAD|4"`
 *    (map sbtest.* == synctl_load.*): tables created, rows loaded (a table split into key
 *    ranges read by up to 4 readers at one snapshot), the secondary index built;
 *  - synctl (one reader per table): the same with ROWS above the table size, which leaves
 *    every table whole (tables in parallel only);
 *  - pgloader: `LOAD DATABASE FROM mysql://... INTO postgresql://...` with include drop,
 *    create tables, create indexes, workers 4, concurrency 1 (its defaults) and prefetch/batch rows
 *    25,000 (its default 100,000 rows exhausts the Debian build's 1 GB heap on 8 tables), schema renamed to pgl;
 *  - raw: `mariadb -B -N -e 'SELECT ...' | psql -c '\copy ...'`, one pipeline per table,
 *    `--threads` at a time, into tables created beforehand with their primary key, then the
 *    secondary index (CREATE INDEX): no type conversion, no checks, the floor for this machine.
 * Every side's row counts are checked; synctl's copy is verified with `synctl verify` once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { intOpt, opt, say } from './options';
import { createDatabase, mariaConnect, pgConnect, runSysbench, startHarness, stopHarness, type StartedHarness } from '../test/harness';

const TABLES = intOpt('tables', 8);
const TABLE_SIZE = intOpt('table-size', 250_000);
const ROUNDS = intOpt('rounds', 2);
const THREADS = intOpt('threads', 4);
const PGDB = 'copybench';
/** --profile=DIR: synctl runs under node --cpu-prof, profiles in DIR */
const PROFILE = opt('profile', '') || undefined;
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'synctl');

interface Run {
  seconds: number;
  code: number | null;
  out: string;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd: ROOT });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code, out }));
  });
}

async function must(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const r = await run(cmd, args, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${r.code}:\n${r.out.slice(-3000)}`);
  return r;
}

const tables = (): string[] => Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);

async function pgCounts(schema: string): Promise<number[]> {
  const c = await pgConnect({ database: PGDB });
  try {
    const out: number[] = [];
    for (const t of tables()) out.push(Number((await c.query(`SELECT count(*) AS n FROM ${schema}.${t}`)).rows[0].n));
    return out;
  } finally {
    await c.end();
  }
}

async function checkCounts(who: string, schema: string): Promise<void> {
  const n = await pgCounts(schema);
  if (n.some((x) => x !== TABLE_SIZE)) throw new Error(`${who}: row counts ${n.join(', ')}, expected ${TABLE_SIZE} each`);
}

async function pgExec(sql: string): Promise<void> {
  const c = await pgConnect({ database: PGDB });
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function siteConfig(dir: string, h: StartedHarness): string {
  const m = h.mariadb;
  const p = h.postgres;
  const file = path.join(dir, 'site.hs');
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>9</siteid></base>
  <cpt><db_type>MARIADB</db_type><db_server>${m.host}</db_server><db_port>${m.port}</db_port><db_user>${m.user}</db_user><db_pwd>${m.password}</db_pwd>
    <send><ip>127.0.0.1</ip><data_port>15546</data_port><map><item>sbtest.* == synctl_load.*</item></map></send></cpt>
  <exec><db_type>PG</db_type><db_server>${p.host}</db_server><db_port>${p.port}</db_port><db_user>${p.user}</db_user><db_pwd>${p.password}</db_pwd><db_name>${PGDB}</db_name>
    <recv><data_port>15547</data_port></recv></exec></dmhs>`,
  );
  return file;
}

/** `whole`: ROWS above the table size, so no table is split into key ranges (one reader per table, as before key ranges existed) */
async function ours(config: string, whole = false): Promise<number> {
  await pgExec('DROP SCHEMA IF EXISTS synctl_load CASCADE; DROP SCHEMA IF EXISTS synctl CASCADE');
  const prof = PROFILE !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];
  const masks = `DROP|CREATE|INSERT|INDEX|THREAD|${THREADS}${whole ? `|ROWS|${TABLE_SIZE * 2}` : ''}`;
  const r = await must(process.execPath, [...prof, BIN, 'copy', '0', "SCH.NAME='sbtest'", masks, '-c', config]);
  await checkCounts('synctl copy', 'synctl_load');
  return r.seconds;
}

async function pgloader(dir: string, h: StartedHarness): Promise<number> {
  const m = h.mariadb;
  const p = h.postgres;
  await pgExec('DROP SCHEMA IF EXISTS pgl CASCADE; DROP SCHEMA IF EXISTS sbtest CASCADE');
  const file = path.join(dir, 'pgloader.load');
  const enc = encodeURIComponent;
  fs.writeFileSync(
    file,
    `LOAD DATABASE
  FROM mysql://${enc(m.user)}:${enc(m.password)}@${m.host}:${m.port}/sbtest
  INTO postgresql://${enc(p.user)}:${enc(p.password)}@${p.host}:${p.port}/${PGDB}
WITH include drop, create tables, create indexes, reset sequences, workers = 4, concurrency = 1, prefetch rows = 25000, batch rows = 25000
ALTER SCHEMA 'sbtest' RENAME TO 'pgl';
`,
  );
  const r = await must('pgloader', ['--no-ssl-cert-verification', '--quiet', file]);
  await checkCounts('pgloader', 'pgl');
  return r.seconds;
}

async function raw(h: StartedHarness): Promise<number> {
  const m = h.mariadb;
  const p = h.postgres;
  await pgExec('DROP SCHEMA IF EXISTS raw CASCADE; CREATE SCHEMA raw');
  const start = process.hrtime.bigint();
  await pgExec(tables().map((t) => `CREATE TABLE raw.${t} (id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, c char(120) NOT NULL DEFAULT '', pad char(60) NOT NULL DEFAULT '')`).join(';'));
  const queue = tables();
  const env = { MYSQL_PWD: m.password, PGPASSWORD: p.password };
  const worker = async (): Promise<void> => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      await must('bash', [
        '-o',
        'pipefail',
        '-c',
        `mariadb -B -N -h ${m.host} -P ${m.port} -u ${m.user} -e 'SELECT id, k, c, pad FROM sbtest.${t}' | ` +
          `psql -q -v ON_ERROR_STOP=1 'host=${p.host} port=${p.port} user=${p.user} dbname=${PGDB}' -c '\\copy raw.${t} FROM STDIN'`,
      ], env);
    }
  };
  await Promise.all(Array.from({ length: THREADS }, worker));
  const ix = tables();
  const ixWorker = async (): Promise<void> => {
    for (let t = ix.shift(); t !== undefined; t = ix.shift()) await pgExec(`CREATE INDEX ${t}_k_1 ON raw.${t} (k)`);
  };
  await Promise.all(Array.from({ length: THREADS }, ixWorker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await checkCounts('raw', 'raw');
  return seconds;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  const which = await run('bash', ['-c', 'command -v pgloader']);
  if (which.code !== 0) throw new Error('pgloader is not installed: apt-get install pgloader');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-copy-'));
  const h = await startHarness();
  try {
    const c = await mariaConnect({ database: 'mysql' });
    const [[ver]] = await c.query<RowDataPacket[]>('SELECT VERSION() AS v');
    await c.end();
    say(`MariaDB ${String(ver!.v)}; sysbench prepare ${TABLES} x ${TABLE_SIZE}`);
    await createDatabase('mariadb', 'sbtest');
    await runSysbench({ test: 'oltp_read_write', phase: 'prepare', database: 'sbtest', tables: TABLES, tableSize: TABLE_SIZE, threads: Math.min(TABLES, 4), timeoutMs: 1_800_000 });
    await createDatabase('postgres', PGDB);
    const config = siteConfig(dir, h);
    const LOADERS = ['synctl', 'synctl (one reader per table)', 'pgloader', 'raw'] as const;
    type Loader = (typeof LOADERS)[number];
    const times = Object.fromEntries(LOADERS.map((l) => [l, [] as number[]])) as Record<Loader, number[]>;
    for (let r = 1; r <= ROUNDS; r++) {
      const order: Loader[] = r % 2 === 1 ? [...LOADERS] : [...LOADERS].reverse();
      for (const who of order) {
        const s = who === 'synctl' ? await ours(config) : who === 'pgloader' ? await pgloader(dir, h) : who === 'raw' ? await raw(h) : await ours(config, true);
        times[who].push(s);
        say(`round ${r}: ${who} ${s.toFixed(2)} s (load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
      }
    }
    say('synctl verify of the last synctl copy');
    const v = await run(process.execPath, [BIN, 'verify', '-c', config, "SCH.NAME='sbtest'"]);
    if (v.code !== 0) throw new Error(`synctl verify exited ${v.code}:\n${v.out.slice(-3000)}`);
    const rows = TABLES * TABLE_SIZE;
    const base = median(times.pgloader);
    process.stdout.write(`\n${TABLES} x ${TABLE_SIZE} rows (${rows}), MariaDB ${String(ver!.v)} -> PostgreSQL, ${ROUNDS} rounds, medians:\n\n`);
    process.stdout.write('| loader | seconds (median) | runs | rows/s | vs pgloader |\n|---|---|---|---|---|\n');
    for (const who of LOADERS) {
      const m = median(times[who]);
      process.stdout.write(`| ${who} | ${m.toFixed(2)} | ${times[who].map((x) => x.toFixed(2)).join(' / ')} | ${Math.round(rows / m).toLocaleString('en')} | ${(m / base).toFixed(2)}x |\n`);
    }
    process.stdout.write(`\nsynctl verify: equal (exit 0)\n`);
  } finally {
    await stopHarness();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (e: unknown) => {
  await stopHarness().catch(() => undefined);
  process.stderr.write(`bench/copy: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
