/**
 * COPY initial load against the real harness servers (MariaDB source; PostgreSQL and
 * MariaDB targets), equality checked with synctl verify:
 *  - a type-rich table, a composite-key table and a keyless table, CREATE|INSERT|INDEX in
 *    small chunks, into PostgreSQL and into MariaDB;
 *  - sysbench-prepared tables (4 x 20k), THREAD|8 (each table in key ranges), into both;
 *  - the recorded position is exact: rows committed while the load runs are in the copy
 *    exactly when their GTID is at or before DMHS_TABLE_SEQID.POS;
 *  - the send's row conditions: only the rows capture would send are loaded;
 *  - a load SIGKILLed half-way (tables read in key ranges by THREAD|8), then CONTINUE (each
 *    range resumed), into PostgreSQL and into MariaDB: equal, no
 *    duplicates, and (counted by a trigger on the target, in the chunks' own transactions)
 *    every row was inserted exactly once over both runs, so no finished chunk was loaded again.
 */
import type { Client } from 'pg';
import { copyCommand } from '../../src/cli/commands/copy';
import { chunkTotals, type ChunksDone } from '../../src/load/seqid';
import { createDatabase, dropDatabase, mariaConnect, pgConnect, runSysbench } from '../harness';
import { copyReport, verifyEqual, writeCopySite, type TargetKind } from '../support/copy-site';
import { requireBuiltCli, SynctlProcess } from '../support/synctl-process';

const SRC = 'copy_load_src';
const SB = 'copy_load_sb';
const PG_DB = 'copy_load_pg';
const SYS = 'copy_load_sys';
const SB_TABLES = 4;
const SB_ROWS = 20_000;
/** t_live: enough rows to be split into key ranges while rows are written */
const LIVE_ROWS = 15_000;

/** a site: source schema `src` mapped to `dst` on the target engine */
const site = (name: string, src: string, engine: TargetKind, dst: string, enable?: readonly string[], typeMap?: readonly string[]): string =>
  writeCopySite({ name: `copy-load-${name}`, src, engine, dst, pgDb: PG_DB, sysSchema: SYS, ...(enable ? { enable } : {}), ...(typeMap ? { typeMap } : {}) });

const TYPES_DDL = [
  `CREATE TABLE t_types (
     id INT NOT NULL PRIMARY KEY, ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, ii INT, bi BIGINT, bu BIGINT UNSIGNED,
     fl FLOAT, db DOUBLE, dc DECIMAL(12,4), vc VARCHAR(40) CHARACTER SET utf8mb4, ch CHAR(10), tx TEXT,
     bn BINARY(4), vb VARBINARY(8), bl BLOB, en ENUM('a','b c','it''s'), st SET('x','y','z'), js JSON,
     dd DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), yr YEAR, flag TINYINT(1),
     KEY k_vc (vc), UNIQUE KEY u_ii (ii))`,
  'CREATE TABLE t_composite (k1 VARCHAR(8) NOT NULL, k2 INT NOT NULL, v VARCHAR(20), PRIMARY KEY (k1, k2))',
  'CREATE TABLE t_nokey (a INT, b VARCHAR(20))',
  'CREATE TABLE t_bits (id INT NOT NULL PRIMARY KEY, b5 BIT(5), b1 BIT(1))',
  'CREATE TABLE t_live (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL)',
];

const TYPE_ROWS = [
  `(1, -128, 65535, -8388608, -2147483648, -9223372036854775808, 18446744073709551615, 0.1, 0.30000000000000004, -12345678.1234,
    'héllo 😀', 'abc', 'tab\\there\\nnewline \\\\ back ''quote''', X'00ff1000', X'0a0d09', X'5c00ff', 'b c', 'x,z', '{"b": 1, "a": [1, 2.5, "x"]}',
    '2024-02-29', '1999-12-31 23:59:59.999999', '2038-01-19 03:14:07.123', '12:34:56.78', 2024, 1)`,
  `(2, 127, 0, 8388607, 2147483647, 9223372036854775807, 0, -1.5, 1e300, 0.0001, '', ' lead', '', X'00000000', X'', X'', 'a', '', '[]',
    '1000-01-01', '2024-01-02 03:04:05.000001', '1970-01-01 00:00:01.000', '23:59:59.00', 1901, 0)`,
  '(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)',
  `(4, 0, 1, 2, 3, 4, 5, 3.25, -2.5e-7, 99999999.9999, 'it''s', 'z', 'x', X'01020304', X'ff', X'00', 'it''s', 'x,y,z', '{"n": 12345678901234567890}',
    '2024-01-01', '2024-06-01 00:00:00.000000', '2024-03-03 03:03:03.000', '00:00:00.01', 2155, 1)`,
];

