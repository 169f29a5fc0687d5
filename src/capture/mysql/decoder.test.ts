import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSynctlError } from '../../errors';
import { UNCHANGED } from '../../model/value';
import type { ColumnValueDecoder } from './column';
import { BinlogDecoder } from './decoder';
import { EventType, eventTypeName, isBegin, nextPosition, type BinlogEvent } from './events';
import { binlogPath, corpus, corpusBinlogs, flatten, readAll, removeTempDir, tempDir } from '../../../test/support/corpora';
import { rawValueDecoder } from './value-length';

afterAll(removeTempDir);

interface ScanEntry {
  readonly events: number;
  readonly event_types: Record<string, number>;
  readonly server_versions: readonly string[];
}

const scan = JSON.parse(fs.readFileSync(corpus('binlog-scan.json'), 'utf8')) as Record<string, ScanEntry>;

/** Files whose decoding must stop with a WIRE_DECODE error naming file and offset. */
const MUST_ERROR: Record<string, { offset: number; before: number; match: RegExp }> = {
  'mysql-found/rust_mysql_common/corrupt-relay-bin.000624': { offset: 91204, before: 872, match: /QUERY event at offset 91204/ },
  'mysql-found/rust_mysql_common/binlog_truncated_prev_gtid_event.000001': { offset: 120, before: 1, match: /truncated event at offset 120/ },
  'mysql-found/rust_mysql_common/binlog_truncated_event.000001': { offset: 4, before: 0, match: /truncated event at offset 4/ },
};

/**
 * The MySQL 5.1 alcatel-tree files number events differently; the scan counts raw codes.
 * Raw 16-22 there mean TABLE_MAP, PRE_GA_WRITE/UPDATE/DELETE_ROWS, XID, BEGIN/EXECUTE_LOAD_QUERY.
 */
const ALCATEL: Record<string, string> = {
  XID: 'TABLE_MAP',
  BEGIN_LOAD_QUERY: 'PRE_GA_WRITE_ROWS',
  EXECUTE_LOAD_QUERY: 'PRE_GA_UPDATE_ROWS',
  TABLE_MAP: 'PRE_GA_DELETE_ROWS',
  PRE_GA_WRITE_ROWS: 'XID',
  PRE_GA_UPDATE_ROWS: 'BEGIN_LOAD_QUERY',
  PRE_GA_DELETE_ROWS: 'EXECUTE_LOAD_QUERY',
};

function countTypes(events: readonly BinlogEvent[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const e of events) {
    const n = eventTypeName(e.header.typeCode);
    c[n] = (c[n] ?? 0) + 1;
  }
  return c;
}

function expectedCounts(rel: string): Record<string, number> {
  const s = scan[rel]!;
  if (!s.server_versions.some((v) => /-a_drop/.test(v))) return s.event_types;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.event_types)) out[ALCATEL[k] ?? k] = v;
  return out;
}

async function eventsOf(rel: string, decodeValue?: ColumnValueDecoder): Promise<BinlogEvent[]> {
  const r = await readAll(binlogPath(rel), decodeValue);
  if (r.error) throw r.error;
  return r.items.map((i) => i.event);
}

describe('every corpus binlog decodes end to end', () => {
  const files = corpusBinlogs();

  test('the corpus list is complete', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  test.each(files.filter((f) => !(f in MUST_ERROR)))('%s: event-type counts equal binlog-scan.json', async (rel) => {
    const r = await readAll(binlogPath(rel));
    expect(r.error).toBeUndefined();
    const events = r.items.map((i) => i.event);
    expect(events.length).toBe(scan[rel]!.events);
    expect(countTypes(events)).toEqual(expectedCounts(rel));
    // positions chain: each event starts where the previous ended
    let pos = 4;
    for (const it of r.items) {
      expect(it.offset).toBe(pos);
      pos = it.nextPos;
      expect(it.event.header.offset).toBe(it.offset);
    }
    expect(pos).toBe(fs.statSync(binlogPath(rel)).size);
  });

  test.each(Object.keys(MUST_ERROR))('%s: fails cleanly with a SynctlError naming file and offset', async (rel) => {
    const want = MUST_ERROR[rel]!;
    const r = await readAll(binlogPath(rel));
    expect(r.items.length).toBe(want.before);
    expect(isSynctlError(r.error, 'WIRE_DECODE')).toBe(true);
    const msg = (r.error as Error).message;
    expect(msg).toContain(path.basename(rel));
    expect(msg).toMatch(want.match);
  });

  const realValues = path.join(__dirname, 'values', 'index.ts');
  (fs.existsSync(realValues) ? test : test.skip)('with the real value decoder (src/capture/mysql/values) when it exists', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./values') as { readColumnValue: ColumnValueDecoder };
    for (const rel of files.filter((f) => !(f in MUST_ERROR))) {
      const events = await eventsOf(rel, mod.readColumnValue);
      expect([rel, events.length]).toEqual([rel, scan[rel]!.events]);
    }
  });
});

