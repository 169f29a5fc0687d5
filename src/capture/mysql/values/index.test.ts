import { SynctlError } from '../../../errors';
import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { decodeColumnValue } from './index';

function col(type: number, meta: number, extra: Partial<BinlogColumn> = {}): BinlogColumn {
  return { index: 7, name: 'victim', type, meta, unsigned: false, nullable: true, ...extra };
}
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** one valid encoding per type (and length-prefix variant) */
const CASES: [string, BinlogColumn, Buffer][] = [
  ['TINY', col(MysqlType.TINY, 0), hex('01')],
  ['SHORT', col(MysqlType.SHORT, 0), hex('0100')],
  ['INT24', col(MysqlType.INT24, 0), hex('010000')],
  ['LONG', col(MysqlType.LONG, 0), hex('01000000')],
  ['LONGLONG', col(MysqlType.LONGLONG, 0), hex('0100000000000000')],
  ['FLOAT', col(MysqlType.FLOAT, 4), hex('0000803f')],
  ['DOUBLE', col(MysqlType.DOUBLE, 8), hex('000000000000f03f')],
  ['YEAR', col(MysqlType.YEAR, 0), hex('54')],
  ['BIT(64)', col(MysqlType.BIT, 64), hex('0102030405060708')],
  ['NEWDECIMAL(10,4)', col(MysqlType.NEWDECIMAL, (10 << 8) | 4), hex('7fff84ee6b')],
  ['DATE', col(MysqlType.DATE, 0), hex('83810f')],
  ['TIME2(6)', col(MysqlType.TIME2, 6), hex('7f0efafe1dc0')],
  ['DATETIME2(6)', col(MysqlType.DATETIME2, 6), hex('999ab8f7aa01e240')],
  ['TIMESTAMP2(3)', col(MysqlType.TIMESTAMP2, 3), hex('1c11bf8304ce')],
  ['TIME', col(MysqlType.TIME, 0), hex('a7f57f')],
  ['DATETIME', col(MysqlType.DATETIME, 0), hex('6b34dda30b120000')],
  ['TIMESTAMP', col(MysqlType.TIMESTAMP, 0), hex('83bf111c')],
  ['TIME(3) hires', col(MysqlType.TIME, 3), hex('00b15478eb')],
  ['DATETIME(6) hires', col(MysqlType.DATETIME, 6), hex('01018945b1b9aec0')],
  ['TIMESTAMP(2) hires', col(MysqlType.TIMESTAMP, 2), hex('1c11bf830c')],
  ['VARCHAR 1-byte length', col(MysqlType.VARCHAR, 20, { charset: 'utf8mb4' }), hex('03 616263')],
  ['VARCHAR 2-byte length', col(MysqlType.VARCHAR, 2000, { charset: 'utf8mb4' }), hex('0300 616263')],
  ['STRING', col(MysqlType.STRING, 0xfe0c, { length: 12, charset: 'latin1' }), hex('03 616263')],
  ['STRING 2-byte length', col(MysqlType.STRING, 0, { length: 400 }), hex('0300 616263')],
  ['BLOB', col(MysqlType.BLOB, 2, { charset: 'utf8mb4' }), hex('0300 616263')],
  ['LONG BLOB', col(MysqlType.BLOB, 4), hex('03000000 616263')],
  ['ENUM', col(MysqlType.ENUM, 0xf702, { length: 2, enumValues: ['a'] }), hex('0100')],
  ['SET', col(MysqlType.SET, 0xf808, { length: 8, setValues: ['a'] }), hex('0100000000000000')],
  ['JSON', col(MysqlType.JSON, 4), hex('0d000000 00 0100 0c00 0b00 0100 04 0100 61')],
  ['GEOMETRY', col(MysqlType.GEOMETRY, 4), hex('05000000 0000000001')],
  ['VECTOR', col(MysqlType.VECTOR, 4), hex('04000000 0000803f')],
  ['VARCHAR_COMPRESSED', col(140, 100, { charset: 'utf8mb4' }), hex('04 00 616263')],
  ['BLOB_COMPRESSED', col(141, 4), hex('04000000 00 616263')],
];

describe('decodeColumnValue: every type', () => {
  test.each(CASES)('%s decodes and reports its length, also at an offset', (_name, c, bytes) => {
    const got = decodeColumnValue(bytes, 0, c);
    expect(got.length).toBe(bytes.length);
    const shifted = Buffer.concat([hex('eeeeee'), bytes, hex('dd')]);
    expect(decodeColumnValue(shifted, 3, c)).toEqual(got);
  });

  test.each(CASES)('%s: every truncation is a WIRE_DECODE error naming the column, type and offset', (_name, c, bytes) => {
    for (let cut = 0; cut < bytes.length; cut++) {
      // the value starts at offset 5 of the buffer
      const buf = Buffer.concat([Buffer.alloc(5), bytes.subarray(0, cut)]);
      let caught: unknown;
      try {
        decodeColumnValue(buf, 5, c);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SynctlError);
      const e = caught as SynctlError;
      expect(e.code).toBe('WIRE_DECODE');
      expect(e.message).toMatch(/^column victim \(#7\) \S+: .* at offset \d+$/);
      expect(e.details['column']).toBe('victim');
      expect(e.details['offset']).toBeGreaterThanOrEqual(5);
    }
  });

  test('an offset past the end of the buffer', () => {
    expect(() => decodeColumnValue(hex('01'), 4, col(MysqlType.LONG, 0))).toThrow(/truncated: INT needs 4 bytes, 0 left at offset 4/);
  });

  test('unsupported and legacy types', () => {
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.DECIMAL, 0))).toThrow(/legacy DECIMAL/);
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.NULL, 0))).toThrow(/unsupported column type/);
    expect(() => decodeColumnValue(hex('00'), 0, col(99, 0))).toThrow(/column victim \(#7\) type 99: unsupported/);
  });
});
