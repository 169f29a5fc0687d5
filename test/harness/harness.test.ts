/**
 * The harness itself: the private servers that globalSetup started really log what replication
 * needs (MariaDB row binlog with GTIDs, PostgreSQL logical WAL), and sysbench can drive MariaDB.
 */

import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Client } from 'pg';
import { createDatabase, dropDatabase, harness, mariaConnect, pgConnect, runSysbench } from './index';

const suffix = `${process.pid}_${Date.now().toString(36)}`;

describe('harness facts', () => {
  it('describes two private servers, not the system services', () => {
    const h = harness();
    expect(h.mariadb.host).toBe('127.0.0.1');
    expect(h.postgres.host).toBe('127.0.0.1');
    expect(h.mariadb.port).not.toBe(3306);
    expect(h.postgres.port).not.toBe(5432);
    expect(h.mariadb.socket.startsWith(h.tmpDir)).toBe(true);
    expect(h.mariadb.dataDir.startsWith(h.tmpDir)).toBe(true);
    expect(h.postgres.dataDir.startsWith(h.tmpDir)).toBe(true);
    expect(h.mariadb.database).toBe('synctl_test');
    expect(h.postgres.database).toBe('synctl_test');
    expect(h.mariadb.password.length).toBeGreaterThan(8);
    expect(h.postgres.password.length).toBeGreaterThan(8);
  });
});

describe('MariaDB', () => {
  const db = `harness_m_${suffix}`;
  let conn: Connection;

  beforeAll(async () => {
    await createDatabase('mariadb', db);
    conn = await mariaConnect({ database: db });
  });
  afterAll(async () => {
    await conn?.end();
    await dropDatabase('mariadb', db);
  });

  it('rejects a wrong password (password auth is real)', async () => {
    const h = harness().mariadb;
    const mysql = await import('mysql2/promise');
    await expect(
      mysql.createConnection({ host: h.host, port: h.port, user: h.user, password: 'wrong', database: h.database }),
    ).rejects.toThrow(/Access denied/);
  });

  it('has row-based binlog with strict GTIDs', async () => {
    const [rows] = await conn.query<RowDataPacket[]>(
      "SHOW VARIABLES WHERE Variable_name IN ('log_bin','binlog_format','binlog_row_image','gtid_strict_mode','server_id','log_slave_updates','binlog_checksum','log_bin_basename','port','local_infile')",
    );
    const v = Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
    expect(v).toMatchObject({
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      gtid_strict_mode: 'ON',
      server_id: '1',
      log_slave_updates: 'ON',
      binlog_checksum: 'CRC32',
      local_infile: 'ON',
      port: String(harness().mariadb.port),
      log_bin_basename: harness().mariadb.binlogBasename,
    });
  });

  it('writes Write_rows events for an insert and advances the GTID position', async () => {
    const [[before]] = await conn.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS pos');
    const [[status]] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const file = String(status!.File);
    const pos = Number(status!.Position);

    await conn.query('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB');
    await conn.query("INSERT INTO t VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma')");

    const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.map((l) => String(l.Log_name))).toContain(file);
    expect(file.startsWith('mariadb-bin.')).toBe(true);

    const [events] = await conn.query<RowDataPacket[]>(`SHOW BINLOG EVENTS IN '${file}' FROM ${pos}`);
    const types = events.map((e) => String(e.Event_type));
    expect(types).toContain('Gtid');
    expect(types).toContain('Table_map');
    expect(types.some((t) => /^Write_rows/.test(t))).toBe(true);
    const tableMap = events.find((e) => e.Event_type === 'Table_map');
    expect(String(tableMap!.Info)).toContain(`(${db}.t)`);

    const [[after]] = await conn.query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS pos');
    expect(String(after!.pos)).toMatch(/^0-1-\d+$/);
    expect(String(after!.pos)).not.toBe(String(before!.pos));
    const seq = (p: string): number => (p ? Number(p.split('-')[2]) : 0);
    expect(seq(String(after!.pos))).toBeGreaterThanOrEqual(seq(String(before!.pos)) + 2); // DDL + insert
  });
});

