/**
 * Issue 6, PostgreSQL source: `synctl copy` from a PostgreSQL cpt reads at the snapshot
 * exported when it creates the logical replication slot capture will stream, and records
 * the slot's consistent_point as every table's POS.
 *
 *  - PG -> PG and PG -> MariaDB, CREATE|INSERT|INDEX while a writer inserts, updates and
 *    deletes: a table nobody writes (every type) is equal by `synctl verify`; for the
 *    written tables the slot's own changes (pgoutput, decoded here) applied over the
 *    target give exactly the source: the copy holds every change committed before the
 *    consistent point and none after it;
 *  - BACKUP PG -> PG (pg_dump at the snapshot of a temporary slot, as the slot exists):
 *    equal, POS recorded, the temporary slot gone;
 *  - a load SIGKILLed half-way, then CONTINUE: equal, every row inserted once over both runs;
 *  - a user without REPLICATION, or a slot of that name capture cannot use: one line naming
 *    the fix, and nothing is announced on the target.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'pg';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { verifyCommand } from '../../src/cli/commands/verify';
import type { VerifyReport } from '../../src/verify/types';
import type { ChunksDone } from '../../src/load/seqid';
import { createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { copyReport, verifyEqual } from '../support/copy-site';
import { dbXml } from '../support/site';
import { requireBuiltCli, runSynctl, SynctlProcess } from '../support/synctl-process';

const SRC = 'pgsrc_src';
const PGDB = 'pgsrc_dst';
const MYDB = 'pgsrc_my';
const SYS = 'pgsrc_sys';
const EV_ROWS = 20_000;
const ACCT_ROWS = 5_000;
const BIG_ROWS = 60_000;

let src: Client;
let dst: Client;
let my: Connection;

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function site(name: string, opts: { target: 'postgres' | 'mariadb'; dst: string; slot: string; user?: { name: string; password: string }; typeMap?: string[] }): string {
  const h = harness().postgres;
  const cptDb = opts.user
    ? `<db_type>PG</db_type><db_server>${h.host}</db_server><db_port>${h.port}</db_port><db_user>${opts.user.name}</db_user><db_pwd>${xml(opts.user.password)}</db_pwd><db_name>${SRC}</db_name>`
    : dbXml('postgres', SRC);
  const file = path.join(harness().tmpDir, `pgsrc-${name}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>71</siteid></base>
  <cpt>${cptDb}<slot_name>${opts.slot}</slot_name><publication>${opts.slot}_pub</publication>
    <send><ip>127.0.0.1</ip><data_port>15471</data_port><map><item>app.* == ${opts.dst}.*</item></map></send></cpt>
  <exec>${opts.target === 'postgres' ? dbXml('postgres', PGDB) : dbXml('mariadb', MYDB)}<sys_schema>${SYS}</sys_schema>${opts.typeMap ? `<type_map>${opts.typeMap.map((i) => `<item>${i}</item>`).join('')}</type_map>` : ''}<recv><data_port>15472</data_port></recv></exec></dmhs>`,
  );
  return file;
}

/** A writer on the source until stop(): inserts into app.ev, updates and deletes app.acct, one transaction each. */
function startWriter(): { writes: () => number; stop: () => Promise<number> } {
  let stopping = false;
  let i = 0;
  const done = (async () => {
    const c = await pgConnect({ database: SRC });
    try {
      while (!stopping) {
        await c.query('INSERT INTO app.ev (v) VALUES ($1)', [i]);
        // the first row from a random id on: every update and delete hits a row (an earlier writer deleted some)
        const at = Math.floor(Math.random() * ACCT_ROWS);
        if (i % 2 === 0) await c.query('UPDATE app.acct SET bal = bal + 1 WHERE id = (SELECT min(id) FROM app.acct WHERE id > $1)', [at]);
        if (i % 5 === 0) await c.query('DELETE FROM app.acct WHERE id = (SELECT min(id) FROM app.acct WHERE id > $1)', [at]);
        if (i % 5 === 1) await c.query('INSERT INTO app.acct VALUES ($1, 0) ON CONFLICT (id) DO NOTHING', [ACCT_ROWS + i]);
        i++;
      }
    } finally {
      await c.end();
    }
    return i;
  })();
  return {
    writes: () => i,
    stop: async () => {
      stopping = true;
      return done;
    },
  };
}

