/**
 * Issue 3 acceptance: a 60-second sysbench oltp_write_only run captured live and the same
 * binlogs decoded offline give the same transactions, and the row-change count equals
 * the one mariadb-binlog reports for those files.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { transactionToJsonLines } from '../../src/capture/change-json';
import { readSourceInfo } from '../../src/capture/mysql/binlog-stream';
import { captureLive } from '../../src/capture/mysql/live-capture';
import { captureOffline } from '../../src/capture/mysql/offline-capture';
import type { Transaction } from '../../src/model/change';
import { binlogPosition, comparePositions } from '../../src/model/position';
import { buildDictionary } from '../support/dictionary';
import { createDatabase, dropDatabase, harness, mariaConnect, runSysbench } from '../harness';

const DB = 'cap_sysbench';
const SECONDS = Number(process.env.SYNCTL_SYSBENCH_SECONDS ?? 60);
// a fast, idle machine writes several times what a busy one does in the same minute, and
// the comparisons below grow with it: the run also stops after this many transactions
const EVENTS = Number(process.env.SYNCTL_SYSBENCH_EVENTS ?? 30_000);
let conn: Connection;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-sb-'));
  await createDatabase('mariadb', DB);
  conn = await mariaConnect();
});
afterAll(async () => {
  await conn?.end();
  await dropDatabase('mariadb', DB);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test(`sysbench oltp_write_only ${SECONDS} s (at most ${EVENTS} transactions): live capture = offline decode, row changes = mariadb-binlog's count`, async () => {
  await runSysbench({ test: 'oltp_write_only', phase: 'prepare', database: DB, tables: 4, tableSize: 2000, threads: 2 });
  const m = harness().mariadb;
  const { dictionary } = await buildDictionary(conn, `SCH.NAME='${DB}'`, path.join(tmp, 'DICT'));
  const info = await readSourceInfo(m);
  const start = binlogPosition(info.file, info.pos, info.gtid);
  const tableAllowed = (s: string) => s === DB;

  const abort = new AbortController();
  const live: Transaction[] = [];
  const consumer = (async () => {
    for await (const tx of captureLive({ ...m, origin: 7, ddl: false, dictionary, start, tableAllowed, signal: abort.signal })) live.push(tx);
  })();
  const run = await runSysbench({ test: 'oltp_write_only', phase: 'run', database: DB, tables: 4, tableSize: 2000, threads: 4, time: SECONDS, events: EVENTS });
  expect(run.transactions).toBeGreaterThan(100);
  const [[end]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const endPos = binlogPosition(String(end!.File), Number(end!.Position));
  await conn.query('FLUSH BINARY LOGS');
  const t0 = Date.now();
  const caughtUp = () => live.length > 0 && comparePositions(live[live.length - 1]!.position, endPos) >= 0;
  while (!caughtUp() && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
  abort.abort();
  await consumer;
  const liveUpTo = live.filter((tx) => comparePositions(tx.position, endPos) <= 0);

  // the same files, offline, from the same start to the same end
  const dir = path.dirname(m.binlogBasename);
  const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
  const files = logs.map((l) => String(l.Log_name)).filter((f) => f >= start.file && f <= endPos.file).map((f) => path.join(dir, f));
  const offline: Transaction[] = [];
  for await (const tx of captureOffline({ inputs: files, origin: 7, ddl: false, dictionary, start: { file: start.file, pos: start.pos }, gtid: start.gtid, tableAllowed })) {
    if (comparePositions(tx.position, endPos) <= 0) offline.push(tx);
  }
  expect(liveUpTo.length).toBeGreaterThan(100);
  expect(offline.length).toBe(liveUpTo.length);
  for (let i = 0; i < offline.length; i++) {
    if (transactionToJsonLines(offline[i]!) !== transactionToJsonLines(liveUpTo[i]!)) {
      throw new Error(`transaction ${i} differs:\nlive:    ${transactionToJsonLines(liveUpTo[i]!)}\noffline: ${transactionToJsonLines(offline[i]!)}`);
    }
  }

  // the server's own tool counts the same row changes in those files (same range)
  // (streamed: -v output of a busy minute is far larger than one string may be)
  const child = spawn('mariadb-binlog', ['--base64-output=decode-rows', '-v', `--start-position=${start.pos}`, `--stop-position=${endPos.pos}`, ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.on('close', r));
  const re = new RegExp(`^### (INSERT INTO|UPDATE|DELETE FROM) \`${DB}\`\\.`);
  let theirs = 0;
  for await (const line of createInterface({ input: child.stdout!, crlfDelay: Infinity })) if (re.test(line)) theirs++;
  expect(await exited).toBe(0);
  const ours = offline.reduce((n, tx) => n + tx.ops.filter((o) => o.kind !== 'ddl').length, 0);
  expect(ours).toBe(theirs);
}, 600_000);
