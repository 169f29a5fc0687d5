import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { decodeColumnValue } from './index';

function col(type: number, meta = 0, extra: Partial<BinlogColumn> = {}): BinlogColumn {
  return { index: 2, name: 'n', type, meta, unsigned: false, nullable: true, ...extra };
}
const U = { unsigned: true };
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('integers', () => {
  test.each([
    // type, bytes (LE), signed value, unsigned value
    [MysqlType.TINY, '80', -128, 128],
    [MysqlType.TINY, 'ff', -1, 255],
    [MysqlType.TINY, '7f', 127, 127],
    [MysqlType.SHORT, '0080', -32768, 32768],
    [MysqlType.SHORT, 'ffff', -1, 65535],
    [MysqlType.INT24, '000080', -8388608, 8388608],
    [MysqlType.INT24, 'ffff7f', 8388607, 8388607],
    [MysqlType.INT24, 'ffffff', -1, 16777215],
    [MysqlType.INT24, 'f8ffff', -8, 16777208],
    [MysqlType.LONG, '00000080', -2147483648, 2147483648],
    [MysqlType.LONG, 'ffffffff', -1, 4294967295],
    [MysqlType.LONG, 'd3e6c0c0', -1061099821, 3233867475],
  ])('type %i bytes %s', (type, bytes, signed, unsigned) => {
    const b = hex(bytes);
    expect(decodeColumnValue(b, 0, col(type))).toEqual({ value: signed, length: b.length });
    expect(decodeColumnValue(b, 0, col(type, 0, U))).toEqual({ value: unsigned, length: b.length });
  });

  test('LONGLONG: bigint, unsigned up to 2^64-1, signed min', () => {
    const max = hex('ffffffffffffffff');
    expect(decodeColumnValue(max, 0, col(MysqlType.LONGLONG, 0, U))).toEqual({ value: 18446744073709551615n, length: 8 });
    expect(decodeColumnValue(max, 0, col(MysqlType.LONGLONG))).toEqual({ value: -1n, length: 8 });
    const min = hex('0000000000000080');
    expect(decodeColumnValue(min, 0, col(MysqlType.LONGLONG))).toEqual({ value: -9223372036854775808n, length: 8 });
    expect(decodeColumnValue(min, 0, col(MysqlType.LONGLONG, 0, U))).toEqual({ value: 9223372036854775808n, length: 8 });
  });

  test('reads at an offset and reports only its own bytes', () => {
    // [junk 2 bytes] [SHORT 0x1234] [next column]
    const b = hex('aaaa 3412 ff');
    expect(decodeColumnValue(b, 2, col(MysqlType.SHORT))).toEqual({ value: 0x1234, length: 2 });
  });
});

describe('FLOAT / DOUBLE', () => {
  test('FLOAT is the exact float32 value (Math.fround semantics)', () => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(42.42);
    const v = decodeColumnValue(b, 0, col(MysqlType.FLOAT, 4)).value;
    expect(v).toBe(Math.fround(42.42));
    expect(v).toBe(42.41999816894531);
    b.writeFloatLE(-84.84);
    expect(decodeColumnValue(b, 0, col(MysqlType.FLOAT, 4))).toEqual({ value: Math.fround(-84.84), length: 4 });
  });

  test('DOUBLE', () => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(-84.84);
    expect(decodeColumnValue(b, 0, col(MysqlType.DOUBLE, 8))).toEqual({ value: -84.84, length: 8 });
    b.writeDoubleLE(-0);
    expect(Object.is(decodeColumnValue(b, 0, col(MysqlType.DOUBLE, 8)).value, -0)).toBe(true);
  });
});

describe('YEAR', () => {
  test.each([
    ['00', 0],
    ['01', 1901],
    ['54', 1984],
    ['ff', 2155],
  ])('%s → %i', (bytes, year) => {
    expect(decodeColumnValue(hex(bytes), 0, col(MysqlType.YEAR))).toEqual({ value: year, length: 1 });
  });
});

describe('BIT', () => {
  test('BIT(1)', () => {
    expect(decodeColumnValue(hex('01'), 0, col(MysqlType.BIT, 1))).toEqual({ value: hex('01'), length: 1 });
  });

  test('BIT(64) big-endian, 8 bytes', () => {
    // b'1101011010110100100111100011010100010100101110111011101011011010'
    const b = hex('d6b49e3514bbbada');
    expect(decodeColumnValue(b, 0, col(MysqlType.BIT, 64))).toEqual({ value: b, length: 8 });
  });

  test('meta as the plain bit count or as the raw TABLE_MAP word (bytes << 8 | bits)', () => {
    // BIT(12) b'100010101101' = 0x08ad; raw word = 1 << 8 | 4 = 260
    const b = hex('08ad');
    expect(decodeColumnValue(b, 0, col(MysqlType.BIT, 12))).toEqual({ value: b, length: 2 });
    expect(decodeColumnValue(b, 0, col(MysqlType.BIT, 260))).toEqual({ value: b, length: 2 });
    // BIT(16): 512; BIT(64): 2048
    expect(decodeColumnValue(b, 0, col(MysqlType.BIT, 512)).length).toBe(2);
    expect(decodeColumnValue(Buffer.alloc(8), 0, col(MysqlType.BIT, 2048)).length).toBe(8);
  });

  test('the value is a copy', () => {
    const b = hex('04');
    const v = decodeColumnValue(b, 0, col(MysqlType.BIT, 3)).value as Buffer;
    b[0] = 0;
    expect(v).toEqual(hex('04'));
  });

  test('bad metadata', () => {
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.BIT, 0))).toThrow(/bad BIT metadata/);
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.BIT, 65))).toThrow(/bad BIT metadata/);
  });
});