async function prepareSource(): Promise<void> {
  await createDatabase('mariadb', SRC);
  const c = await mariaConnect({ database: SRC });
  try {
    for (const d of TYPES_DDL) await c.query(d);
    await c.query(`INSERT INTO t_types VALUES ${TYPE_ROWS.join(', ')}`);
    // more rows than one chunk of ROWS|2 for every table
    for (let i = 5; i <= 40; i++) await c.query(`INSERT INTO t_types (id, ii, vc, dc) VALUES (${i}, ${i}, 'row ${i}', ${i}.5)`);
    const comp: string[] = [];
    for (let i = 0; i < 30; i++) comp.push(`('${String.fromCharCode(97 + (i % 3))}', ${i}, 'v${i}')`);
    await c.query(`INSERT INTO t_composite VALUES ${comp.join(', ')}`);
    await c.query(`INSERT INTO t_nokey VALUES (1, 'a'), (1, 'a'), (2, NULL), (NULL, 'x')`);
    await c.query(`INSERT INTO t_bits VALUES (1, b'10101', b'1'), (2, b'0', b'0'), (3, NULL, NULL), (4, b'11111', b'1')`);
    const live: string[] = [];
    for (let i = 1; i <= LIVE_ROWS; i++) live.push(`(${i}, 'initial ${i}')`);
    await c.query(`INSERT INTO t_live VALUES ${live.join(', ')}`);
    await c.query('ANALYZE TABLE t_live');
  } finally {
    await c.end();
  }
}

let pg: Client;

beforeAll(async () => {
  requireBuiltCli();
  await prepareSource();
  await createDatabase('mariadb', SB);
  await runSysbench({ test: 'oltp_read_write', phase: 'prepare', database: SB, tables: SB_TABLES, tableSize: SB_ROWS, threads: 1 });
  for (const db of ['copy_load_types', 'copy_load_sb_dst', 'copy_load_kill', 'copy_load_kill_count', 'copy_load_backup', SYS]) await dropDatabase('mariadb', db);
  await createDatabase('postgres', PG_DB);
  pg = await pgConnect({ database: PG_DB });
}, 300_000);

afterAll(async () => {
  await pg?.end();
});

const TYPES_COND = `SCH.NAME='${SRC}' AND TAB.NAME IN ('t_types','t_composite','t_nokey','t_bits')`;
/** verify does not compare BIT across engines (MySQL BIT and PostgreSQL bit varying have no common canonical text yet) */
const VERIFY_COND = (engine: string): string => (engine === 'postgres' ? TYPES_COND.replace(",'t_bits'", '') : TYPES_COND);