/**
 * Row changes of one table in a slot, in commit order, decoded from pgoutput (protocol 1):
 * 'I' relid 'N' tuple, 'U' relid ['K'|'O' tuple] 'N' tuple, 'D' relid 'K'|'O' tuple; a
 * tuple is int16 ncols, per column 'n' (null), 'u' (unchanged toast) or 't' int32 len bytes.
 */
async function slotChanges(slot: string, pub: string, relid: number): Promise<{ op: 'I' | 'U' | 'D'; row: (string | null)[] }[]> {
  const r = await src.query<{ data: Buffer }>("SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)", [slot, pub]);
  const out: { op: 'I' | 'U' | 'D'; row: (string | null)[] }[] = [];
  for (const { data } of r.rows) {
    const op = String.fromCharCode(data[0]!);
    if ((op !== 'I' && op !== 'U' && op !== 'D') || data.readInt32BE(1) !== relid) continue;
    let at = 5;
    const tuple = (): (string | null)[] => {
      const n = data.readInt16BE(at);
      at += 2;
      const row: (string | null)[] = [];
      for (let i = 0; i < n; i++) {
        const kind = String.fromCharCode(data[at++]!);
        if (kind === 't') {
          const len = data.readInt32BE(at);
          row.push(data.toString('utf8', at + 4, at + 4 + len));
          at += 4 + len;
        } else row.push(null);
      }
      return row;
    };
    let row: (string | null)[] = [];
    while (at < data.length) {
      const part = String.fromCharCode(data[at++]!);
      const t = tuple();
      if (part === 'N' || op === 'D') row = t;
    }
    out.push({ op, row });
  }
  return out;
}

async function relid(table: string): Promise<number> {
  return Number((await src.query<{ oid: string }>(`SELECT '${table}'::regclass::oid AS oid`)).rows[0]!.oid);
}

/** id -> row text of a target table, read as PostgreSQL or MariaDB text */
async function targetRows(target: 'postgres' | 'mariadb', schema: string, sql: (t: string) => string, table: string): Promise<Map<string, string>> {
  if (target === 'postgres') {
    const r = await dst.query<{ id: string; v: string }>(sql(`${schema}.${table}`));
    return new Map(r.rows.map((x) => [String(x.id), String(x.v)]));
  }
  const [rows] = await my.query<RowDataPacket[]>(sql(`${schema}.${table}`));
  return new Map(rows.map((x) => [String(x.id), String(x.v)]));
}

async function sourceRows(sql: string): Promise<Map<string, string>> {
  const r = await src.query<{ id: string; v: string }>(sql);
  return new Map(r.rows.map((x) => [String(x.id), String(x.v)]));
}

/** The target's rows with the slot's changes applied, for a table (id, v) whose pgoutput rows are [id, v] */
function replay(rows: Map<string, string>, changes: { op: 'I' | 'U' | 'D'; row: (string | null)[] }[]): Map<string, string> {
  const out = new Map(rows);
  for (const c of changes) {
    const id = String(c.row[0]);
    if (c.op === 'D') out.delete(id);
    else out.set(id, String(c.row[1]));
  }
  return out;
}

async function seqid(target: 'postgres' | 'mariadb', schema: string): Promise<{ table: string; pos: string; status: string; chunks: ChunksDone }[]> {
  if (target === 'postgres') {
    const r = await dst.query<{ table_name: string; pos: string; status: string; chunks_done: string }>(`SELECT table_name, pos, status, chunks_done FROM ${SYS}.dmhs_table_seqid WHERE schema_name = $1 ORDER BY table_name`, [schema]);
    return r.rows.map((x) => ({ table: x.table_name, pos: x.pos, status: x.status, chunks: JSON.parse(x.chunks_done) as ChunksDone }));
  }
  const [rows] = await my.query<RowDataPacket[]>(`SELECT TABLE_NAME AS t, POS AS pos, STATUS AS status, CHUNKS_DONE AS c FROM ${SYS}.DMHS_TABLE_SEQID WHERE SCHEMA_NAME = ? ORDER BY TABLE_NAME`, [schema]);
  return rows.map((x) => ({ table: String(x.t), pos: String(x.pos), status: String(x.status), chunks: JSON.parse(String(x.c)) as ChunksDone }));
}

