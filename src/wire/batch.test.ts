import { isSynctlError, SynctlError } from '../errors';
import type { ColumnDescriptor, InsertOp, Op, TableDescriptor, Transaction } from '../model/change';
import { binlogPosition, mssqlPosition, pgPosition, type Position } from '../model/position';
import { JsonDiff, Temporal, UNCHANGED, valuesEqual, type TemporalKind, type Value } from '../model/value';
import { BATCH_FORMAT_VERSION, decodeBatch, decodeDataFrame, encodeBatch, encodeBatchFrame } from './batch';
import { BufferReader } from './buffer-reader';
import { BufferWriter } from './buffer-writer';
import { decodeAll, encodeFrame, FrameFlag, FrameType } from './frame';
import { prng } from '../../test/support/prng';

// ---------------------------------------------------------------------------------------
// seeded random generation

/** mulberry32: small, fast, good enough for test data; same seed, same data. */

class Gen {
  constructor(readonly rnd: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  bool(p = 0.5): boolean {
    return this.rnd() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  bigintBits(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(this.int(0, 0xffff));
    return v & ((1n << BigInt(bits)) - 1n);
  }
  /** well-formed UTF-16 (no lone surrogates): ASCII, Latin-1, CJK, emoji, controls */
  string(maxLen: number): string {
    const n = this.int(0, maxLen);
    const style = this.int(0, 3);
    let s = '';
    for (let i = 0; i < n; i++) {
      const r = style === 0 ? 0 : this.int(0, 9);
      if (r < 6) s += String.fromCharCode(this.int(0x20, 0x7e));
      else if (r === 6) s += String.fromCharCode(this.int(0, 0x1f));
      else if (r === 7) s += String.fromCharCode(this.int(0xa0, 0x7ff));
      else if (r === 8) s += String.fromCharCode(this.int(0x4e00, 0x9fff));
      else s += String.fromCodePoint(this.int(0x1f300, 0x1faff));
    }
    return s;
  }
}

const SPECIAL_NUMBERS = [
  0, -0, 1, -1, 127, 128, -128, -129, 16383, 16384, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53 - 1,
  -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), 2 ** 60, 1.5, -2.25, 0.1, Math.PI, Number.MIN_VALUE, -Number.MIN_VALUE,
  Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON, NaN, Infinity, -Infinity,
];
const SPECIAL_BIGINTS = [
  0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n),
  -(2n ** 63n) - 1n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n), 10n ** 40n, -(10n ** 40n) + 7n, 255n, 256n, -256n,
];
const TEMPORALS: readonly Temporal[] = [
  new Temporal('date', '2024-02-29'),
  new Temporal('date', '0000-00-00'),
  new Temporal('time', '-838:59:59'),
  new Temporal('time', '12:00:00.000001'),
  new Temporal('datetime', '2024-01-01 00:00:00'),
  new Temporal('datetime', '9999-12-31 23:59:59.999999'),
  new Temporal('timestamptz', '2024-06-01 12:34:56.789+08:00'),
  new Temporal('timestamptz', '1970-01-01 00:00:00+00:00'),
];
const KINDS: readonly TemporalKind[] = ['date', 'time', 'datetime', 'timestamptz'];