describe('PostgreSQL', () => {
  const db = `harness_p_${suffix}`;
  const slot = `t_${suffix}`;
  let client: Client;

  beforeAll(async () => {
    await createDatabase('postgres', db);
    client = await pgConnect({ database: db });
  });
  afterAll(async () => {
    await client?.end();
    await dropDatabase('postgres', db);
  });

  it('rejects a wrong password (password auth is real)', async () => {
    const h = harness().postgres;
    const pg = await import('pg');
    const c = new pg.Client({ host: h.host, port: h.port, user: h.user, password: 'wrong', database: h.database, ssl: false });
    await expect(c.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('runs with logical WAL and the test settings', async () => {
    const r = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level','max_replication_slots','max_wal_senders','port','fsync','listen_addresses','synchronous_commit')",
    );
    const v = Object.fromEntries(r.rows.map((x) => [x.name, x.setting]));
    expect(v).toMatchObject({
      wal_level: 'logical',
      max_replication_slots: '20',
      max_wal_senders: '20',
      fsync: 'off',
      synchronous_commit: 'on', // logical decoding only sees flushed WAL
      listen_addresses: '127.0.0.1',
      port: String(harness().postgres.port),
    });
  });

  it('decodes an insert through a logical slot', async () => {
    await client.query('CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)');
    await client.query('CREATE PUBLICATION harness_pub FOR TABLE t');
    await client.query("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot]);
    try {
      await client.query("INSERT INTO t VALUES (1, 'alpha'), (2, 'beta')");
      const r = await client.query<{ data: string }>('SELECT data FROM pg_logical_slot_get_changes($1, NULL, NULL)', [slot]);
      const data = r.rows.map((x) => x.data);
      expect(data.some((d) => d.startsWith('BEGIN'))).toBe(true);
      expect(data).toContain("table public.t: INSERT: id[integer]:1 name[text]:'alpha'");
      expect(data).toContain("table public.t: INSERT: id[integer]:2 name[text]:'beta'");
      expect(data.some((d) => d.startsWith('COMMIT'))).toBe(true);
    } finally {
      await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    }
  });

  it('accepts a replication connection (IDENTIFY_SYSTEM)', async () => {
    const repl = await pgConnect({ database: db, replication: 'database' });
    try {
      const r = await repl.query<{ systemid: string; timeline: string; xlogpos: string; dbname: string }>('IDENTIFY_SYSTEM');
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0]!.dbname).toBe(db);
      expect(r.rows[0]!.xlogpos).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(Number(r.rows[0]!.timeline)).toBe(1);
    } finally {
      await repl.end();
    }
  });
});

describe('sysbench', () => {
  const db = `harness_sb_${suffix}`;
  const base = { test: 'oltp_write_only' as const, database: db, tables: 2, tableSize: 1000 };

  beforeAll(async () => {
    await createDatabase('mariadb', db);
  });
  afterAll(async () => {
    await dropDatabase('mariadb', db);
  });

  it('prepares, runs oltp_write_only for 3 s and cleans up', async () => {
    await runSysbench({ ...base, threads: 2, phase: 'prepare' });
    const conn = await mariaConnect({ database: db });
    try {
      const counts = async (): Promise<number[]> => {
        const out: number[] = [];
        for (const t of ['sbtest1', 'sbtest2']) {
          const [[r]] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${t}`);
          out.push(Number(r!.n));
        }
        return out;
      };
      expect(await counts()).toEqual([1000, 1000]);

      const res = await runSysbench({ ...base, threads: 2, time: 3, phase: 'run' });
      expect(res.transactions).toBeGreaterThan(0);
      expect(res.queries).toBeGreaterThan(res.transactions);
      // "ignored errors" are deadlocks sysbench retries; they happen on tables this small
      expect(res.errors).toBeLessThan(res.transactions);
      expect(res.totalTime).toBeGreaterThan(2);
      expect(res.totalTime).toBeLessThan(10);
      // oltp_write_only deletes and re-inserts the same id: row counts are unchanged
      expect(await counts()).toEqual([1000, 1000]);

      await runSysbench({ ...base, threads: 2, phase: 'cleanup' });
      const [tables] = await conn.query<RowDataPacket[]>('SHOW TABLES');
      expect(tables).toHaveLength(0);
    } finally {
      await conn.end();
    }
  });
});