describe('pre-GA rows (MySQL 5.1 alcatel tree, permuted event numbers)', () => {
  test('ver_5_1-wl2325_r.001 row images match the script (insert, update a=a+1, delete a=2)', async () => {
    const rows = (await eventsOf('mysql-found/rust_mysql_common/ver_5_1-wl2325_r.001')).filter((e) => e.kind === 'rows');
    const hex = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('hex') : String(v));
    expect(rows.map((e) => [e.action, e.rows.map((r) => [r.before?.map(hex), r.after?.map(hex)])])).toEqual([
      ['insert', [[undefined, ['00000000', '036f6e65']], [undefined, ['01000000', '0374776f']]]],
      ['update', [[['00000000', '036f6e65'], ['01000000', '036f6e65']], [['01000000', '0374776f'], ['02000000', '0374776f']]]],
      ['delete', [[['02000000', '0374776f'], undefined]]],
    ]);
  });
});

describe('CRC32', () => {
  test('a flipped byte in a CRC32 file gives an error naming file and offset', async () => {
    const src = binlogPath('mysql-found/shyiko/mysql-bin.checksum-crc32');
    const copy = path.join(tempDir(), 'crc-flip-bin.000001');
    const bytes = fs.readFileSync(src);
    const first = await readAll(src);
    const victim = first.items[10]!; // some event well inside the file
    bytes[victim.offset + 25] = bytes[victim.offset + 25]! ^ 0x40;
    fs.writeFileSync(copy, bytes);
    const r = await readAll(copy);
    expect(r.items.length).toBe(10);
    expect(isSynctlError(r.error, 'WIRE_DECODE')).toBe(true);
    expect((r.error as Error).message).toBe(
      `crc-flip-bin.000001: event at offset ${victim.offset}: ${/CRC32 mismatch \(.*\)/.exec((r.error as Error).message)![0]}`,
    );
  });

  test('the FDE checksum is computed with LOG_EVENT_BINLOG_IN_USE_F cleared', async () => {
    // mariadb-bin.000001 was copied while open: its FDE has the in-use flag set
    const events = await eventsOf('mysql-found/rust_mysql_common/mariadb-bin.000001');
    expect(events[0]!.kind).toBe('formatDescription');
    expect(events[0]!.header.flags & 1).toBe(1);
    expect(events[0]!.kind === 'formatDescription' && events[0]!.checksumAlg).toBe('crc32');
  });
});