function randomValue(g: Gen): Value {
  switch (g.int(0, 16)) {
    case 0:
      return null;
    case 1:
      return UNCHANGED;
    case 2:
      return g.bool();
    case 3:
      return g.pick(SPECIAL_NUMBERS);
    case 4:
      return g.int(-1000, 1000);
    case 5:
      return Math.floor((g.rnd() - 0.5) * 2 ** g.int(1, 53));
    case 6:
      return (g.rnd() - 0.5) * 10 ** g.int(-5, 20);
    case 7: {
      // random float64 bit patterns (incl. subnormals and NaN payloads normalised by JS)
      const b = g.bytes(8);
      return b.readDoubleLE(0);
    }
    case 8:
      return g.pick(SPECIAL_BIGINTS);
    case 9: {
      const v = g.bigintBits(g.pick([8, 32, 53, 63, 64, 65, 100, 200, 513]));
      return g.bool() ? -v : v;
    }
    case 10:
    case 11:
      return g.string(g.pick([0, 5, 42, 43, 200, 1000]));
    case 12:
      return g.bytes(g.pick([0, 1, 16, 300]));
    case 13:
      return g.pick(TEMPORALS);
    case 14:
      return new Temporal(g.pick(KINDS), g.string(30));
    case 15:
      return new JsonDiff(
        Array.from({ length: g.int(0, 3) }, () => {
          const op = g.pick(['replace', 'insert', 'remove'] as const);
          return op === 'remove' ? { op, path: `$.${g.string(8)}` } : { op, path: `$[${g.int(0, 9)}]`, value: g.pick(['1', '"x"', '{"a": [1, 2.5]}', 'null']) };
        }),
      );
    default:
      return g.string(60);
  }
}

const TYPES = ['int', 'bigint unsigned', 'decimal(12,2)', 'varchar(40)', 'timestamp(6)', 'blob', 'json', 'bit(1)'];

function randomTable(g: Gen, i: number): TableDescriptor {
  const ncols = g.int(0, 12);
  const columns: ColumnDescriptor[] = [];
  for (let c = 0; c < ncols; c++) {
    const col: ColumnDescriptor = g.bool(0.3)
      ? { name: g.string(20), type: g.pick(TYPES), key: g.bool(0.2), nullable: g.bool(), charset: g.pick(['utf8mb4', 'latin1', 'gbk', '']) }
      : { name: `c${c}`, type: g.pick(TYPES), key: c === 0, nullable: g.bool() };
    columns.push(col);
  }
  return { schema: g.bool(0.8) ? 'sbtest' : g.string(64), table: g.bool(0.7) ? `t${i}` : g.string(64), columns };
}

function randomRow(g: Gen, t: TableDescriptor): Value[] {
  // usually one value per column; sometimes a different count (the codec must not care)
  const n = g.bool(0.9) ? t.columns.length : g.int(0, 20);
  const row: Value[] = [];
  for (let i = 0; i < n; i++) row.push(randomValue(g));
  return row;
}

function randomPosition(g: Gen): Position {
  switch (g.int(0, 4)) {
    case 0:
      return binlogPosition(`mysql-bin.${String(g.int(1, 999999)).padStart(6, '0')}`, g.int(4, 2 ** 32));
    case 1:
      return binlogPosition(
        'binlog.000007',
        g.int(4, 2 ** 40),
        '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-' + g.int(1, 1e6) + ',ce9be252-2b71-11e6-b8f4-00212844f856:1-5:7-9',
      );
    case 2:
      return pgPosition(g.bigintBits(64));
    case 3:
      return mssqlPosition(g.bytes(10));
    default:
      return pgPosition('16/B374D848');
  }
}

function randomOp(g: Gen, tables: readonly TableDescriptor[]): Op {
  const table = g.pick(tables);
  switch (g.int(0, 9)) {
    case 0:
    case 1:
    case 2:
      return { kind: 'insert', table, after: randomRow(g, table) };
    case 3:
    case 4:
    case 5:
      return { kind: 'update', table, before: randomRow(g, table), after: randomRow(g, table) };
    case 6:
    case 7:
      return { kind: 'delete', table, before: randomRow(g, table) };
    case 8:
      return { kind: 'truncate', table };
    default:
      return g.bool()
        ? { kind: 'ddl', schema: g.string(10), sql: `ALTER TABLE ${table.table} ADD COLUMN x int -- ${g.string(100)}` }
        : { kind: 'ddl', schema: g.string(10), sql: g.string(300), table };
  }
}

