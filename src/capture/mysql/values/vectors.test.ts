import * as fs from 'node:fs';
import * as path from 'node:path';
import { Temporal } from '../../../model/value';
import type { Value } from '../../../model/value';
import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { corporaDir } from '../../../../test/support/corpora';
import { decodeColumnValue } from './index';

/**
 * go-mysql's column decode vectors (replication/row_event_test.go), read at run time from
 * the shared corpora beside the repository (../shared/corpora). Missing corpora fail the
 * suite loudly: these tests are not optional.
 */

interface DecimalVector {
  hex: string;
  precision: number;
  scale: number;
  expected: string;
  consumed_bytes?: number;
  meta?: number;
}
interface TemporalVector {
  hex: string;
  fsp: number;
  expected: string;
}
interface VectorFile {
  newdecimal_decodeDecimal: DecimalVector[];
  newdecimal_decimalData: DecimalVector[];
  datetime2: TemporalVector[];
  time2: TemporalVector[];
}

function loadVectors(): VectorFile {
  const file = path.join(corporaDir(), 'vectors/go-mysql-column-decode-vectors.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as VectorFile;
}

function column(type: number, meta: number): BinlogColumn {
  return { index: 0, name: 'v', type, meta, unsigned: false, nullable: true };
}

/** our Value in the vectors' text form */
function text(v: Value): string {
  if (v instanceof Temporal) return v.text;
  if (typeof v === 'string') return v;
  throw new Error(`unexpected value ${String(v)}`);
}

/**
 * The datetime2 vectors with fractions were extracted from `uint16(2)`-style Go literals
 * and carry 162/164/166 for fsp 2/4/6; the real fsp is the last digit.
 */
function realFsp(fsp: number): number {
  return fsp > 6 ? fsp % 10 : fsp;
}

describe('go-mysql column decode vectors (shared corpora)', () => {
  const vectors = loadVectors();

  test('the vector file has the expected sections', () => {
    expect(vectors.newdecimal_decodeDecimal.length).toBe(187);
    expect(vectors.newdecimal_decimalData.length).toBe(12);
    expect(vectors.datetime2.length).toBe(11);
    expect(vectors.time2.length).toBe(15);
  });

  test('NEWDECIMAL decodeDecimal: every vector, value and consumed bytes', () => {
    const failures: string[] = [];
    for (const v of vectors.newdecimal_decodeDecimal) {
      const buf = Buffer.from(v.hex, 'hex');
      const got = decodeColumnValue(buf, 0, column(MysqlType.NEWDECIMAL, (v.precision << 8) | v.scale));
      if (text(got.value) !== v.expected || (v.consumed_bytes !== undefined && got.length !== v.consumed_bytes)) {
        failures.push(`${v.hex} (${v.precision},${v.scale}): got ${text(got.value)}/${got.length}, want ${v.expected}/${v.consumed_bytes}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('NEWDECIMAL with table-map metadata words', () => {
    for (const v of vectors.newdecimal_decimalData) {
      const meta = v.meta ?? (v.precision << 8) | v.scale;
      expect(meta >> 8).toBe(v.precision);
      const got = decodeColumnValue(Buffer.from(v.hex, 'hex'), 0, column(MysqlType.NEWDECIMAL, meta));
      expect(text(got.value)).toBe(v.expected);
    }
  });

  test('DATETIME2', () => {
    for (const v of vectors.datetime2) {
      const buf = Buffer.from(v.hex, 'hex');
      const got = decodeColumnValue(buf, 0, column(MysqlType.DATETIME2, realFsp(v.fsp)));
      expect(got.value).toEqual(new Temporal('datetime', v.expected));
      expect(got.length).toBe(buf.length);
    }
  });

  test('TIME2 (incl. negative values with fractions)', () => {
    for (const v of vectors.time2) {
      const buf = Buffer.from(v.hex, 'hex');
      const got = decodeColumnValue(buf, 0, column(MysqlType.TIME2, v.fsp));
      expect(got.value).toEqual(new Temporal('time', v.expected));
      expect(got.length).toBe(buf.length);
    }
  });
});
