/**
 * COPY row modes and options against the real harness servers (MariaDB source; PostgreSQL
 * and MariaDB targets):
 *  - UPDATE changes only the rows the target has, by key; REPLACE overwrites or adds rows by
 *    key and keeps target-only rows; DELETE|INSERT|WHERE reloads just the rows the WHERE
 *    selects; GROUP|n commits every n rows;
 *  - AS computes copied columns on the source; a key column or a column not copied is refused;
 *  - a composite-key table split into key ranges read by THREAD readers (NOLOCK);
 *  - TRYTIMES: a load whose target or source connection is killed half-way loads the lost
 *    chunk again and ends equal with no row twice; without it the load stops, CONTINUE ends it;
 *  - the transaction marking tables 'loading' waits for an exec group holding the gate row.
 */
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { copyCommand } from '../../src/cli/commands/copy';
import { createDatabase, dropDatabase, mariaConnect, pgConnect } from '../harness';
import { copyReport, verifyEqual, writeCopySite, type TargetKind } from '../support/copy-site';
import { requireBuiltCli, runSynctl } from '../support/synctl-process';

const SRC = 'copy_modes_src';
const DST = 'copy_modes_dst';
const PG_DB = 'copy_modes_pg';
const SYS = 'copy_modes_sys';
const BIG = 10_000;
/** the same pad, read with a 20 ms sleep every 100 rows: the load lasts long enough for the killer to find its sessions */
const SLOW = 'AS|"IF(id % 100 = 0 AND SLEEP(0.02) = 0, pad, pad) AS pad"';

let pg: Client;
let my: Connection;

beforeAll(async () => {
  requireBuiltCli();
  await createDatabase('mariadb', SRC);
  for (const db of [DST, SYS]) await dropDatabase('mariadb', db);
  await createDatabase('postgres', PG_DB);
  pg = await pgConnect({ database: PG_DB });
  my = await mariaConnect({ database: SRC });
  await my.query('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(10,2), note VARCHAR(40))');
  await my.query(`INSERT INTO t SELECT seq, CONCAT('name ', seq), seq * 1.5, IF(seq % 7 = 0, NULL, CONCAT('note ', seq)) FROM seq_1_to_100`);
  await my.query('CREATE TABLE big (id INT PRIMARY KEY, pad CHAR(200) NOT NULL)');
  await my.query(`INSERT INTO big SELECT seq, REPEAT(CHAR(65 + seq % 26), 200) FROM seq_1_to_${BIG}`);
  await my.query('CREATE TABLE ck (a VARCHAR(8) NOT NULL, b INT NOT NULL, v INT, PRIMARY KEY (a, b))');
  await my.query(`INSERT INTO ck SELECT CONCAT('k', seq % 7), seq, seq * 3 FROM seq_1_to_21000`);
  await my.query('ANALYZE TABLE ck');
  await my.query('CREATE TABLE nokey (a INT, b INT)');
  await my.query('INSERT INTO nokey VALUES (1, 2), (1, 2)');
}, 120_000);

afterAll(async () => {
  await pg?.end();
  await my?.end();
  for (const db of [SRC, DST, SYS]) await dropDatabase('mariadb', db);
  await dropDatabase('postgres', PG_DB);
});

const T = `SCH.NAME='${SRC}' AND TAB.NAME='t'`;
const BIG_COND = `SCH.NAME='${SRC}' AND TAB.NAME='big'`;

function site(engine: TargetKind): string {
  return writeCopySite({ name: `copy-modes-${engine}`, src: SRC, engine, dst: DST, pgDb: PG_DB, sysSchema: SYS });
}

/** rows of a query on the target (no parameters: the same text runs on both engines) */
async function q(engine: TargetKind, sql: string): Promise<Record<string, unknown>[]> {
  if (engine === 'postgres') return (await pg.query(sql)).rows as Record<string, unknown>[];
  return (await my.query(sql))[0] as Record<string, unknown>[];
}

