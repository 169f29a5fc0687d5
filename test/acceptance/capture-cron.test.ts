/**
 * `synctl capture -c cpt.hs --offline <binlogs>` as a cron job: each run decodes what is
 * new since the last run (checkpoint), filters to the configured tables, and drops frames
 * into a directory; reading that directory back gives exactly the source table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { DirReceiver } from '../../src/net/dir-receiver';
import type { Transaction } from '../../src/model/change';
import { Temporal, type Value } from '../../src/model/value';
import { decodeDataFrame } from '../../src/wire/batch';
import { createDatabase, dropDatabase, harness, mariaConnect } from '../harness';
import { expectExitOk, requireBuiltCli, runSynctl } from '../support/synctl-process';

const DB = 'cap_cron';
let conn: Connection;
let tmp: string;
let config: string;

const text = (v: Value): string =>
  v === null ? 'NULL' : Buffer.isBuffer(v) ? v.toString('hex') : v instanceof Temporal ? v.text : String(v);

async function table(): Promise<Map<string, string[]>> {
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT id, amount, note, at FROM ${DB}.orders ORDER BY id`);
  return new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.amount), r.note === null ? 'NULL' : String(r.note), String(r.at)]]));
}

/** Every transaction in the gap directory, in order; frames are checked and acked as a receiver would. */
async function readGap(gap: string, expectFrames: number): Promise<{ txs: Transaction[]; seqs: bigint[] }> {
  const rx = new DirReceiver({ path: gap, archivePath: path.join(tmp, 'archive'), pollSec: 0.05, resume: () => new Map(), siteid: 99 });
  const txs: Transaction[] = [];
  const seqs: bigint[] = [];
  for await (const f of rx.frames()) {
    seqs.push(f.seq);
    txs.push(...decodeDataFrame(f));
    if (seqs.length === expectFrames) break;
  }
  await rx.close();
  return { txs, seqs };
}

beforeAll(async () => {
  requireBuiltCli();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-capcron-'));
  await createDatabase('mariadb', DB);
  conn = await mariaConnect({ dateStrings: true, decimalNumbers: false } as never);
  await conn.query("SET time_zone = '+00:00'");
  await conn.query(`CREATE TABLE ${DB}.orders (id INT PRIMARY KEY, amount DECIMAL(12,2) NOT NULL, note VARCHAR(40), at DATETIME(6) NOT NULL)`);
  await conn.query(`CREATE TABLE ${DB}.audit (id INT PRIMARY KEY, what VARCHAR(40))`);
  const m = harness().mariadb;
  config = path.join(tmp, 'cpt.hs');
  fs.writeFileSync(
    config,
    `<dmhs>
  <base><siteid>12</siteid></base>
  <cpt>
    <db_type>MARIADB</db_type><db_server>127.0.0.1</db_server><db_port>${m.port}</db_port>
    <db_user>${m.user}</db_user><db_pwd>${m.password.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</db_pwd>
    <send>
      <file_path>${path.join(tmp, 'gap')}</file_path><file_time>1</file_time>
      <filter><enable><item>${DB}.orders</item></enable></filter>
    </send>
  </cpt>
</dmhs>
`,
  );
});
afterAll(async () => {
  await conn?.end();
  await dropDatabase('mariadb', DB);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('two cron runs: each takes only what is new, frames are dense, the result equals the source table', async () => {
  const dict = await runSynctl(['copy', '0', `SCH.NAME='${DB}'`, 'DICT', '-c', config]);
  expectExitOk(dict, 'copy DICT');
  const index = `${harness().mariadb.binlogBasename}.index`;

  for (let i = 1; i <= 50; i++) {
    await conn.query(`INSERT INTO ${DB}.orders VALUES (?, ?, ?, '2026-11-21 10:00:00.000001')`, [i, `${i}.25`, i % 7 ? `n${i}` : null]);
  }
  await conn.query(`INSERT INTO ${DB}.audit VALUES (1, 'not replicated')`);
  // a table the send does not replicate, with a column type whose rows this capture could
  // not decode without its dictionary: its rows must not even be decoded
  await conn.query(`CREATE TABLE ${DB}.exotic (id INT PRIMARY KEY, cz VARCHAR(100) COMPRESSED, tz TEXT COMPRESSED)`);
  await conn.query(`INSERT INTO ${DB}.exotic VALUES (1, REPEAT('a', 90), REPEAT('b', 300))`);
  await conn.query('FLUSH BINARY LOGS');
  const run1 = await runSynctl(['capture', '-c', config, '--offline', index]);
  expect(run1.stderr).not.toMatch(/ERROR|WARN|synctl:/);
  expectExitOk(run1, 'run1');
  const checkpoint1 = JSON.parse(fs.readFileSync(path.join(tmp, '.synctl', 'capture-12', 'checkpoint.json'), 'utf8')) as { seq: string };
  expect(Number(checkpoint1.seq)).toBeGreaterThan(0);

  await conn.query(`UPDATE ${DB}.orders SET amount = amount + 1, note = 'updated' WHERE id <= 10`);
  await conn.query(`DELETE FROM ${DB}.orders WHERE id > 45`);
  await conn.query('FLUSH BINARY LOGS');
  const run2 = await runSynctl(['capture', '-c', config, '--offline', index]);
  expectExitOk(run2, 'run2');
  const checkpoint2 = JSON.parse(fs.readFileSync(path.join(tmp, '.synctl', 'capture-12', 'checkpoint.json'), 'utf8')) as { seq: string };
  const frames = Number(checkpoint2.seq);
  expect(frames).toBeGreaterThan(Number(checkpoint1.seq));

  // a third run with nothing new adds nothing
  const run3 = await runSynctl(['capture', '-c', config, '--offline', index]);
  expectExitOk(run3, 'run3');
  expect(JSON.parse(fs.readFileSync(path.join(tmp, '.synctl', 'capture-12', 'checkpoint.json'), 'utf8')).seq).toBe(checkpoint2.seq);

  const { txs, seqs } = await readGap(path.join(tmp, 'gap'), frames);
  expect(seqs).toEqual(Array.from({ length: frames }, (_, i) => BigInt(i + 1)));
  const state = new Map<string, string[]>();
  for (const tx of txs) {
    expect(tx.origin).toBe(12);
    for (const op of tx.ops) {
      if (op.kind === 'ddl' || op.kind === 'truncate') continue;
      expect(op.table.table).toBe('orders'); // the filter kept only app.orders
      if (op.kind === 'insert') state.set(text(op.after[0]!), op.after.map(text));
      if (op.kind === 'update') state.set(text(op.after[0]!), op.after.map(text));
      if (op.kind === 'delete') state.delete(text(op.before[0]!));
    }
  }
  expect(state).toEqual(await table());
});