describe('GTIDs', () => {
  test('MySQL 9.6 tagged GTID: tag mytag, gno 3; PREVIOUS_GTIDS with tags', async () => {
    const events = await eventsOf('mysql-found/rust_mysql_common/binlog_transaction_with_GTID_TAG.000001');
    const g = events.find((e) => e.kind === 'gtid');
    expect(g).toMatchObject({ uuid: '55778904-0299-11f1-b1b8-4ef0c4956feb', tag: 'mytag', gno: 3n });
    expect(g!.header.typeCode).toBe(EventType.GTID_TAGGED);
    const p = events.find((e) => e.kind === 'previousGtids');
    expect(p).toMatchObject({
      sets: [
        { uuid: '55778904-0299-11f1-b1b8-4ef0c4956feb', tag: '', intervals: [{ start: 1n, end: 14n }] },
        { uuid: '55778904-0299-11f1-b1b8-4ef0c4956feb', tag: 'mytag', intervals: [{ start: 1n, end: 3n }] },
      ],
    });
  });

  test('untagged PREVIOUS_GTIDS (8.0.40)', async () => {
    const events = await eventsOf('mysql-found/rust_mysql_common/binlog_transaction_previous_GTID_no_tag.000001');
    expect(events.find((e) => e.kind === 'previousGtids')).toMatchObject({
      sets: [{ uuid: 'b9b88c66-0755-11f1-9899-4a9da94c4d71', tag: '', intervals: [{ start: 1n, end: 3n }] }],
    });
  });

  test('MariaDB mariadb-bin.000001: GTID_LIST, CHECKPOINT, GTIDs 0-1-1 and 0-1-2', async () => {
    const events = await eventsOf('mysql-found/rust_mysql_common/mariadb-bin.000001');
    expect(events.filter((e) => e.kind === 'mariaGtid').map((e) => e.kind === 'mariaGtid' && e.gtid)).toEqual(['0-1-1', '0-1-2']);
    expect(events.find((e) => e.kind === 'binlogCheckpoint')).toMatchObject({ file: 'mariadb-bin.000001' });
    expect(events.find((e) => e.kind === 'mariaGtidList')).toMatchObject({ gtids: [] });
    const g = events.find((e) => e.kind === 'mariaGtid');
    expect(g).toMatchObject({ domainId: 0, serverId: 1, seqNo: 1n, standalone: false });
  });

  test('MariaDB standalone (DDL) GTIDs and XA GTIDs (mariadb-bin.000006)', async () => {
    const events = await eventsOf('generated/mariadb-10.11-datatypes/mariadb-bin.000006');
    const gtids = events.filter((e) => e.kind === 'mariaGtid');
    expect(gtids.some((g) => g.standalone)).toBe(true);
    expect(gtids.some((g) => g.xa !== undefined)).toBe(true);
    expect(events.filter((e) => e.kind === 'xaPrepare').length).toBe(2);
  });

  test('percona 8.0.45: GTID positions and gnos; anonymous variant at the same positions', async () => {
    const gtid = await readAll(binlogPath('mysql-found/percona-8.0.45/gtid-binlog.000001'));
    const anon = await readAll(binlogPath('mysql-found/percona-8.0.45/position-binlog.000001'));
    const g = gtid.items.filter((i) => i.event.kind === 'gtid');
    const a = anon.items.filter((i) => i.event.kind === 'anonymousGtid');
    expect(g.map((i) => i.event.kind === 'gtid' && i.event.gno)).toEqual([1n, 2n, 3n, 4n]);
    expect(g.map((i) => i.offset)).toEqual(a.map((i) => i.offset));
    for (const it of g) expect(nextPosition(it.event.header)).toBe(it.nextPos);
    const inserts = gtid.items.filter((i) => i.event.kind === 'rows');
    expect(inserts.length).toBe(6);
  });
});

describe('TRANSACTION_PAYLOAD (zstd)', () => {
  test.each(['mysql-found/rust_mysql_common/transaction_compression.000001', 'mysql-found/apecloud/mysql-bin.000057'])(
    '%s unpacks to QUERY, TABLE_MAP, WRITE_ROWS, XID',
    async (rel) => {
      const events = await eventsOf(rel);
      const payloads = events.filter((e) => e.kind === 'transactionPayload');
      expect(payloads.length).toBeGreaterThan(0);
      for (const p of payloads) {
        const kinds = p.events.map((e) => e.kind);
        expect(kinds[0]).toBe('query');
        expect(kinds).toContain('tableMap');
        expect(kinds).toContain('rows');
        expect(kinds[kinds.length - 1]).toBe('xid');
        for (const e of p.events) expect(e.header.offset).toBe(p.header.offset);
      }
      expect(flatten(events).filter((e) => e.kind === 'rows').every((e) => e.kind === 'rows' && e.rows.length > 0)).toBe(true);
    },
  );
});