describe.each([
  ['postgres', 'copy_types_pg'],
  ['mariadb', 'copy_load_types'],
] as const)('MariaDB -> %s', (engine, dst) => {
  test('type-rich, composite-key and keyless tables: CREATE|INSERT|INDEX in 2-row chunks, equal to the source', async () => {
    // exec's type map: a type item and a column item (PostgreSQL only: a MySQL target replays SHOW CREATE TABLE)
    const typeMap = engine === 'postgres' ? ['mediumint == bigint', `${dst}.t_types.vc == text`] : undefined;
    const config = site(`types-${engine}`, SRC, engine, dst, undefined, typeMap);
    const r = await copyReport(config, TYPES_COND, 'DICT|CREATE|INSERT|INDEX|ROWS|2');
    const byName = new Map(r.tables.map((t) => [t.source.split('.')[1]!, t]));
    expect(byName.get('t_types')).toMatchObject({ status: 'loaded', rows: 40, chunks: 21 });
    expect(byName.get('t_composite')).toMatchObject({ status: 'loaded', rows: 30, chunks: 16 });
    expect(byName.get('t_nokey')).toMatchObject({ status: 'loaded', rows: 4, chunks: 1 });
    expect(byName.get('t_bits')).toMatchObject({ status: 'loaded', rows: 4 });
    expect(byName.get('t_types')!.indexes).toBe(2);
    const v = await verifyEqual(config, VERIFY_COND(engine));
    expect(v.tables.every((t) => t.status === 'compared')).toBe(true);
    if (engine === 'postgres') {
      // MariaDB's JSON (longtext with a json_valid CHECK) is created as jsonb
      const js = await pg.query("SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 't_types' AND column_name = 'js'", [dst]);
      expect(js.rows).toEqual([{ data_type: 'jsonb' }]);
      const mapped = await pg.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 't_types' AND column_name IN ('mi', 'vc', 'ii') ORDER BY column_name", [dst]);
      expect(mapped.rows).toEqual([
        { column_name: 'ii', data_type: 'integer' },
        { column_name: 'mi', data_type: 'bigint' },
        { column_name: 'vc', data_type: 'text' },
      ]);
      const bits = await pg.query(`SELECT id, b5::text AS b5, b1::text AS b1 FROM ${dst}.t_bits ORDER BY id`);
      expect(bits.rows).toEqual([
        { id: 1, b5: '10101', b1: '1' },
        { id: 2, b5: '00000', b1: '0' },
        { id: 3, b5: null, b1: null },
        { id: 4, b5: '11111', b1: '1' },
      ]);
    }

    // DMHS_TABLE_SEQID: one 'done' row per target table with the snapshot position
    const seq =
      engine === 'postgres'
        ? (await pg.query(`SELECT schema_name, table_name, pos, status, chunks_done FROM ${SYS}.dmhs_table_seqid WHERE schema_name = $1 ORDER BY table_name`, [dst])).rows
        : await (async () => {
            const c = await mariaConnect({ database: 'mysql' });
            try {
              const [rows] = await c.query(`SELECT SCHEMA_NAME AS schema_name, TABLE_NAME AS table_name, POS AS pos, STATUS AS status, CHUNKS_DONE AS chunks_done FROM ${SYS}.DMHS_TABLE_SEQID WHERE SCHEMA_NAME = ? ORDER BY TABLE_NAME`, [dst]);
              return rows as Record<string, unknown>[];
            } finally {
              await c.end();
            }
          })();
    expect(seq.map((s) => [s.table_name, s.status])).toEqual([
      ['t_bits', 'done'],
      ['t_composite', 'done'],
      ['t_nokey', 'done'],
      ['t_types', 'done'],
    ]);
    for (const s of seq) expect(String(s.pos)).toMatch(/^binlog:[^:]+\.\d+:\d+:\d+-\d+-\d+/);
    expect(JSON.parse(String(seq[3]!.chunks_done))).toMatchObject({ chunks: 21, rows: 40 });

    // the secondary indexes came after the data
    if (engine === 'postgres') {
      const ix = await pg.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 't_types' ORDER BY 1`, [dst]);
      expect(ix.rows.map((x) => x.indexname)).toEqual(['t_types_k_vc', 't_types_pkey', 't_types_u_ii']);
    } else {
      const c = await mariaConnect({ database: dst });
      try {
        const [rows] = await c.query(`SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_types' ORDER BY 1`, [dst]);
        expect((rows as { n: string }[]).map((x) => x.n)).toEqual(['k_vc', 'PRIMARY', 'u_ii']);
      } finally {
        await c.end();
      }
    }

    // CREATE on an existing table is refused with the table named; DROP|CREATE re-creates
    await expect(copyCommand({ config, sendIndex: 0, condition: `SCH.NAME='${SRC}' AND TAB.NAME='t_nokey'`, masks: 'CREATE|INSERT' })).rejects.toThrow(
      `${SRC}.t_nokey -> ${dst}.t_nokey: CREATE: the target table exists already: give DROP|CREATE to re-create it, or leave CREATE out`,
    );
    const again = await copyReport(config, `SCH.NAME='${SRC}' AND TAB.NAME='t_nokey'`, 'DROP|CREATE|INSERT');
    expect(again.tables[0]).toMatchObject({ rows: 4 });
    await verifyEqual(config, `SCH.NAME='${SRC}' AND TAB.NAME='t_nokey'`);
  });

  test(`sysbench ${SB_TABLES} x ${SB_ROWS}: DROP|CREATE|INSERT|INDEX|THREAD|8 (more readers than tables: key ranges), equal to the source`, async () => {
    const target = engine === 'postgres' ? 'copy_sb_pg' : 'copy_load_sb_dst';
    const config = site(`sb-${engine}`, SB, engine, target);
    const r = await copyReport(config, `SCH.NAME='${SB}'`, 'DROP|CREATE|INSERT|INDEX|THREAD|8|ROWS|5000');
    expect(r.tables).toHaveLength(SB_TABLES);
    for (const t of r.tables) expect(t).toMatchObject({ status: 'loaded', rows: SB_ROWS, indexes: 1 });
    // 8 readers for 4 tables: each table read in key ranges at one snapshot, every range done
    const seq = await targetRows(engine, `SELECT CHUNKS_DONE AS chunks_done FROM ${SYS}.${engine === 'postgres' ? 'dmhs_table_seqid' : 'DMHS_TABLE_SEQID'} WHERE SCHEMA_NAME = '${target}'`);
    const split = seq.map((x) => (JSON.parse(String(x.chunks_done)) as ChunksDone).ranges ?? []).filter((g) => g.length > 1);
    expect(split.length).toBe(SB_TABLES);
    expect(split.every((g) => g.every((x) => x.done))).toBe(true);
    const v = await verifyEqual(config, `SCH.NAME='${SB}'`);
    expect(v.tables).toHaveLength(SB_TABLES);
  }, 240_000);
});

