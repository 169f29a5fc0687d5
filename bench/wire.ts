/**
 * DATA payload codec benchmark: synctl's batch codec (plain and LZ4) against node's own
 * v8.serialize/deserialize and JSON.stringify/parse of the same transactions.
 *
 *   npm run build && npm run bench:wire        (node dist/bench/wire.js [seconds per cell])
 *
 * Workload: sysbench-like rows (int id, int k, char(120) c, char(60) pad) plus a
 * decimal, a bigint and a datetime(6) column; batches of 100 transactions of 1-10 ops
 * (50% update with full before/after images, 30% insert, 20% delete), one table per
 * batch dictionary. Numbers: median of 3 timed runs per cell after a warm-up.
 *
 * Peers are given an easier job: they restore no types (Temporal comes back as a plain
 * object, bigints as strings for JSON), and the workload holds no UNCHANGED symbol
 * (v8.serialize cannot carry symbols) and no Buffers.
 */
import * as v8 from 'node:v8';
import type { Op, TableDescriptor, Transaction } from '../src/model/change';
import { binlogPosition } from '../src/model/position';
import { Temporal, type Value } from '../src/model/value';
import { decodeBatch, decodeDataFrame, encodeBatch, encodeBatchFrame } from '../src/wire/batch';
import { prng } from '../test/support/prng';

// ---------------------------------------------------------------------------------------
// workload

const rnd = prng(20240601);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

/** sysbench's c/pad: groups of 11 random digits joined by '-' */
function digits(groups: number): string {
  const g: string[] = [];
  for (let i = 0; i < groups; i++) g.push(String(int(0, 99999999999)).padStart(11, '0'));
  return g.join('-');
}

const TABLES: TableDescriptor[] = Array.from({ length: 4 }, (_, i) => ({
  schema: 'sbtest',
  table: `sbtest${i + 1}`,
  columns: [
    { name: 'id', type: 'int', key: true, nullable: false },
    { name: 'k', type: 'int', key: false, nullable: false },
    { name: 'c', type: 'char(120)', key: false, nullable: false, charset: 'utf8mb4' },
    { name: 'pad', type: 'char(60)', key: false, nullable: false, charset: 'utf8mb4' },
    { name: 'price', type: 'decimal(12,2)', key: false, nullable: true },
    { name: 'version', type: 'bigint', key: false, nullable: false },
    { name: 'updated_at', type: 'datetime(6)', key: false, nullable: true },
  ],
}));

function row(id: number): Value[] {
  return [
    id,
    int(1, 1_000_000),
    digits(10) + '-',
    digits(5),
    `${int(0, 9_999_999)}.${String(int(0, 99)).padStart(2, '0')}`,
    BigInt(int(0, 2 ** 40)) * 1000n,
    new Temporal('datetime', `2024-06-${String(int(1, 30)).padStart(2, '0')} 12:${String(int(0, 59)).padStart(2, '0')}:00.${String(int(0, 999999)).padStart(6, '0')}`),
  ];
}

let txNo = 0;
function makeBatch(): Transaction[] {
  const txs: Transaction[] = [];
  for (let t = 0; t < 100; t++) {
    const ops: Op[] = [];
    for (let n = int(1, 10); n > 0; n--) {
      const table = TABLES[int(0, TABLES.length - 1)]!;
      const id = int(1, 10_000_000);
      const r = rnd();
      if (r < 0.5) {
        const before = row(id);
        const after = [...before];
        after[1] = int(1, 1_000_000);
        after[2] = digits(10) + '-';
        ops.push({ kind: 'update', table, before, after });
      } else if (r < 0.8) ops.push({ kind: 'insert', table, after: row(id) });
      else ops.push({ kind: 'delete', table, before: row(id) });
    }
    txNo++;
    txs.push({
      origin: 1,
      position: binlogPosition('mysql-bin.000123', 4 + txNo * 700, `3e11fa47-71ca-11e1-9e33-c80aa9429562:1-${txNo}`),
      commitTimeUs: 1_718_000_000_000_000 + txNo * 1000,
      xid: String(1_000_000 + txNo),
      ops,
    });
  }
  return txs;
}