function randomBatch(g: Gen): Transaction[] {
  const tables: TableDescriptor[] = [];
  const ntables = g.int(1, 6);
  for (let i = 0; i < ntables; i++) tables.push(randomTable(g, i));
  const txs: Transaction[] = [];
  const ntx = g.int(0, 20);
  for (let i = 0; i < ntx; i++) {
    const ops: Op[] = [];
    const nops = g.int(0, 8);
    for (let j = 0; j < nops; j++) ops.push(randomOp(g, tables));
    txs.push({
      origin: g.pick([0, 1, 7, 127, 128, 65535, 0xffffffff]),
      position: randomPosition(g),
      commitTimeUs: g.pick([0, 1_718_000_000_123_456, g.int(0, 2 ** 53 - 1), -1, 1.5]),
      xid: g.bool() ? String(g.int(0, 1e9)) : g.string(50),
      ops,
      ...(g.int(0, 3) === 0 ? { continued: true } : {}),
    });
  }
  return txs;
}

// ---------------------------------------------------------------------------------------
// exact comparison (on top of toStrictEqual: Object.is for -0/NaN, symbol identity)

/** Exact, fast comparison; throws naming the first difference. */
function assertSameBatch(a: readonly Transaction[], b: readonly Transaction[]): void {
  const fail = (path: string, x: unknown, y: unknown): never => {
    throw new Error(`${path} differs: ${String(x)} vs ${String(y)}`);
  };
  const same = (path: string, x: unknown, y: unknown): void => {
    if (!Object.is(x, y)) fail(path, x, y);
  };
  const sameKeys = (path: string, x: object, y: object): void => {
    same(`${path} keys`, Object.keys(x).sort().join(), Object.keys(y).sort().join());
  };
  const sameTable = (path: string, x: TableDescriptor, y: TableDescriptor): void => {
    sameKeys(path, x, y);
    same(`${path}.schema`, x.schema, y.schema);
    same(`${path}.table`, x.table, y.table);
    same(`${path}.columns.length`, x.columns.length, y.columns.length);
    x.columns.forEach((c, i) => {
      const d = y.columns[i]!;
      sameKeys(`${path}.columns[${i}]`, c, d);
      for (const k of ['name', 'type', 'key', 'nullable', 'charset'] as const) same(`${path}.columns[${i}].${k}`, c[k], d[k]);
    });
  };
  const sameRow = (path: string, x: readonly Value[], y: readonly Value[]): void => {
    if (!Array.isArray(y)) fail(path, x, y);
    same(`${path}.length`, x.length, y.length);
    for (let i = 0; i < x.length; i++) {
      const u = x[i]!;
      const v = y[i]!;
      if (typeof u !== typeof v || !valuesEqual(u, v)) fail(`${path}[${i}]`, u, v);
      if (typeof u === 'number') same(`${path}[${i}]`, u, v);
      if (Buffer.isBuffer(u) && !Buffer.isBuffer(v)) fail(`${path}[${i}] (Buffer)`, u, v);
      if (u instanceof Temporal && !(v instanceof Temporal && v.kind === u.kind && v.text === u.text)) fail(`${path}[${i}]`, u, v);
    }
  };
  same('length', a.length, b.length);
  a.forEach((x, i) => {
    const y = b[i]!;
    const p = `tx[${i}]`;
    sameKeys(p, x, y);
    same(`${p}.origin`, x.origin, y.origin);
    same(`${p}.commitTimeUs`, x.commitTimeUs, y.commitTimeUs);
    same(`${p}.xid`, x.xid, y.xid);
    sameKeys(`${p}.position`, x.position, y.position);
    for (const k of Object.keys(x.position)) same(`${p}.position.${k}`, (x.position as unknown as Record<string, unknown>)[k], (y.position as unknown as Record<string, unknown>)[k]);
    same(`${p}.ops.length`, x.ops.length, y.ops.length);
    x.ops.forEach((o, j) => {
      const q = y.ops[j]!;
      const op = `${p}.ops[${j}]`;
      sameKeys(op, o, q);
      same(`${op}.kind`, o.kind, q.kind);
      if (o.table) sameTable(`${op}.table`, o.table, q.table!);
      if ('after' in o) sameRow(`${op}.after`, o.after, (q as typeof o).after);
      if ('before' in o) sameRow(`${op}.before`, o.before, (q as typeof o).before);
      if (o.kind === 'ddl') {
        same(`${op}.schema`, o.schema, (q as typeof o).schema);
        same(`${op}.sql`, o.sql, (q as typeof o).sql);
      }
    });
  });
}