describe('TABLE_MAP optional metadata', () => {
  test('binlog-invisible-columns: names, signedness, charsets, visibility', async () => {
    const maps = (await eventsOf('mysql-found/rust_mysql_common/binlog-invisible-columns.000001')).filter((e) => e.kind === 'tableMap');
    const t = maps[maps.length - 1]!;
    expect(t.columns.map((c) => c.name)).toEqual(['f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    expect(t.visibility).toEqual([false, false, true, true, true, false]);
    expect(t.columns.map((c) => c.unsigned)).toEqual([true, true, false, false, false, true]);
    expect(t.columns[3]).toMatchObject({ collation: 255, charset: 'utf8mb4' });
    expect(t.columns[4]).toMatchObject({ collation: 63, charset: 'binary' });
  });

  test('mariadb-bin.000001: column names and collations (rust_mysql_common expectations)', async () => {
    const exp = JSON.parse(fs.readFileSync(corpus('expected/rust_mysql_common.expectations.json'), 'utf8')) as Record<
      string,
      { column_names?: string[] }
    >;
    const want = exp['mariadb-bin.000001 (MariaDB 10.5.15, binlog_row_metadata=FULL)']!;
    const t = (await eventsOf('mysql-found/rust_mysql_common/mariadb-bin.000001')).find((e) => e.kind === 'tableMap')!;
    expect(`${t.schema}.${t.table}`).toBe('toddy_test.outbox');
    expect(t.columns.map((c) => c.name)).toEqual(want.column_names);
    expect(t.columns.map((c) => c.collation)).toEqual([undefined, 45, 45, 63, undefined]);
    expect(t.primaryKey).toEqual([{ index: 0, prefix: 0 }]);
    expect(t.columns[2]).toMatchObject({ type: 247, length: 1, enumValues: ['BLOB', 'JSON', 'PROTOBUF'] });
  });

  test('vector.binlog: VECTOR dimensionality', async () => {
    const maps = (await eventsOf('mysql-found/rust_mysql_common/vector.binlog')).filter((e) => e.kind === 'tableMap');
    expect(maps.find((m) => m.table === 'foo')!.columns[1]).toMatchObject({ type: 242, vectorDimensions: 3 });
    expect(maps.find((m) => m.table === 'bar')!.columns.map((c) => c.vectorDimensions)).toEqual([undefined, 2, undefined, 4]);
  });

  test('mysql-enum-string-set: STRING real types ENUM/SET from metadata', async () => {
    const maps = (await eventsOf('mysql-found/rust_mysql_common/mysql-enum-string-set.000001')).filter((e) => e.kind === 'tableMap');
    const types = maps[0]!.columns.map((c) => c.type);
    expect(types).toContain(247);
    expect(types).toContain(248);
  });

  test('minimal_row_metadata: column charsets and signedness (column @2 is utf8mb4_0900_ai_ci, @4 unsigned)', async () => {
    const t = (await eventsOf('mysql-found/rust_mysql_common/minimal_row_metadata.000001')).find((e) => e.kind === 'tableMap')!;
    expect(t.columns[1]).toMatchObject({ type: 252, collation: 63, charset: 'binary' });
    expect(t.columns[2]).toMatchObject({ type: 254, length: 8, collation: 255, charset: 'utf8mb4' });
    expect(t.columns.map((c) => c.unsigned)).toEqual([false, false, false, false, true]);
  });
});

describe('rows', () => {
  test('partial images: absent columns are UNCHANGED, NULLs are null (update-partial-row / write-partial-row)', async () => {
    const rows = (await eventsOf('mysql-found/rust_mysql_common/write-partial-row.binlog')).filter((e) => e.kind === 'rows');
    const partial = rows.find((e) => e.kind === 'rows' && e.rows.some((r) => r.after?.includes(UNCHANGED)));
    expect(partial).toBeDefined();
  });

  test('PARTIAL_UPDATE_ROWS (json.binlog.000001) parses with JSON diffs', async () => {
    const events = await eventsOf('mysql-found/rust_mysql_common/json.binlog.000001');
    const p = events.find((e) => e.kind === 'partialUpdateRows');
    expect(p).toBeDefined();
    if (p?.kind !== 'partialUpdateRows') return;
    expect(p.rows.length).toBeGreaterThan(0);
    const diffs = p.rows.flatMap((r) => [...r.jsonDiffs.values()].flat());
    expect(diffs.length).toBeGreaterThan(0);
    expect(diffs[0]!.path.startsWith('$')).toBe(true);
    for (const d of diffs) expect([0, 1, 2]).toContain(d.operation);
    for (const r of p.rows) for (const [i] of r.jsonDiffs) expect(r.after[i]).toBe(UNCHANGED);
  });

  test('MariaDB compressed QUERY and ROWS (mariadb-bin.000005)', async () => {
    const events = await eventsOf('generated/mariadb-10.11-datatypes/mariadb-bin.000005');
    const q = events.find((e) => e.kind === 'query' && e.compressed);
    expect(q && q.kind === 'query' && q.sql).toMatch(/CREATE TABLE/i);
    const rows = events.filter((e) => e.kind === 'rows');
    expect(rows.map((e) => e.kind === 'rows' && [e.action, e.compressed])).toEqual([
      ['insert', true],
      ['update', true],
      ['delete', true],
    ]);
  });

  test('a ROWS event without its TABLE_MAP is a WIRE_DECODE error naming file and offset', async () => {
    const items = (await readAll(binlogPath('mysql-found/zalora/mysql-bin.02'))).items;
    const rowsItem = items.find((i) => i.event.kind === 'rows')!;
    const fde = items[0]!;
    const bytes = fs.readFileSync(binlogPath('mysql-found/zalora/mysql-bin.02'));
    const d = new BinlogDecoder({ decodeValue: rawValueDecoder, source: 'mysql-bin.02' });
    d.decode(bytes.subarray(fde.offset, fde.nextPos), fde.offset);
    expect(() => d.decode(bytes.subarray(rowsItem.offset, rowsItem.nextPos), rowsItem.offset)).toThrow(
      new RegExp(`^mysql-bin\\.02: WRITE_ROWS_V2 event at offset ${rowsItem.offset}: no TABLE_MAP for table id`),
    );
  });
});

describe("compare with the server's own decoding (mariadb-binlog -vv)", () => {
  const dir = 'generated/mariadb-10.11-datatypes';
  const names = ['mariadb-bin.000002', 'mariadb-bin.000003', 'mariadb-bin.000004', 'mariadb-bin.000005', 'mariadb-bin.000006'];

  test.each(names)('%s: event offsets, end_log_pos, GTIDs and table maps equal the .decoded.txt', async (name) => {
    const text = fs.readFileSync(corpus(`${dir}/${name}.decoded.txt`), 'utf8');
    const at = [...text.matchAll(/^# at (\d+)$/gm)].map((m) => Number(m[1]));
    const endPos = [...text.matchAll(/ end_log_pos (\d+) /g)].map((m) => Number(m[1]));
    const gtids = [...text.matchAll(/\tGTID (\d+-\d+-\d+)/g)].map((m) => m[1]);
    const maps = [...text.matchAll(/Table_map: `([^`]*)`\.`([^`]*)` mapped to number (\d+)/g)].map((m) => `${m[1]}.${m[2]}#${m[3]}`);
    const r = await readAll(binlogPath(`${dir}/${name}`));
    expect(r.error).toBeUndefined();
    expect(r.items.map((i) => i.offset)).toEqual(at);
    expect(r.items.map((i) => i.event.header.logPos)).toEqual(endPos);
    expect(r.items.map((i) => nextPosition(i.event.header))).toEqual(endPos);
    expect(r.items.flatMap((i) => (i.event.kind === 'mariaGtid' ? [i.event.gtid] : []))).toEqual(gtids);
    expect(r.items.flatMap((i) => (i.event.kind === 'tableMap' ? [`${i.event.schema}.${i.event.table}#${i.event.tableId}`] : []))).toEqual(maps);
  });
});

describe('decoder edge cases', () => {
  test('INCIDENT is returned (bug40482-bin.000001)', async () => {
    const events = await eventsOf('mysql-found/rust_mysql_common/bug40482-bin.000001');
    // the test server injected incident number 66 with an empty message
    expect(events.find((e) => e.kind === 'incident')).toMatchObject({ incident: 66, message: '' });
  });

  test('QUERY status vars and BEGIN/COMMIT helpers', async () => {
    const events = await eventsOf('mysql-found/shyiko/mysql-bin.checksum-crc32');
    const begin = events.find((e) => e.kind === 'query' && isBegin(e));
    expect(begin).toBeDefined();
    if (begin?.kind !== 'query') return;
    expect(begin.statusVars.charset).toBeDefined();
    expect(typeof begin.statusVars.sqlMode).toBe('bigint');
  });

  test('a short buffer is a WIRE_DECODE error, not a crash', () => {
    const d = new BinlogDecoder({ decodeValue: rawValueDecoder, source: 'x.000001' });
    expect(() => d.decode(Buffer.alloc(10), 4)).toThrow(/^x\.000001: event at offset 4: truncated event header/);
    const b = Buffer.alloc(19);
    b.writeUInt32LE(50, 9);
    expect(() => d.decode(b, 4)).toThrow(/event size field says 50 bytes but 19 were given/);
  });
});