// ---------------------------------------------------------------------------------------
// codecs

interface Codec {
  readonly name: string;
  encode(txs: readonly Transaction[]): Buffer;
  decode(b: Buffer): unknown;
}

const jsonReplacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

const CODECS: Codec[] = [
  { name: 'synctl batch', encode: encodeBatch, decode: decodeBatch },
  {
    name: 'synctl batch + LZ4',
    encode: (txs) => encodeBatchFrame(1, 1n, txs, { compress: true }).payload,
    decode: (b) => decodeDataFrame({ type: 1, flags: 1, origin: 1, seq: 1n, payload: b }),
  },
  { name: 'v8.serialize', encode: (txs) => v8.serialize(txs), decode: (b) => v8.deserialize(b) },
  {
    name: 'JSON (bigint→string)',
    encode: (txs) => Buffer.from(JSON.stringify(txs, jsonReplacer)),
    decode: (b) => JSON.parse(b.toString('utf8')),
  },
];

// ---------------------------------------------------------------------------------------
// timing

function timeIt(minMs: number, once: () => void): number {
  // runs `once` until minMs has passed; returns ms per call
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    once();
    calls++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsed < minMs);
  return elapsed / calls;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Result {
  readonly name: string;
  readonly bytes: number;
  readonly encMs: number;
  readonly decMs: number;
}

function measure(codec: Codec, batches: readonly Transaction[][], cellMs: number): Result {
  const encoded = batches.map((b) => codec.encode(b));
  const bytes = encoded.reduce((n, b) => n + b.length, 0);
  const enc = (): void => {
    for (const b of batches) codec.encode(b);
  };
  const dec = (): void => {
    for (const b of encoded) codec.decode(b);
  };
  timeIt(cellMs / 4, enc); // warm-up
  timeIt(cellMs / 4, dec);
  const encRuns: number[] = [];
  const decRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    encRuns.push(timeIt(cellMs / 3, enc));
    decRuns.push(timeIt(cellMs / 3, dec));
  }
  return { name: codec.name, bytes, encMs: median(encRuns), decMs: median(decRuns) };
}

function main(): void {
  const cellSeconds = Number(process.argv[2] ?? '2.5');
  const batches = Array.from({ length: 50 }, makeBatch);
  const ntx = batches.reduce((n, b) => n + b.length, 0);
  const nops = batches.reduce((n, b) => n + b.reduce((m, t) => m + t.ops.length, 0), 0);
  const rawBytes = batches.reduce((n, b) => n + encodeBatch(b).length, 0);
  console.log(
    `workload: ${batches.length} batches, ${ntx} transactions, ${nops} row ops, ` +
      `${(rawBytes / 1e6).toFixed(2)} MB as synctl batches; node ${process.version}, ${cellSeconds}s per codec`,
  );

  const results = CODECS.map((c) => measure(c, batches, cellSeconds * 1000 / 2));
  const v8r = results.find((r) => r.name === 'v8.serialize')!;
  const v8RoundTrip = v8r.encMs + v8r.decMs;

  const header = ['codec', 'bytes/tx', 'enc MB/s', 'dec MB/s', 'enc tx/s', 'dec tx/s', 'enc+dec tx/s', 'vs v8'];
  const rows = results.map((r) => {
    // MB/s are of the synctl uncompressed batch size, so they compare across codecs
    const ref = rawBytes / 1e6;
    return [
      r.name,
      (r.bytes / ntx).toFixed(0),
      (ref / (r.encMs / 1000)).toFixed(0),
      (ref / (r.decMs / 1000)).toFixed(0),
      (ntx / (r.encMs / 1000)).toFixed(0),
      (ntx / (r.decMs / 1000)).toFixed(0),
      (ntx / ((r.encMs + r.decMs) / 1000)).toFixed(0),
      (v8RoundTrip / (r.encMs + r.decMs)).toFixed(2) + 'x',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log('MB/s = MB of uncompressed synctl batch data per second (same unit for every codec);');
  console.log('bytes/tx = each codec\'s own output; "vs v8" = encode+decode speed relative to v8.serialize/deserialize.');
}

main();