/** `synctl verify --rows` in-process, its report whatever the outcome */
async function verifyReport(config: string, condition: string): Promise<VerifyReport> {
  let report: VerifyReport | undefined;
  await verifyCommand({ config, condition, rows: true, out: () => undefined, onReport: (r) => (report = r) });
  return report!;
}

async function slotPoint(slot: string): Promise<string | undefined> {
  const r = await src.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return r.rows[0]?.lsn;
}

beforeAll(async () => {
  requireBuiltCli();
  await createDatabase('postgres', SRC);
  await createDatabase('postgres', PGDB);
  await createDatabase('mariadb', MYDB);
  src = await pgConnect({ database: SRC });
  dst = await pgConnect({ database: PGDB });
  my = await mariaConnect({ database: MYDB });
  await src.query('CREATE SCHEMA app');
  await src.query(`CREATE TABLE app.t_types (
    id int PRIMARY KEY, n numeric(12,2), nn numeric, ts timestamptz, tsn timestamp(3), d date, tm time, b bytea, j jsonb, js json,
    flag boolean, f8 float8, f4 real, big bigint, sm smallint, txt text, vc varchar(20), ch char(5), u uuid, arr int[], tarr text[],
    g int GENERATED ALWAYS AS (id * 2) STORED)`);
  await src.query('CREATE INDEX t_types_vc ON app.t_types (vc)');
  await src.query(`INSERT INTO app.t_types
    SELECT i, i * 1.25 - 100, i::numeric / 7, timestamptz '2024-03-01 12:00:00.123456+02' + i * interval '1 hour 17 min 3.5 s',
           timestamp '1999-12-31 23:59:59.999' + i * interval '1 day', date '2000-02-28' + i, time '00:00:01.5' + i * interval '1 min',
           decode(lpad(to_hex(i), 8, '0') || '00ff5c0a09', 'hex'),
           jsonb_build object('i', i, 'name', 'n' || i, 'tags', jsonb_build_array(i, 'x', NULL)),
           json_build_object('k', i),
           i % 2 = 0, i / 3.0, i / 7.0, -9007199254740993 * (i % 3 - 1), (i % 32000)::smallint,
           'line ' || i || E'\\ttab\\nnew\\\\back \\u00e9\\u4e2d', 'v' || i, 'c' || (i % 100),
           md5(i::text)::uuid, ARRAY[i, i + 1, NULL], ARRAY['a b', 'q"uote', NULL]
      FROM generate_series(1, 300) i`.replace('jsonb_build object', 'jsonb_build_object'));
  await src.query('INSERT INTO app.t_types (id) VALUES (0)');
  await src.query('CREATE TABLE app.t_keyless (a int, "Odd Col" text)');
  await src.query("INSERT INTO app.t_keyless SELECT i % 50, 'row ' || (i % 50) FROM generate_series(1, 400) i");
  await src.query('CREATE TABLE app.ev (id bigserial PRIMARY KEY, v int NOT NULL)');
  await src.query(`INSERT INTO app.ev (v) SELECT i FROM generate_series(1, ${EV_ROWS}) i`);
  await src.query('CREATE TABLE app.acct (id int PRIMARY KEY, bal int NOT NULL)');
  await src.query(`INSERT INTO app.acct SELECT i, 100 FROM generate_series(1, ${ACCT_ROWS}) i`);
  // 600 kB of 3-byte characters: the dump's pipe chunks end inside characters
  await src.query('CREATE TABLE app.wide (id int PRIMARY KEY, s text NOT NULL)');
  await src.query("INSERT INTO app.wide SELECT i, repeat('中', 100) || i FROM generate_series(1, 2000) i");
  await src.query('CREATE TABLE app.big (id int PRIMARY KEY, pad text NOT NULL)');
  await src.query(`INSERT INTO app.big SELECT i, repeat('x', 40) FROM generate_series(1, ${BIG_ROWS}) i`);
  await src.query('ANALYZE');
}, 120_000);