test('POS is exact (a table read in key ranges): rows committed during the load are in the copy iff their GTID is at or before POS', async () => {
  const config = site('live', SRC, 'postgres', 'copy_live_pg');
  const writer = await mariaConnect({ database: SRC });
  const committed: { id: number; seq: number }[] = [];
  let stop = false;
  const writes = (async () => {
    for (let id = 100_001; !stop; id++) {
      await writer.query(`INSERT INTO t_live VALUES (${id}, 'live ${id}')`); // autocommit: one transaction each
      const [g] = await writer.query('SELECT @@last_gtid AS g');
      committed.push({ id, seq: Number(String((g as { g: string }[])[0]!.g).split('-')[2]) });
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 300));
    await copyReport(config, `SCH.NAME='${SRC}' AND TAB.NAME='t_live'`, 'CREATE|INSERT|ROWS|500');
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    stop = true;
    await writes;
    await writer.end();
  }
  const pos = String((await pg.query(`SELECT pos FROM ${SYS}.dmhs_table_seqid WHERE schema_name = 'copy_live_pg' AND table_name = 't_live'`)).rows[0]!.pos);
  // binlog:<file>:<offset>:<gtid list>; this server logs domain 0 only
  const gtid = /^binlog:[^:]+:\d+:(.*)$/.exec(pos)![1]!;
  const s = Number(gtid.split(',').find((x) => x.startsWith('0-'))!.split('-')[2]);
  const loaded = new Set((await pg.query('SELECT id FROM copy_live_pg.t_live WHERE id > 100000')).rows.map((r) => Number(r.id)));
  const expected = committed.filter((c) => c.seq <= s).map((c) => c.id);
  expect(committed.some((c) => c.seq <= s)).toBe(true);
  expect(committed.some((c) => c.seq > s)).toBe(true);
  expect([...loaded].sort((a, b) => a - b)).toEqual(expected);
  expect((await pg.query(`SELECT count(*)::int AS n FROM copy_live_pg.t_live WHERE id <= ${LIVE_ROWS}`)).rows[0]!.n).toBe(LIVE_ROWS);
  // read in key ranges by the default 4 readers, all at the one snapshot POS is exact for
  const cd = (await pg.query(`SELECT chunks_done FROM ${SYS}.dmhs_table_seqid WHERE schema_name = 'copy_live_pg' AND table_name = 't_live'`)).rows[0]!.chunks_done;
  expect((JSON.parse(String(cd)) as ChunksDone).ranges?.length).toBe(4);
}, 120_000);