/** id and name of t on the target, as text lines */
async function names(engine: TargetKind, where = 'TRUE'): Promise<string[]> {
  return (await q(engine, `SELECT id, name FROM ${DST}.t WHERE ${where} ORDER BY id`)).map((r) => `${String(r.id)} ${String(r.name)}`);
}

const seqTable = (engine: TargetKind): string => (engine === 'postgres' ? `${SYS}.dmhs_table_seqid` : `${SYS}.DMHS_TABLE_SEQID`);

async function seqRow(engine: TargetKind, table: string): Promise<{ status: string; chunks: { chunks: number; rows: number } } | undefined> {
  const rows = await q(engine, `SELECT status, chunks_done FROM ${seqTable(engine)} WHERE schema_name = '${DST}' AND table_name = '${table}'`);
  const r = rows[0];
  return r === undefined ? undefined : { status: String(r.status ?? r.STATUS), chunks: JSON.parse(String(r.chunks_done ?? r.CHUNKS_DONE)) as { chunks: number; rows: number } };
}

describe.each(['postgres', 'mariadb'] as const)('into %s', (engine) => {
  test('UPDATE, REPLACE|GROUP, DELETE|INSERT|WHERE, DELETE|INSERT', async () => {
    const config = site(engine);
    if (engine === 'mariadb') await dropDatabase('mariadb', DST);
    else await pg.query(`DROP SCHEMA IF EXISTS ${DST} CASCADE`);
    expect((await copyReport(config, T, 'CREATE|INSERT')).tables[0]).toMatchObject({ rows: 100 });
    const source = await names(engine);
    await q(engine, `UPDATE ${DST}.t SET name = 'changed' WHERE id <= 10`);
    await q(engine, `DELETE FROM ${DST}.t WHERE id > 90`);
    await q(engine, `INSERT INTO ${DST}.t VALUES (1000, 'target only', 1, NULL)`);

    // UPDATE: the changed rows are the source's again; the deleted ones stay deleted
    expect((await copyReport(config, T, 'UPDATE|ROWS|30')).tables[0]).toMatchObject({ status: 'loaded', rows: 100, chunks: 4 });
    expect(await names(engine)).toEqual([...source.slice(0, 90), '1000 target only']);

    // REPLACE: every source row as the source has it, the target-only row kept; a commit every 7 rows
    await q(engine, `UPDATE ${DST}.t SET name = 'changed', note = 'x' WHERE id <= 10`);
    const r = await copyReport(config, T, 'REPLACE|GROUP|7|ROWS|20');
    // 100 rows read in 20-row queries: 14 commits of 7 rows, then the last 2 rows with 'done'
    expect(r.tables[0]).toMatchObject({ status: 'loaded', rows: 100, chunks: 15 });
    expect(await seqRow(engine, 't')).toEqual({ status: 'done', chunks: expect.objectContaining({ chunks: 15, rows: 100 }) });
    expect(await names(engine)).toEqual([...source, '1000 target only']);
    expect(await q(engine, `SELECT note FROM ${DST}.t WHERE id IN (7, 8) ORDER BY id`)).toEqual([{ note: null }, { note: 'note 8' }]);

    // DELETE|INSERT|WHERE: only the rows the WHERE selects are deleted and loaded again
    await q(engine, `UPDATE ${DST}.t SET name = 'old'`);
    expect((await copyReport(config, T, 'DELETE|INSERT|WHERE|"id > 50"')).tables[0]).toMatchObject({ rows: 50 });
    expect(await names(engine)).toEqual([...source.slice(0, 50).map((l) => `${l.split(' ')[0]} old`), ...source.slice(50)]);

    // DELETE|INSERT: all rows again
    await copyReport(config, T, 'DELETE|INSERT');
    await verifyEqual(config, T);
  });

  test('AS computes copied columns on the source', async () => {
    const config = site(engine);
    await copyReport(config, T, 'DROP|CREATE|INSERT|AS|"UPPER(name) AS name, price * 2 AS price"');
    const rows = await q(engine, `SELECT id, name, price, note FROM ${DST}.t WHERE id IN (3, 7) ORDER BY id`);
    expect(rows.map((x) => [Number(x.id), x.name, Number(x.price), x.note])).toEqual([
      [3, 'NAME 3', 9, 'note 3'],
      [7, 'NAME 7', 21, null],
    ]);
  });

  test('a duplicate key, or a value the target column cannot take, fails at once despite TRYTIMES; the duplicate with a hint', async () => {
    const config = site(engine);
    await copyReport(config, T, 'DROP|CREATE|INSERT');
    const dup = await runSynctl(['copy', '0', T, 'INSERT|TRYTIMES|3', '-c', config]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/the target has these rows already/);
    expect(dup.stderr).not.toMatch(/trying again/);
    await q(engine, `DELETE FROM ${DST}.t`);
    await q(engine, engine === 'postgres' ? `ALTER TABLE ${DST}.t ALTER COLUMN name TYPE varchar(3)` : `ALTER TABLE ${DST}.t MODIFY name VARCHAR(3) NOT NULL`);
    // (the failed load above left the table 'loading': TRUNCATE|INSERT starts over)
    const narrow = await runSynctl(['copy', '0', T, 'TRUNCATE|INSERT|TRYTIMES|3', '-c', config]);
    expect(narrow.code).not.toBe(0);
    expect(narrow.stderr).toMatch(/chunk 1 /);
    expect(narrow.stderr).not.toMatch(/trying again|these rows already/);
    expect(await q(engine, `SELECT count(*) AS n FROM ${DST}.t`)).toEqual([{ n: engine === 'postgres' ? '0' : 0 }]);
  });

  test('TRYTIMES: a connection killed half-way, the chunk loaded again; without TRYTIMES the load stops and CONTINUE ends it', async () => {
    const config = site(engine);
    // PostgreSQL: the target session dies; MariaDB: the source session reading the snapshot dies
    const killOnce = async (): Promise<number> => {
      for (let i = 0; i < 3000; i++) {
        const s = await seqRow(engine, 'big').catch(() => undefined);
        if (s?.status === 'loading' && s.chunks.chunks >= 5 && s.chunks.chunks < BIG / 100) {
          if (engine === 'postgres') {
            const k = await pg.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'synctl copy' AND datname = '${PG_DB}'`);
            if (k.rows.length > 0) return k.rows.length;
          } else {
            const [ids] = await my.query(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT%FROM \`${SRC}\`.\`big\`%' AND ID <> CONNECTION_ID()`);
            const list = ids as { id: number }[];
            for (const x of list) await my.query(`KILL ${Number(x.id)}`).catch(() => undefined);
            if (list.length > 0) return list.length;
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return 0;
    };
    const [report, killed] = await Promise.all([copyReport(config, BIG_COND, `DROP|CREATE|INSERT|THREAD|1|ROWS|100|TRYTIMES|3|${SLOW}`), killOnce()]);
    expect(killed).toBeGreaterThan(0);
    // every row committed once: a row loaded twice would have been a duplicate key
    expect(report.tables[0]).toMatchObject({ status: 'loaded', rows: BIG });
    expect(report.tables[0]!.chunks).toBeGreaterThanOrEqual(BIG / 100 + 1);
    await verifyEqual(config, BIG_COND);

    const [failed, killed2] = await Promise.all([copyCommand({ config, sendIndex: 0, condition: BIG_COND, masks: `DROP|CREATE|INSERT|THREAD|1|ROWS|100|${SLOW}` }).catch((e: unknown) => e), killOnce()]);
    expect(killed2).toBeGreaterThan(0);
    expect(String(failed)).toMatch(new RegExp(`${SRC}\\.big -> ${DST}\\.big: chunk \\d+`));
    const rest = await copyReport(config, BIG_COND, 'INSERT|CONTINUE|ROWS|100');
    expect(rest.tables[0]!.rowsBefore + rest.tables[0]!.rows).toBe(BIG);
    await verifyEqual(config, BIG_COND);
  }, 180_000);

  test('a composite-key table read in key ranges (bounds from the index), NOLOCK: equal, every range done', async () => {
    const config = site(engine);
    const cond = `SCH.NAME='${SRC}' AND TAB.NAME='ck'`;
    const r = await copyReport(config, cond, 'DROP|CREATE|INSERT|THREAD|3|ROWS|1000|NOLOCK');
    expect(r.tables[0]).toMatchObject({ status: 'loaded', rows: 21_000 });
    const row = (await q(engine, `SELECT chunks_done FROM ${seqTable(engine)} WHERE schema_name = '${DST}' AND table_name = 'ck'`))[0]!;
    const ranges = (JSON.parse(String(row.chunks_done ?? row.CHUNKS_DONE)) as { ranges?: { done: boolean; rows: number }[] }).ranges ?? [];
    expect(ranges.map((x) => x.done)).toEqual([true, true, true]);
    expect(ranges.reduce((a, x) => a + x.rows, 0)).toBe(21_000);
    await verifyEqual(config, cond);
  });

  test("the 'loading' marks wait for an exec group holding the gate row", async () => {
    const config = site(engine);
    await copyReport(config, T, 'DROP|CREATE|INSERT');
    const gate = `SELECT status FROM ${seqTable(engine)} WHERE schema_name = '' AND table_name = ''`;
    expect(await q(engine, gate)).toEqual([{ status: 'gate' }]);
    // an exec group in flight: its transaction holds the gate row shared
    const holder = engine === 'postgres' ? await pgConnect({ database: PG_DB }) : await mariaConnect({ database: SRC });
    const run = (sql: string): Promise<unknown> => (engine === 'postgres' ? (holder as Client).query(sql) : (holder as Connection).query(sql));
    try {
      await run('BEGIN');
      await run(`${gate} ${engine === 'postgres' ? 'FOR SHARE' : 'LOCK IN SHARE MODE'}`);
      let finished = false;
      const load = copyReport(config, T, 'TRUNCATE|INSERT').finally(() => (finished = true));
      await new Promise((r) => setTimeout(r, 1500));
      expect({ finished, status: (await seqRow(engine, 't'))!.status, rows: Number((await q(engine, `SELECT count(*) AS n FROM ${DST}.t`))[0]!.n) }).toEqual({
        finished: false,
        status: 'done',
        rows: 100,
      });
      await run('COMMIT');
      await load;
      expect((await seqRow(engine, 't'))!.status).toBe('done');
      await verifyEqual(config, T);
    } finally {
      await (engine === 'postgres' ? (holder as Client).end() : (holder as Connection).end());
    }
  });
});

test('refused before anything is done: AS on a key column, AS of a column not copied, REPLACE of a keyless table', async () => {
  const config = site('postgres');
  await expect(copyCommand({ config, sendIndex: 0, condition: T, masks: 'INSERT|AS|"id + 1 AS id"' })).rejects.toThrow(
    `AS|"... AS id": id is a key column of ${SRC}.t: rows are read, resumed and matched by it, it cannot be computed`,
  );
  await expect(copyCommand({ config, sendIndex: 0, condition: T, masks: 'INSERT|AS|"1 AS nope"' })).rejects.toThrow(`AS|"... AS nope": ${SRC}.t has no column nope copied into ${DST}.t`);
  await expect(copyCommand({ config, sendIndex: 0, condition: `SCH.NAME='${SRC}' AND TAB.NAME='nokey'`, masks: 'CREATE|REPLACE' })).rejects.toThrow(
    `${SRC}.nokey -> ${DST}.nokey: REPLACE matches rows by key: the table has no primary or unique key`,
  );
});