afterAll(async () => {
  await src?.end();
  await dst?.end();
  await my?.end();
  await dropDatabase('postgres', SRC);
  await dropDatabase('postgres', PGDB);
  await dropDatabase('mariadb', MYDB);
  await dropDatabase('mariadb', 'onl_my');
});

const ONLINE = "SCH.NAME='app' AND TAB.NAME IN ('t_types', 't_keyless', 'ev', 'acct')";

describe.each([
  // exec's type map applies to the tables copy creates: a column item, a type item
  ['postgres', 'onl_pg', 'pgsrc_slot_pg', 'onl_pg.t_types.vc == text', 'text'],
  ['mariadb', 'onl_my', 'pgsrc_slot_my', 'uuid == varchar(40)', 'varchar(40)'],
] as const)('PG -> %s while the source writes', (target, schema, slot, typeMap, mapped) => {
  test('CREATE|INSERT|INDEX: consistent at the slot consistent_point, POS recorded, equal', async () => {
    const config = site(`online-${target}`, { target, dst: schema, slot, typeMap: [typeMap] });
    const writer = startWriter();
    let report;
    try {
      // small chunks and THREAD|6 (app.ev read in key ranges at the one snapshot), so the writer commits throughout
      report = await copyReport(config, ONLINE, 'CREATE|INSERT|INDEX|ROWS|1000|THREAD|6');
      // a few more writes, so the slot surely holds updates and deletes after the point
      const n = writer.writes();
      while (writer.writes() < n + 30) await new Promise((r) => setTimeout(r, 10));
    } finally {
      const writes = await writer.stop();
      expect(writes).toBeGreaterThan(20);
    }
    const point = await slotPoint(slot);
    expect(point).toBeDefined();
    // every table at the slot's consistent point, done
    const rows = await seqid(target, schema);
    expect(rows.map((r) => r.table).sort()).toEqual(['acct', 'ev', 't_keyless', 't_types']);
    for (const r of rows) {
      expect(r.status).toBe('done');
      expect(r.pos).toBe(`pg:${point}`);
    }
    expect(report.tables.every((t) => t.position === `pg:${point}`)).toBe(true);

    // the target plus the slot's changes after the consistent point is the source, for the written tables
    const pub = `${slot}_pub`;
    const evSql = (t: string): string => `SELECT id, v FROM ${t}`;
    const evTarget = await targetRows(target, schema, evSql, 'ev');
    const evSlot = await slotChanges(slot, pub, await relid('app.ev'));
    expect(evSlot.length).toBeGreaterThan(0);
    for (const c of evSlot) expect(evTarget.has(String(c.row[0]))).toBe(false); // disjoint: no insert after the point is in the copy
    expect(replay(evTarget, evSlot)).toEqual(await sourceRows(evSql('app.ev')));
    const acctSql = (t: string): string => `SELECT id, bal AS v FROM ${t}`;
    const acctTarget = await targetRows(target, schema, acctSql, 'acct');
    const acctSlot = await slotChanges(slot, pub, await relid('app.acct'));
    expect(acctSlot.some((c) => c.op === 'U') && acctSlot.some((c) => c.op === 'D')).toBe(true);
    expect(replay(acctTarget, acctSlot)).toEqual(await sourceRows(acctSql('app.acct')));

    if (target === 'postgres') {
      const r = await dst.query<{ t: string }>("SELECT data_type AS t FROM information_schema.columns WHERE table_schema = $1 AND table_name = 't_types' AND column_name = 'vc'", [schema]);
      expect(r.rows[0]?.t).toBe(mapped);
    } else {
      const [r] = await my.query<RowDataPacket[]>("SELECT COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_types' AND COLUMN_NAME = 'u'", [schema]);
      expect(String(r[0]?.t)).toBe(mapped);
    }

    // the tables nobody writes: equal, every type
    const still = "SCH.NAME='app' AND TAB.NAME IN ('t_types', 't_keyless')";
    if (target === 'postgres') {
      await verifyEqual(config, still);
      return;
    }
    // verify prints a MariaDB FLOAT with 6 digits, a PostgreSQL real with 9: f4 is compared as doubles here
    const v = await verifyReport(config, still);
    for (const t of v.tables) {
      expect([t.status, t.missingOnTarget, t.extraOnTarget]).toEqual(['compared', 0, 0]);
      expect(t.differingColumns.filter((c) => c !== 'f4')).toEqual([]);
    }
    // as float32 values (MariaDB's CAST(float AS DOUBLE) may miss the last digit of the double)
    const asNumbers = (m: Map<string, string>): Map<string, string> => new Map([...m].map(([k, x]) => [k, x === 'null' ? x : String(Math.fround(Number(x)))]));
    const f4 = await targetRows('mariadb', schema, (t) => `SELECT id, CAST(f4 AS DOUBLE) AS v FROM ${t}`, 't_types');
    expect(asNumbers(f4)).toEqual(asNumbers(await sourceRows('SELECT id, f4::float8 AS v FROM app.t_types')));
  }, 180_000);
});