test("the send's row conditions: only the rows capture would send are loaded", async () => {
  const config = site('rowfilter', SRC, 'postgres', 'copy_filter_pg', [`${SRC}.t_composite(k2 >= 10 AND k1 <> 'b')`, `${SRC}.t_nokey`]);
  const r = await copyReport(config, `SCH.NAME='${SRC}' AND TAB.NAME IN ('t_composite','t_nokey','t_types')`, 'CREATE|INSERT|ROWS|4');
  // t_types is not enabled: not replicated, not loaded
  expect(r.skipped).toEqual([`${SRC}.t_types`]);
  const comp = r.tables.find((t) => t.source.endsWith('.t_composite'))!;
  expect(comp.rows).toBe(13); // k2 10..29 (20 rows), k1 cycling a, b, c: the 7 b rows (k2 % 3 = 1) dropped
  const keys = (await pg.query('SELECT k1, k2 FROM copy_filter_pg.t_composite ORDER BY k2')).rows;
  expect(keys.every((k) => k.k2 >= 10 && k.k1 !== 'b')).toBe(true);
  await verifyEqual(config, `SCH.NAME='${SRC}' AND TAB.NAME IN ('t_composite','t_nokey')`);
});

test('BACKUP: mariadb-dump | mariadb into MariaDB, the dump position recorded, equal to the source', async () => {
  const config = site('backup', SRC, 'mariadb', 'copy_load_backup');
  const r = await copyReport(config, TYPES_COND, 'BACKUP');
  expect(Object.fromEntries(r.tables.map((t) => [t.target, t.rows]))).toEqual({
    'copy_load_backup.t_bits': 4,
    'copy_load_backup.t_composite': 30,
    'copy_load_backup.t_nokey': 4,
    'copy_load_backup.t_types': 40,
  });
  // one dump: one snapshot, one position for all its tables
  expect(new Set(r.tables.map((t) => t.position)).size).toBe(1);
  expect(r.tables[0]!.position).toMatch(/^binlog:[^:]+\.\d+:\d+:\d+-\d+-\d+/);
  const seq = await targetRows('mariadb', `SELECT STATUS AS status, POS AS pos FROM ${SYS}.DMHS_TABLE_SEQID WHERE SCHEMA_NAME = 'copy_load_backup'`);
  expect(seq).toHaveLength(4);
  expect(seq.every((s) => s.status === 'done' && s.pos === r.tables[0]!.position)).toBe(true);
  await verifyEqual(config, TYPES_COND);
  // into PostgreSQL there is no dump to restore
  const pgConfig = site('backup-pg', SRC, 'postgres', 'copy_backup_pg');
  await expect(copyCommand({ config: pgConfig, sendIndex: 0, condition: TYPES_COND, masks: 'BACKUP' })).rejects.toThrow(
    'BACKUP loads MySQL/MariaDB into MySQL/MariaDB only (dmhs/exec/db_type is PG); use CREATE|INSERT',
  );
});

