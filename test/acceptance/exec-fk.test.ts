/**
 * Foreign keys between replicated tables, on the source and on both targets: orders, their
 * items and the items' notes, written by transactions that create an order with its
 * items, delete one with its items (children first, as the source must), and move items
 * between orders. Exec's net form writes a group table by table; with the targets'
 * foreign keys read from their catalogs it deletes children before parents and writes
 * parents before children, so the groups go in whole, with no fallback to change by
 * change (--debug would say "failed as a whole"); the targets end equal to the source.
 */
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { binlogEnd, mariaConnect } from '../harness';
import { closeExecDatabases, openExecDatabases, writeExecSite } from '../support/exec-databases';
import { captureFrames } from '../support/offline-capture';
import { prng } from '../support/prng';
import { expectExitOk, runSynctl } from '../support/synctl-process';

const SRC = 'fk_src';
const PGDB = 'fk_pg';
const MYDST = 'fk_dst';
let my: Connection;
let pg: Client;
let dir: string;

const MY_DDL = [
  'CREATE TABLE note (id INT PRIMARY KEY, item_id INT NOT NULL, body VARCHAR(40), FOREIGN KEY (item_id) REFERENCES item (id))',
  'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL)',
  'CREATE TABLE item (id INT PRIMARY KEY, order_id INT NOT NULL, qty INT NOT NULL, FOREIGN KEY (order_id) REFERENCES orders (id))',
];

const NAMES = { src: SRC, pg: PGDB, mariadb: MYDST };
beforeAll(async () => {
  ({ dir, my, pg } = await openExecDatabases('exec-fk-', NAMES));
  // parents first (a foreign key needs its table); MY_DDL lists the grandchild first
  const order = [1, 2, 0];
  for (const i of order) await my.query(MY_DDL[i]!);
  const dst = await mariaConnect({ database: MYDST });
  try {
    for (const i of order) await dst.query(MY_DDL[i]!);
  } finally {
    await dst.end();
  }
  await pg.query(`CREATE SCHEMA ${SRC}`);
  await pg.query(`CREATE TABLE ${SRC}.orders (id integer PRIMARY KEY, customer varchar(40) NOT NULL)`);
  await pg.query(`CREATE TABLE ${SRC}.item (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES ${SRC}.orders (id), qty integer NOT NULL)`);
  await pg.query(`CREATE TABLE ${SRC}.note (id integer PRIMARY KEY, item_id integer NOT NULL REFERENCES ${SRC}.item (id), body varchar(40))`);
});

afterAll(() => closeExecDatabases(NAMES, { my, pg }));

/** Orders come and go with their items and notes; items move between orders. */
async function workload(transactions: number, moves: boolean, seed: number): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  let nextOrder = seed * 100_000;
  let nextItem = seed * 100_000;
  let nextNote = seed * 100_000;
  const orders = new Map<number, number[]>(); // order -> items
  for (let t = 0; t < transactions; t++) {
    await my.query('BEGIN');
    const kind = orders.size < 5 ? 0 : Math.floor(rnd() * (moves ? 3 : 2));
    if (kind === 0) {
      const o = nextOrder++;
      await my.query('INSERT INTO orders VALUES (?, ?)', [o, `c${t}`]);
      const items: number[] = [];
      for (let k = 0; k < 3; k++) {
        const i = nextItem++;
        await my.query('INSERT INTO item VALUES (?, ?, ?)', [i, o, k + 1]);
        await my.query('INSERT INTO note VALUES (?, ?, ?)', [nextNote++, i, `n${t}`]);
        items.push(i);
      }
      orders.set(o, items);
    } else if (kind === 1) {
      const o = pick([...orders.keys()]);
      const items = orders.get(o)!;
      if (items.length) await my.query(`DELETE FROM note WHERE item_id IN (${items.join(',')})`);
      if (items.length) await my.query(`DELETE FROM item WHERE id IN (${items.join(',')})`);
      await my.query('DELETE FROM orders WHERE id = ?', [o]);
      orders.delete(o);
    } else {
      // an item moves to a new order created in the same transaction
      const from = pick([...orders.keys()]);
      const items = orders.get(from)!;
      const o = nextOrder++;
      await my.query('INSERT INTO orders VALUES (?, ?)', [o, `moved${t}`]);
      orders.set(o, []);
      if (items.length) {
        const i = items.pop()!;
        await my.query('UPDATE item SET order_id = ?, qty = qty + 10 WHERE id = ?', [o, i]);
        orders.get(o)!.push(i);
      }
    }
    await my.query('COMMIT');
  }
}

test('groups touching parent and child tables go in whole, in foreign-key order, into PostgreSQL and MariaDB', async () => {
  const cfg = (name: string, target: 'postgres' | 'mariadb', siteid: number) =>
    writeExecSite(path.join(dir, `${name}.hs`), NAMES, target, siteid, '<exec_thr>1</exec_thr><exec_trx>400</exec_trx>');
  expectExitOk(await runSynctl(['copy', '0', `SCH.NAME='${SRC}'`, 'DICT', '-c', cfg('dict', 'postgres', 85)]), 'copy DICT');
  /** applies the workload's frames to both targets; the groups that needed their second try, per target */
  const replicate = async (siteid: number, transactions: number, moves: boolean) => {
    const start = await binlogEnd(my);
    await workload(transactions, moves, siteid);
    await my.query('FLUSH BINARY LOGS');
    const retried: number[] = [];
    for (const target of ['postgres', 'mariadb'] as const) {
      const config = cfg(`${target}-${siteid}`, target, siteid);
      const frames = await captureFrames(config, path.join(dir, `cap-${target}-${siteid}`), start);
      const run = await runSynctl(['exec', '-c', config, '--from', '-', '--debug'], frames);
      expectExitOk(run, `exec into ${target}`);
      expect(run.stderr).not.toMatch(/one by one/);
      expect(run.stderr).not.toMatch(/ WARN | ERROR /);
      retried.push(run.stderr.match(/failed in its net form/g)?.length ?? 0);
      expectExitOk(await runSynctl(['verify', '-c', config, `SCH.NAME='${SRC}'`]), `verify ${target}`);
    }
    return retried;
  };
  // orders created and deleted with their items and notes: the table order alone suffices
  expect(await replicate(86, 500, false)).toEqual([0, 0]);
  // items also move to new orders and the old ones are deleted later in the same group:
  // those groups go again in source order
  const retried = await replicate(87, 500, true);
  expect(retried.every((n) => n > 0)).toBe(true);
  expect((await pg.query(`SELECT count(*)::int AS n FROM ${SRC}.note`)).rows[0].n).toBeGreaterThan(100);
});