/** assertSameBatch, plus jest's own toStrictEqual every `every`-th time (it is slow). */
let compared = 0;
function expectSameBatch(a: readonly Transaction[], b: readonly Transaction[], every = 1): void {
  assertSameBatch(a, b);
  if (compared++ % every === 0) expect(b).toStrictEqual(a);
}

function expectWireDecode(f: () => unknown, pattern: RegExp = /DATA payload: .* at offset \d+/): SynctlError {
  try {
    f();
  } catch (e) {
    if (!isSynctlError(e, 'WIRE_DECODE')) throw e;
    expect(e.message).toMatch(pattern);
    return e;
  }
  throw new Error('expected a WIRE_DECODE error');
}

// ---------------------------------------------------------------------------------------

describe('batch codec: property round trip', () => {
  it('encode → decode is the identity for thousands of random transactions', () => {
    const g = new Gen(prng(0x5eed));
    let txCount = 0;
    let valueCount = 0;
    for (let i = 0; i < 400; i++) {
      const txs = randomBatch(g);
      txCount += txs.length;
      for (const tx of txs) for (const op of tx.ops) valueCount += ('after' in op ? op.after.length : 0) + ('before' in op ? op.before.length : 0);
      const payload = encodeBatch(txs);
      expect(payload[0]).toBe(BATCH_FORMAT_VERSION);
      expectSameBatch(txs, decodeBatch(payload), 20);
    }
    expect(txCount).toBeGreaterThan(3000);
    expect(valueCount).toBeGreaterThan(50000);
  });

  it.each([false, true])('through DATA frames (compress=%s), including the frame envelope', (compress) => {
    const g = new Gen(prng(compress ? 42 : 43));
    let compressed = 0;
    for (let i = 0; i < 150; i++) {
      const txs = randomBatch(g);
      const seq = BigInt(i + 1);
      const frame = encodeBatchFrame(77, seq, txs, { compress });
      expect(frame.type).toBe(FrameType.DATA);
      expect(frame.origin).toBe(77);
      expect(frame.seq).toBe(seq);
      if (frame.flags & FrameFlag.LZ4) compressed++;
      const [back] = decodeAll(encodeFrame(frame), { where: 'test' });
      expectSameBatch(txs, decodeDataFrame(back!), 20);
    }
    if (compress) expect(compressed).toBeGreaterThan(100);
    else expect(compressed).toBe(0);
  });
});

