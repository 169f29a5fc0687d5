import { isSynctlError } from '../../../errors';
import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { decimalBinarySize } from './decimal';
import { decodeColumnValue } from './index';

function dec(precision: number, scale: number): BinlogColumn {
  return { index: 0, name: 'price', type: MysqlType.NEWDECIMAL, meta: (precision << 8) | scale, unsigned: false, nullable: true };
}
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('NEWDECIMAL', () => {
  test('binary sizes', () => {
    expect(decimalBinarySize(10, 4)).toBe(5); // 6 int digits → 3 bytes, 4 frac digits → 2 bytes
    expect(decimalBinarySize(65, 30)).toBe(30);
    expect(decimalBinarySize(2, 1)).toBe(2);
    expect(decimalBinarySize(23, 0)).toBe(11); // 5 leftover digits (3 bytes) + 2 groups
  });

  test('DECIMAL(65,30), all digit groups', () => {
    const b = hex(
      '80bc614e' + // int leftover 8 digits: 12345678 (sign bit flipped: 0x00 → 0x80)
        '35b7bf87' + // 901234567
        '350e34c0' + // 890123456
        '2f075f79' + // 789012345
        '075bcd15' + // frac 123456789
        '00bc614e' + // 012345678
        '35b7bf87' + // 901234567
        '037a', // frac leftover 3 digits: 890 (2 bytes)
    );
    expect(decodeColumnValue(b, 0, dec(65, 30))).toEqual({
      value: '12345678901234567890123456789012345.123456789012345678901234567890',
      length: 30,
    });
  });

  test('DECIMAL(65,30) negative: every byte inverted', () => {
    const b = hex('7f439eb1ca484078caf1cb3fd0f8a086f8a432eaff439eb1ca484078fc85');
    expect(decodeColumnValue(b, 0, dec(65, 30)).value).toBe(
      '-12345678901234567890123456789012345.123456789012345678901234567890',
    );
  });

  test('DECIMAL(65,30) max', () => {
    const b = hex('85f5e0ff' + '3b9ac9ff'.repeat(6) + '03e7');
    expect(decodeColumnValue(b, 0, dec(65, 30)).value).toBe(`${'9'.repeat(35)}.${'9'.repeat(30)}`);
  });

  test('negative with zero integer part keeps its sign and scale', () => {
    // DECIMAL(10,4) -0.5000: int 000000 (3 bytes) 000000, frac 5000 = 0x1388; flip sign, invert
    expect(decodeColumnValue(hex('7fffffec77'), 0, dec(10, 4))).toEqual({ value: '-0.5000', length: 5 });
  });

  test('scale digits are kept; zero prints as 0.00', () => {
    // DECIMAL(10,4) -123.4500: int 000123 → 00 00 7b, frac 4500 → 11 94; inverted
    expect(decodeColumnValue(hex('7fff84ee6b'), 0, dec(10, 4)).value).toBe('-123.4500');
    // DECIMAL(10,2) 0.00: 4 bytes int + 1 byte frac
    expect(decodeColumnValue(hex('8000000000'), 0, dec(10, 2))).toEqual({ value: '0.00', length: 5 });
    // an all-zero negative encoding prints without sign
    expect(decodeColumnValue(hex('7fffffffff'), 0, dec(10, 2)).value).toBe('0.00');
  });

  test('scale 0 has no point', () => {
    // DECIMAL(23,0) 10: intg 23 → leftover 5 digits (3 bytes) + 2 groups
    expect(decodeColumnValue(hex('800000 00000000 0000000a'), 0, dec(23, 0)).value).toBe('10');
  });

  test('malformed digit group', () => {
    // DECIMAL(9,0): one 4-byte group, 0x3b9aca00 = 1000000000 > 999999999
    const b = hex('bb9aca00');
    expect(() => decodeColumnValue(b, 0, dec(9, 0))).toThrow(/malformed packed decimal/);
  });

  test('bad precision/scale and legacy DECIMAL', () => {
    expect(() => decodeColumnValue(hex('80'), 0, dec(0, 0))).toThrow(/bad DECIMAL precision/);
    expect(() => decodeColumnValue(hex('80'), 0, dec(5, 6))).toThrow(/bad DECIMAL precision/);
    const legacy: BinlogColumn = { ...dec(10, 2), type: MysqlType.DECIMAL };
    try {
      decodeColumnValue(hex('80'), 0, legacy);
      throw new Error('no error');
    } catch (e) {
      expect(isSynctlError(e, 'WIRE_DECODE')).toBe(true);
      expect((e as Error).message).toMatch(/column price \(#0\) DECIMAL: legacy DECIMAL/);
    }
  });
});
