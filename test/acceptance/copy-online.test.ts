/**
 * Issue 6 acceptance: the initial load while the source keeps writing. sysbench prepares
 * 8 x 250k rows on MariaDB; live capture sends into a file-drop directory; `sysbench oltp_write_only` runs at
 * 4 threads throughout; `synctl copy ... CREATE|INSERT|INDEX|THREAD|4` loads the tables
 * into PostgreSQL and into another MariaDB database at the same time, and exec starts as
 * soon as the copy has registered its tables (before it creates them). After catch-up
 * `synctl verify` finds every target table equal to the source, and exec recorded no error.
 *
 * The DBA flow of the README: capture first (to a directory: it needs no receiver to start),
 * then copy, then exec. DMHS_TABLE_SEQID rows
 * of all tables appear at once (one transaction), all 'loading', before any target table
 * exists; exec waits on them, then skips each table's changes up to its copy's position.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Client } from 'pg';
import { createDatabase, dropDatabase, harness, mariaConnect, pgConnect, runSysbench } from '../harness';
import { writeSite } from '../support/site';
import { expectExitOk, requireBuiltCli, runSynctl, SynctlProcess, verifyUntilEqual } from '../support/synctl-process';

const SRC = 'cponl';
const DST = 'cponl_dst';
const PGDB = 'cponl_pg';
const SYS = 'cponl_sys';
const TABLES = 8;
const TABLE_SIZE = Number(process.env.SYNCTL_COPY_ONLINE_TABLE_SIZE ?? 250_000);

interface Pipeline {
  readonly engine: 'pg' | 'mariadb';
  readonly siteid: number;
  config: string;
  capture?: SynctlProcess;
  exec?: SynctlProcess;
  copy?: SynctlProcess;
  /** what the first sight of DMHS_TABLE_SEQID rows showed: table name -> status */
  firstSeen?: Map<string, string>;
  copySeconds?: number;
}

const PIPELINES: Pipeline[] = [
  { engine: 'pg', siteid: 61, config: '' },
  { engine: 'mariadb', siteid: 62, config: '' },
];

let my: Connection;
let pg: Client;
let dir: string;

async function writeConfig(p: Pipeline): Promise<string> {
  const link = path.join(dir, p.engine, 'link');
  fs.mkdirSync(link, { recursive: true });
  return writeSite(path.join(dir, p.engine, 'site.hs'), {
    siteid: p.siteid,
    base: '<ckpt_interval>10</ckpt_interval>',
    srcDb: SRC,
    cpt: '<ddl_mask>0</ddl_mask>',
    link: { dir: link },
    enable: [`${SRC}.*`],
    map: `${SRC}.* == ${DST}.*`,
    exec: { engine: p.engine === 'pg' ? 'postgres' : 'mariadb', db: p.engine === 'pg' ? PGDB : SRC, extra: `<sys_schema>${SYS}</sys_schema>` },
  });
}

/** DMHS_TABLE_SEQID rows of the target tables (the gate row left out); none while the table does not exist */
async function seqidRows(p: Pipeline): Promise<{ table: string; status: string; pos: string }[]> {
  try {
    if (p.engine === 'pg') {
      const r = await pg.query<{ table: string; status: string; pos: string }>(`SELECT table_name AS table, status, pos FROM ${SYS}.dmhs_table_seqid WHERE schema_name = $1`, [DST]);
      return r.rows;
    }
    const [rows] = await my.query<RowDataPacket[]>(`SELECT TABLE_NAME AS \`table\`, STATUS AS status, POS AS pos FROM ${SYS}.DMHS_TABLE_SEQID WHERE SCHEMA_NAME = ?`, [DST]);
    return rows.map((r) => ({ table: String(r.table), status: String(r.status), pos: String(r.pos) }));
  } catch (e) {
    const err = e as { code?: string; errno?: number };
    if (err.code === '42P01' || err.code === '3F000' || err.errno === 1146 || err.errno === 1049) return [];
    throw e;
  }
}