describe('BufferWriter / BufferReader', () => {
  it('round trip every primitive while the writer grows from 16 bytes', () => {
    const g = new Gen(prng(11));
    for (let round = 0; round < 50; round++) {
      const w = new BufferWriter(16);
      const items: Array<[number, unknown]> = [];
      for (let i = 0; i < 300; i++) {
        const k = g.int(0, 7);
        let v: unknown;
        if (k === 0) w.u8((v = g.int(0, 255)) as number);
        else if (k === 1) w.u32be((v = g.int(0, 2 ** 32 - 1)) as number);
        else if (k === 2) w.u32le((v = g.int(0, 2 ** 32 - 1)) as number);
        else if (k === 3) w.varuint((v = g.pick([0, 127, 128, 16383, 16384, 2 ** 31, 2 ** 53 - 1, g.int(0, 2 ** 40)])) as number);
        else if (k === 4) w.lenString((v = g.string(g.pick([10, 16, 17, 42, 43, 127, 128, 1024, 1025, 3000]))) as string);
        else if (k === 5) w.lenBytes((v = g.bytes(g.int(0, 40))) as Buffer);
        else if (k === 6) w.f64le((v = g.bytes(8).readDoubleLE(0)) as number);
        else w.i64le((v = g.bigintBits(64) - (1n << 63n)) as bigint);
        items.push([k, v]);
      }
      const r = new BufferReader(w.finish(), { what: 'test' });
      for (const [k, v] of items) {
        const got = [() => r.u8(), () => r.u32be(), () => r.u32le(), () => r.varuint(), () => r.lenString(), () => r.lenBytes(), () => r.f64le(), () => r.i64le()][k]!();
        if (Buffer.isBuffer(v)) expect(got).toEqual(v);
        else expect(Object.is(got, v)).toBe(true);
      }
      r.expectEnd();
    }
  });

  it('lenString: byte lengths whose varint is longer than the string length would need', () => {
    // the writer sizes the length slot from the UTF-16 length and moves the bytes when the
    // UTF-8 length needs more varint bytes: 127 / 128 and 16383 / 16384 bytes are the edges
    const cases = [
      'a'.repeat(127),
      'a'.repeat(128),
      'é'.repeat(63) + 'a', // 64 units, 127 bytes
      'é'.repeat(64), // 64 units, 128 bytes: slot 1, length 2
      '中'.repeat(43), // 43 units, 129 bytes
      '😀'.repeat(32), // 64 units, 128 bytes
      'x'.repeat(16),
      'é'.repeat(16), // tiny path, 32 bytes
      'é'.repeat(17),
      '中'.repeat(5461) + 'a', // 5,462 units, 16,384 bytes: slot 2, length 3
      '\ud800'.repeat(50), // lone surrogates: 3 bytes each (U+FFFD), as Buffer.byteLength counts
    ];
    const w = new BufferWriter(16);
    for (const c of cases) w.u8(0xaa).lenString(c);
    const r = new BufferReader(w.finish(), { what: 'test' });
    for (const c of cases) {
      expect(r.u8()).toBe(0xaa);
      expect(r.lenString()).toBe(Buffer.from(c, 'utf8').toString('utf8'));
    }
    r.expectEnd();
  });

  it('reader errors are WIRE_DECODE naming what, the problem and the absolute offset', () => {
    const r = new BufferReader(Buffer.from([1, 2, 3]), { what: 'binlog event', baseOffset: 1000 });
    r.u8();
    expect(() => r.u32le()).toThrow(new SynctlError('WIRE_DECODE', 'binlog event: truncated: u32 needs 4 bytes, 2 left at offset 1001'));
    expect(r.u16be()).toBe(0x0203);
    expect(() => r.u8()).toThrow(/binlog event: truncated: u8 needs 1 bytes, 0 left at offset 1003/);
  });
});