/** rows of a query on a target engine (PostgreSQL $1 or MariaDB ? parameters as the engine wants) */
async function targetRows(engine: 'mariadb' | 'postgres', sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (engine === 'postgres') return (await pg.query(sql, params)).rows as Record<string, unknown>[];
  const c = await mariaConnect({ database: 'mysql' });
  try {
    return (await c.query(sql, params))[0] as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

describe.each(['postgres', 'mariadb'] as const)('into %s', (engine) => {
  test('a load SIGKILLed half-way, then CONTINUE: equal, no duplicates, no finished chunk loaded again', async () => {
    const pgT = engine === 'postgres';
    const dst = pgT ? 'copy_kill_pg' : 'copy_load_kill';
    const counter = pgT ? 'copy_kill_count.ins_count' : 'copy_load_kill_count.ins_count';
    const seqTable = pgT ? `${SYS}.dmhs_table_seqid` : `${SYS}.DMHS_TABLE_SEQID`;
    const ph = pgT ? '$1' : '?';
    const config = site(`kill-${engine}`, SB, engine, dst);
    const cond = `SCH.NAME='${SB}'`;
    // structure first, so the target tables can count what is written into them (in the writing transaction)
    await copyReport(config, cond, 'DROP|CREATE');
    if (pgT) {
      await pg.query('DROP SCHEMA IF EXISTS copy_kill_count CASCADE');
      await pg.query('CREATE SCHEMA copy_kill_count');
      await pg.query(`CREATE TABLE ${counter} (t text PRIMARY KEY, n bigint NOT NULL)`);
      await pg.query(`CREATE FUNCTION copy_kill_count.count_ins() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO ${counter} VALUES (TG_TABLE_NAME, (SELECT count(*) FROM new_rows))
            ON CONFLICT (t) DO UPDATE SET n = ins_count.n + EXCLUDED.n;
          RETURN NULL;
        END $$`);
      for (let i = 1; i <= SB_TABLES; i++) {
        await pg.query(`CREATE TRIGGER count_ins AFTER INSERT ON ${dst}.sbtest${i} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION copy_kill_count.count_ins()`);
      }
    } else {
      await createDatabase('mariadb', 'copy_load_kill_count');
      const c = await mariaConnect({ database: dst });
      try {
        await c.query(`CREATE TABLE ${counter} (t VARCHAR(64) PRIMARY KEY, n BIGINT NOT NULL)`);
        for (let i = 1; i <= SB_TABLES; i++) {
          await c.query(`CREATE TRIGGER count_ins${i} AFTER INSERT ON ${dst}.sbtest${i} FOR EACH ROW
            INSERT INTO ${counter} VALUES ('sbtest${i}', 1) ON DUPLICATE KEY UPDATE n = n + 1`);
        }
      } finally {
        await c.end();
      }
    }

    const proc = new SynctlProcess(['copy', '0', cond, 'INSERT|INDEX|THREAD|8|ROWS|500', '-c', config]);
    const chunksDone = async (): Promise<number> => {
      const r = await targetRows(engine, `SELECT CHUNKS_DONE AS chunks_done FROM ${seqTable} WHERE SCHEMA_NAME = ${ph}`, [dst]).catch(() => []);
      return r.reduce((a, x) => a + (x.chunks_done ? chunkTotals(JSON.parse(String(x.chunks_done)) as ChunksDone).chunks : 0), 0);
    };
    const total = SB_TABLES * (SB_ROWS / 500 + 1);
    for (;;) {
      const n = await chunksDone();
      if (n >= total / 3) break;
      if (proc.child.exitCode !== null) throw new Error(`the load finished before it could be killed (${n} chunks):\n${proc.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await proc.kill('SIGKILL');

    const seq = await targetRows(engine, `SELECT TABLE_NAME AS table_name, STATUS AS status, CHUNKS_DONE AS chunks_done FROM ${seqTable} WHERE SCHEMA_NAME = ${ph} ORDER BY TABLE_NAME`, [dst]);
    expect(seq.some((s) => s.status === 'loading')).toBe(true);
    // what an interrupted run committed is exactly what CHUNKS_DONE says
    const before = new Map<string, number>();
    for (const s of seq) {
      const n = Number((await targetRows(engine, `SELECT count(*) AS n FROM ${dst}.${String(s.table_name)}`))[0]!.n);
      expect(n).toBe(chunkTotals(JSON.parse(String(s.chunks_done)) as ChunksDone).rows);
      before.set(String(s.table_name), n);
    }
    const committed = [...before.values()].reduce((a, b) => a + b, 0);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(SB_TABLES * SB_ROWS);

    // a plain INSERT refuses to start over a half-loaded table
    await expect(copyCommand({ config, sendIndex: 0, condition: cond, masks: 'INSERT' })).rejects.toThrow(/an earlier load stopped half-way .* give CONTINUE/);

    const r = await copyReport(config, cond, 'INSERT|INDEX|CONTINUE|THREAD|8|ROWS|500');
    for (const t of r.tables) {
      const was = before.get(t.target.split('.')[1]!) ?? 0;
      if (t.status === 'done-before') expect(was).toBe(SB_ROWS);
      else {
        expect(t.rowsBefore).toBe(was);
        expect(t.rows).toBe(SB_ROWS - was);
      }
    }
    // every row inserted exactly once over both runs (rolled-back chunks do not count)
    const counts = (await targetRows(engine, `SELECT t, n FROM ${counter} ORDER BY t`)).map((x) => ({ t: String(x.t), n: Number(x.n) }));
    expect(counts).toEqual(Array.from({ length: SB_TABLES }, (_, i) => ({ t: `sbtest${i + 1}`, n: SB_ROWS })));
    const done = await targetRows(engine, `SELECT DISTINCT STATUS AS status FROM ${seqTable} WHERE SCHEMA_NAME = ${ph}`, [dst]);
    expect(done).toEqual([{ status: 'done' }]);
    await verifyEqual(config, cond);
  }, 240_000);
});