test('BACKUP PG -> PG with the slot existing: pg_dump at a temporary slot snapshot, schema renamed, equal, POS recorded', async () => {
  const slot = 'pgsrc_slot_bk';
  // the slot exists (as after a first copy): this run reads at a temporary slot of its own
  await src.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  const before = await slotPoint(slot);
  const config = site('backup', { target: 'postgres', dst: 'bk', slot });
  const cond = "SCH.NAME='app' AND TAB.NAME IN ('t_types', 't_keyless', 'acct', 'wide')";
  const report = await copyReport(config, cond, 'BACKUP');
  expect(report.tables.map((t) => t.target).sort()).toEqual(['bk.acct', 'bk.t_keyless', 'bk.t_types', 'bk.wide']);
  await verifyEqual(config, cond);
  const rows = await seqid('postgres', 'bk');
  expect(new Set(rows.map((r) => r.pos)).size).toBe(1);
  for (const r of rows) expect(r.status).toBe('done');
  const pos = rows[0]!.pos;
  expect(pos).toMatch(/^pg:[0-9A-F]+\/[0-9A-F]+$/);
  // the temporary slot's point: after the permanent slot's, which it leaves where it was
  const lsn = (s: string): bigint => {
    const [hi, lo] = s.replace(/^pg:/, '').split('/');
    return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
  };
  expect(lsn(pos) >= lsn(before!)).toBe(true);
  expect(await slotPoint(slot)).toBe(before);
  const temp = await src.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'pgsrc\\_slot\\_bk\\_%'");
  expect(temp.rows).toEqual([]);
  // the tables are in the publication capture will read
  const pub = await src.query<{ t: string }>('SELECT tablename AS t FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [`${slot}_pub`]);
  expect(pub.rows.map((r) => r.t)).toEqual(['acct', 't_keyless', 't_types', 'wide']);
}, 120_000);

test('a load SIGKILLed half-way, then CONTINUE: equal, POS kept, every row inserted once', async () => {
  const slot = 'pgsrc_slot_kill';
  const config = site('kill', { target: 'postgres', dst: 'kl', slot });
  const cond = "SCH.NAME='app' AND TAB.NAME = 'big'";
  await copyReport(config, cond, 'DROP|CREATE');
  // count the rows inserted into the target, in the chunks' own transactions
  await dst.query('CREATE TABLE kl.ins_count (n bigint NOT NULL)');
  await dst.query('INSERT INTO kl.ins_count VALUES (0)');
  await dst.query(`CREATE FUNCTION kl.count_ins() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE kl.ins_count SET n = n + (SELECT count(*) FROM new_rows); RETURN NULL; END $$`);
  await dst.query('CREATE TRIGGER count_ins AFTER INSERT ON kl.big REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kl.count_ins()');

  const proc = new SynctlProcess(['copy', '0', cond, 'INSERT|ROWS|2000|THREAD|1', '-c', config]);
  for (;;) {
    const r = await seqid('postgres', 'kl').catch(() => []);
    if ((r[0]?.chunks.chunks ?? 0) >= 3) break;
    if (proc.child.exitCode !== null) throw new Error(`the load finished before it could be killed:\n${proc.stderr}`);
    await new Promise((res) => setTimeout(res, 10));
  }
  await proc.kill('SIGKILL');
  const [killed] = await seqid('postgres', 'kl');
  expect(killed!.status).toBe('loading');
  expect(killed!.pos).toBe(`pg:${await slotPoint(slot)}`);
  const committed = Number((await dst.query<{ n: string }>('SELECT count(*) AS n FROM kl.big')).rows[0]!.n);
  expect(committed).toBe(killed!.chunks.rows);
  expect(committed).toBeLessThan(BIG_ROWS);

  const report = await copyReport(config, cond, 'INSERT|CONTINUE|ROWS|2000');
  const t = report.tables[0]!;
  expect(t.chunksBefore).toBe(killed!.chunks.chunks);
  expect(t.rowsBefore + t.rows).toBe(BIG_ROWS);
  expect(t.position).toBe(killed!.pos);
  const [done] = await seqid('postgres', 'kl');
  expect([done!.status, done!.pos]).toEqual(['done', killed!.pos]);
  expect(Number((await dst.query<{ n: string }>('SELECT n FROM kl.ins_count')).rows[0]!.n)).toBe(BIG_ROWS);
  await verifyEqual(config, cond);
}, 120_000);

test('a user without REPLICATION: one line naming the fix, nothing announced on the target', async () => {
  await src.query('DROP ROLE IF EXISTS pgsrc_norepl');
  await src.query("CREATE ROLE pgsrc_norepl LOGIN PASSWORD 'np'");
  await src.query('GRANT USAGE ON SCHEMA app TO pgsrc_norepl');
  await src.query('GRANT SELECT ON ALL TABLES IN SCHEMA app TO pgsrc_norepl');
  try {
    const config = site('norepl', { target: 'postgres', dst: 'nr', slot: 'pgsrc_slot_nr', user: { name: 'pgsrc_norepl', password: 'np' } });
    const run = await runSynctl(['copy', '0', "SCH.NAME='app' AND TAB.NAME = 't_keyless'", 'CREATE|INSERT', '-c', config]);
    expect(run.code).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/dmhs\/cpt\/db_user: pgsrc_norepl .* has no REPLICATION attribute: .*ALTER ROLE "pgsrc_norepl" REPLICATION/);
    expect(await seqid('postgres', 'nr').catch(() => [])).toEqual([]);
    expect((await dst.query("SELECT 1 FROM pg_namespace WHERE nspname = 'nr'")).rows).toEqual([]);
  } finally {
    await src.query('DROP OWNED BY pgsrc_norepl');
    await src.query('DROP ROLE pgsrc_norepl');
  }
}, 60_000);

test('a slot of that name that capture cannot use: one line, nothing announced', async () => {
  await src.query("SELECT pg_create_logical_replication_slot('pgsrc_slot_td', 'test_decoding')");
  const config = site('slot-td', { target: 'postgres', dst: 'td', slot: 'pgsrc_slot_td' });
  const run = await runSynctl(['copy', '0', "SCH.NAME='app' AND TAB.NAME = 't_keyless'", 'CREATE|INSERT', '-c', config]);
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/dmhs\/cpt\/slot_name: slot pgsrc_slot_td exists but is a logical slot of test_decoding .*capture needs a logical pgoutput slot/);
  expect(await seqid('postgres', 'td').catch(() => [])).toEqual([]);
}, 60_000);