/** Starts the copy; exec starts once the copy's DMHS_TABLE_SEQID rows are there. */
async function copyThenExec(p: Pipeline): Promise<void> {
  const t0 = Date.now();
  p.copy = new SynctlProcess(['copy', '0', `SCH.NAME='${SRC}'`, 'CREATE|INSERT|INDEX|THREAD|4', '-c', p.config]);
  for (;;) {
    const rows = await seqidRows(p);
    if (rows.length > 0) {
      p.firstSeen = new Map(rows.map((r) => [r.table, r.status]));
      break;
    }
    if (p.copy.child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`${p.engine}: the copy registered no table:\n${p.copy.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  p.exec = new SynctlProcess(['exec', '-c', p.config]);
  const code = await p.copy.exited;
  p.copySeconds = (Date.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${p.engine}: copy exited ${code}:\n${p.copy.stderr}`);
}

beforeAll(async () => {
  requireBuiltCli();
  dir = fs.mkdtempSync(path.join(harness().tmpDir, 'copy-online-'));
  await createDatabase('mariadb', SRC);
  await dropDatabase('mariadb', DST);
  await dropDatabase('mariadb', SYS);
  await createDatabase('postgres', PGDB);
  my = await mariaConnect();
  pg = await pgConnect({ database: PGDB });
});

afterAll(async () => {
  for (const p of PIPELINES) {
    await p.copy?.kill('SIGKILL');
    await p.exec?.kill('SIGKILL');
    await p.capture?.kill('SIGKILL');
  }
  await my?.end();
  await pg?.end();
  await dropDatabase('mariadb', SRC);
  await dropDatabase('mariadb', DST);
  await dropDatabase('mariadb', SYS);
  await dropDatabase('postgres', PGDB);
});

test(`copy ${TABLES} x ${TABLE_SIZE} rows into PostgreSQL and MariaDB while sysbench oltp_write_only writes at 4 threads, capture and exec running: targets equal after catch-up`, async () => {
  const t0 = Date.now();
  await runSysbench({ test: 'oltp_write_only', phase: 'prepare', database: SRC, tables: TABLES, tableSize: TABLE_SIZE, threads: 2 });
  const prepared = Date.now();
  for (const p of PIPELINES) {
    p.config = await writeConfig(p);
    expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', p.config]), `copy DICT ${p.engine}`);
    // no checkpoint yet: capture starts at the source's current end of log
    p.capture = new SynctlProcess(['capture', '-c', p.config]);
  }
  for (const p of PIPELINES) await p.capture!.waitForLog(/dumping from/, `${p.engine}: capture did not start`, 30_000);

  // sysbench writes from now until the copies are done, in back-to-back 5 s runs
  let writing = true;
  let transactions = 0;
  let runs = 0;
  const writes = (async () => {
    while (writing) {
      const r = await runSysbench({ test: 'oltp_write_only', phase: 'run', database: SRC, tables: TABLES, tableSize: TABLE_SIZE, threads: 4, time: 5 });
      transactions += r.transactions;
      runs++;
    }
  })();
  await new Promise((r) => setTimeout(r, 3000));
  const copyStart = Date.now();
  try {
    await Promise.all(PIPELINES.map(copyThenExec));
  } finally {
    writing = false;
    await writes;
  }
  const copied = Date.now();
  expect(transactions).toBeGreaterThan(500);

  for (const p of PIPELINES) {
    // all tables registered at once, as 'loading', before anything was loaded
    expect({ engine: p.engine, first: Object.fromEntries(p.firstSeen!) }).toEqual({
      engine: p.engine,
      first: Object.fromEntries(Array.from({ length: TABLES }, (_, i) => [`sbtest${i + 1}`, 'loading'])),
    });
    const rows = await seqidRows(p);
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'done'));
    expect(rows).toHaveLength(TABLES);
    // the writes went on during the load: the tables' snapshots are at different positions
    expect(new Set(rows.map((r) => r.pos)).size).toBeGreaterThan(1);
  }

  // catch up: every target equal to the source (verify exits 0), within 5 minutes
  const deadline = Date.now() + 300_000;
  for (const p of PIPELINES) await verifyUntilEqual(p.config, `SCH.NAME='${SRC}'`, deadline, () => `${p.engine} exec:\n${p.exec!.stderr.slice(-4000)}`);
  const caughtUp = Date.now();

  for (const p of PIPELINES) {
    expect({ engine: p.engine, capture: await p.capture!.kill('SIGTERM') }).toEqual({ engine: p.engine, capture: 0 });
    expect({ engine: p.engine, exec: await p.exec!.kill('SIGTERM') }).toEqual({ engine: p.engine, exec: 0 });
    expect({ engine: p.engine, errors: p.exec!.stderr.split('\n').filter((l) => / (ERROR|WARN) /.test(l)) }).toEqual({ engine: p.engine, errors: [] });
    // exec did wait for the load
    expect(p.exec!.stderr).toMatch(/waiting for the initial load of/);
  }
  const pgErrors = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${SYS}.dmhs_error_tsk_table`);
  expect(Number(pgErrors.rows[0]!.n)).toBe(0);
  const [myErrors] = await my.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${SYS}.DMHS_ERROR_TSK_TABLE`);
  expect(Number(myErrors[0]!.n)).toBe(0);
  const s = (a: number, b: number): string => ((b - a) / 1000).toFixed(0);
  console.log(
    `copy-online: prepare ${s(t0, prepared)} s; copies ${s(copyStart, copied)} s (${PIPELINES.map((p) => `${p.engine} ${p.copySeconds!.toFixed(0)} s`).join(', ')}) ` +
      `under ${transactions} sysbench transactions in ${runs} runs; catch-up + verify ${s(copied, caughtUp)} s; total ${s(t0, caughtUp)} s`,
  );
}, 1_500_000);