describe('batch codec: values', () => {
  const table: TableDescriptor = {
    schema: 's',
    table: 't',
    columns: [{ name: 'v', type: 'any', key: false, nullable: true }],
  };
  const one = (v: Value): Transaction[] => [
    { origin: 1, position: pgPosition(1n), commitTimeUs: 0, xid: '1', ops: [{ kind: 'insert', table, after: [v] }] },
  ];
  const roundTrip = (v: Value): Value => (decodeBatch(encodeBatch(one(v)))[0]!.ops[0] as InsertOp).after[0]!;

  it.each<[number | bigint]>([...SPECIAL_NUMBERS.map((n): [number] => [n]), ...SPECIAL_BIGINTS.map((n): [bigint] => [n])])('number/bigint %p is exact', (v) => {
    const back = roundTrip(v);
    expect(typeof back).toBe(typeof v);
    expect(Object.is(back, v)).toBe(true);
  });

  it('bigints of every size and sign', () => {
    for (let bits = 0; bits <= 600; bits++) {
      for (const base of [1n << BigInt(bits), (1n << BigInt(bits)) - 1n, (1n << BigInt(bits)) + 1n]) {
        expect(roundTrip(base)).toBe(base);
        expect(roundTrip(-base)).toBe(-base);
      }
    }
  });

  it('float64 bit patterns are kept (NaN by value, -0 by sign)', () => {
    const b = Buffer.alloc(8);
    const g = new Gen(prng(9));
    for (let i = 0; i < 2000; i++) {
      const src = g.bytes(8);
      const v = src.readDoubleLE(0);
      const back = roundTrip(v) as number;
      b.writeDoubleLE(back, 0);
      if (Number.isNaN(v)) expect(Number.isNaN(back)).toBe(true);
      else expect(b.equals(src)).toBe(true);
    }
  });

  it('strings at the short/long boundary and with every UTF-8 width', () => {
    for (const s of ['', 'a', 'x'.repeat(42), 'x'.repeat(43), 'é'.repeat(42), '中'.repeat(42), '中'.repeat(43), '😀'.repeat(21), '😀'.repeat(22), 'a😀b\u0000c', 'x'.repeat(100000)]) {
      expect(roundTrip(s)).toBe(s);
    }
  });

  it('UNCHANGED is the same symbol, null stays null, Buffers are fresh copies', () => {
    expect(roundTrip(UNCHANGED)).toBe(UNCHANGED);
    expect(roundTrip(null)).toBeNull();
    const buf = Buffer.from([1, 2, 3]);
    const payload = encodeBatch(one(buf));
    const back = (decodeBatch(payload)[0]!.ops[0] as InsertOp).after[0] as Buffer;
    expect(back).toEqual(buf);
    payload.fill(0xee);
    expect(back).toEqual(buf);
  });

  it('Temporal keeps kind and text', () => {
    for (const t of TEMPORALS) {
      const back = roundTrip(t);
      expect(back).toBeInstanceOf(Temporal);
      expect(back).toStrictEqual(t);
    }
  });

  it('refuses to encode something that is not a Value', () => {
    for (const bad of [undefined, new Date(), Symbol('x'), {}, new Uint8Array(2), new Temporal('year' as TemporalKind, '2024')]) {
      expect(() => encodeBatch(one(bad as unknown as Value))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
  });
});

describe('batch codec: structure', () => {
  it('positions of every kind round trip (binlog GTID sets contain ":")', () => {
    const positions: Position[] = [
      binlogPosition('mysql-bin.000042', 1234),
      binlogPosition('mysql-bin.000042', 4, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,ce9be252-2b71-11e6-b8f4-00212844f856:1-3:7'),
      binlogPosition('mariadb-bin.1000000', 2 ** 40, '0-1-100,1-2-3'),
      pgPosition('16/B374D848'),
      pgPosition(0n),
      pgPosition(0xffffffffffffffffn),
      mssqlPosition('0000002a000001f80003'),
      mssqlPosition('0xFFFFFFFFFFFFFFFFFFFF'),
    ];
    const txs: Transaction[] = positions.map((position, i) => ({ origin: i, position, commitTimeUs: i, xid: `x${i}`, ops: [] }));
    const back = decodeBatch(encodeBatch(txs));
    expect(back).toStrictEqual(txs);
    expect(back.map((t) => t.position)).toStrictEqual(positions);
  });

  it('writes each table once and shares one descriptor object per table on decode', () => {
    const t1: TableDescriptor = { schema: 'a', table: 'wide', columns: Array.from({ length: 50 }, (_, i) => ({ name: `column_${i}`, type: 'varchar(255)', key: i === 0, nullable: true, charset: 'utf8mb4' })) };
    const t2: TableDescriptor = { schema: 'a', table: 'x', columns: [] };
    const ops: Op[] = [];
    for (let i = 0; i < 100; i++) ops.push({ kind: 'delete', table: t1, before: [i] });
    ops.push({ kind: 'truncate', table: t2 }, { kind: 'ddl', schema: 'a', sql: 'drop table x', table: t2 }, { kind: 'ddl', schema: 'a', sql: 'select 1' });
    const txs: Transaction[] = [{ origin: 1, position: pgPosition(5n), commitTimeUs: 1, xid: '9', ops }];
    const one = encodeBatch([{ ...txs[0]!, ops: ops.slice(0, 1) }]);
    const all = encodeBatch(txs);
    // 99 more deletes: kind + table index + row length + tag + value = 5 bytes each, no table text
    expect(all.length - one.length).toBeLessThan(99 * 5 + 100);
    const back = decodeBatch(all);
    expect(back).toStrictEqual(txs);
    const backOps = back[0]!.ops;
    expect(backOps[0]!.kind === 'delete' && backOps[1]!.kind === 'delete' && backOps[0]!.table === backOps[1]!.table).toBe(true);
    const ddl = backOps[102]!;
    expect(ddl.kind === 'ddl' && !('table' in ddl)).toBe(true);
  });

  it('an empty batch is three bytes', () => {
    const p = encodeBatch([]);
    expect(p).toEqual(Buffer.from([BATCH_FORMAT_VERSION, 0, 0]));
    expect(decodeBatch(p)).toEqual([]);
  });

  it('compression falls back to plain when it does not help, and round trips when it does', () => {
    const g = new Gen(prng(3));
    const table: TableDescriptor = { schema: 's', table: 'b', columns: [{ name: 'b', type: 'blob', key: false, nullable: false }] };
    const noise: Transaction[] = [{ origin: 1, position: pgPosition(1n), commitTimeUs: 0, xid: '', ops: [{ kind: 'insert', table, after: [g.bytes(5000)] }] }];
    expect(encodeBatchFrame(1, 1n, noise, { compress: true }).flags).toBe(0);
    const text: Transaction[] = [{ origin: 1, position: pgPosition(1n), commitTimeUs: 0, xid: '', ops: [{ kind: 'insert', table, after: [Buffer.alloc(5000, 'abc')] }] }];
    const f = encodeBatchFrame(1, 1n, text, { compress: true });
    expect(f.flags).toBe(FrameFlag.LZ4);
    expect(f.payload.length).toBeLessThan(200);
    expect(decodeDataFrame(f)).toStrictEqual(text);
  });
});

describe('batch codec: malformed payloads', () => {
  const g = new Gen(prng(1234));
  const samples: Buffer[] = [];
  for (let i = 0; i < 8; i++) samples.push(encodeBatch(randomBatch(g)));
  for (let i = 0; i < 8; i++) samples.push(encodeBatch(randomBatch(g).slice(0, 1)));

  it('every truncation throws WIRE_DECODE naming the offset', () => {
    // every length for small payloads, 400 random lengths (plus the last 50) for big ones
    const h = new Gen(prng(5));
    for (const p of samples) {
      const lengths: number[] = [];
      if (p.length <= 4000) for (let n = 0; n < p.length; n++) lengths.push(n);
      else {
        for (let k = 0; k < 400; k++) lengths.push(h.int(0, p.length - 1));
        for (let n = Math.max(0, p.length - 50); n < p.length; n++) lengths.push(n);
      }
      for (const n of lengths) expectWireDecode(() => decodeBatch(p.subarray(0, n)));
    }
    expect(samples.some((p) => p.length <= 4000)).toBe(true);
  });

  it('random corruption never throws anything but WIRE_DECODE', () => {
    const h = new Gen(prng(77));
    let detected = 0;
    let total = 0;
    for (const p of samples) {
      for (let k = 0; k < 800; k++) {
        const bad = Buffer.from(p);
        const flips = h.int(1, 3);
        for (let f = 0; f < flips; f++) bad[h.int(0, bad.length - 1)] ^= h.int(1, 255);
        total++;
        try {
          decodeBatch(bad);
        } catch (e) {
          if (!isSynctlError(e, 'WIRE_DECODE')) throw e;
          expect(e.message).toMatch(/^DATA payload: .* at offset \d+$/);
          detected++;
        }
      }
    }
    // without the frame CRC many flips land in value bytes and decode "fine"; the CRC
    // (frame.test.ts) is what guarantees detection, this only checks the failure mode
    expect(detected).toBeGreaterThan(total / 10);
  });

  it('names the problem and the offset', () => {
    const p = samples.find((s) => s.length > 10)!;
    expectWireDecode(() => decodeBatch(Buffer.from([99, 0, 0])), /unsupported batch format version 99 at offset 0/);
    expectWireDecode(() => decodeBatch(Buffer.concat([p, Buffer.from([0])])), /1 unexpected trailing bytes at offset \d+/);
    expectWireDecode(() => decodeBatch(Buffer.alloc(0)), /truncated: u8 needs 1 bytes, 0 left at offset 0/);
    // 1 table 'a'.'b' with no columns, 1 tx (no flags), 1 insert into table 1 (missing)
    const pos = Buffer.from('pg:0/1');
    const base = [BATCH_FORMAT_VERSION, 1, 1, 0x61, 1, 0x62, 0, 1, 5, pos.length, ...pos, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expectWireDecode(() => decodeBatch(Buffer.from([...base, 1, 1, 0])), /table index 1 outside the dictionary of 1 at offset 28/);
    expectWireDecode(() => decodeBatch(Buffer.from([...base, 9, 0, 0])), /unknown op kind 9 at offset 27/);
    expectWireDecode(() => decodeBatch(Buffer.from([...base, 1, 0, 1, 99])), /unknown value tag 99 at offset 30/);
    expect(decodeBatch(Buffer.from([...base, 1, 0, 1, 0]))[0]!.ops[0]).toMatchObject({ kind: 'insert', after: [null] });
    const badPos = Buffer.from('nope');
    expectWireDecode(
      () => decodeBatch(Buffer.from([BATCH_FORMAT_VERSION, 0, 1, 5, badPos.length, ...badPos, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
      /bad position "nope" at offset 4/,
    );
    const flagsAt = base.length - 2;
    const badFlags = [...base];
    badFlags[flagsAt] = 6;
    expectWireDecode(() => decodeBatch(Buffer.from([...badFlags, 1, 0, 1, 0])), /unknown transaction flags 6 at offset/);
    // a count larger than the bytes left is refused before looping/allocating
    expectWireDecode(() => decodeBatch(Buffer.from([BATCH_FORMAT_VERSION, 0xff, 0xff, 0xff, 0x7f])), /count 268435455 exceeds/);
    // varint longer than 8 bytes
    expectWireDecode(() => decodeBatch(Buffer.from([BATCH_FORMAT_VERSION, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), /varint longer than 8 bytes at offset 1/);
  });

  it('decodeDataFrame checks the frame type and flags and names the seq', () => {
    const f = encodeBatchFrame(3, 9n, []);
    expect(() => decodeDataFrame({ ...f, type: FrameType.ACK })).toThrow(/not a DATA frame: ACK/);
    expect(() => decodeDataFrame({ ...f, flags: 0x8000 })).toThrow(/seq 9: unknown flags 0x8000/);
    const e = expectWireDecode(() => decodeDataFrame({ ...f, payload: f.payload.subarray(0, 1) }), /DATA frame origin 3 seq 9: DATA payload: .* at offset 1/);
    expect(e.details).toMatchObject({ origin: 3, seq: '9', offset: 1 });
    expectWireDecode(() => decodeDataFrame({ ...f, flags: FrameFlag.LZ4 }), /seq 9: LZ4 payload: .* at offset/);
  });
});
