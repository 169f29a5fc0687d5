import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { decodeColumnValue } from './index';

function col(type: number, length: number, extra: Partial<BinlogColumn> = {}): BinlogColumn {
  // meta as go-mysql gives it: real_type << 8 | pack length
  return { index: 0, name: 'e', type, meta: (type << 8) | length, length, unsigned: false, nullable: true, ...extra };
}
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('ENUM', () => {
  const pets = { enumValues: ['Dog', 'Cat'] };

  test('1-based index → label', () => {
    expect(decodeColumnValue(hex('02'), 0, col(MysqlType.ENUM, 1, pets))).toEqual({ value: 'Cat', length: 1 });
    expect(decodeColumnValue(hex('01'), 0, col(MysqlType.ENUM, 1, pets))).toEqual({ value: 'Dog', length: 1 });
  });

  test("index 0 is MySQL's error value ''", () => {
    expect(decodeColumnValue(hex('00'), 0, col(MysqlType.ENUM, 1, pets))).toEqual({ value: '', length: 1 });
  });

  test('2-byte pack length (more than 255 labels)', () => {
    const labels = Array.from({ length: 300 }, (_, i) => `v${i + 1}`);
    // index 300 = 0x012c LE
    expect(decodeColumnValue(hex('2c01'), 0, col(MysqlType.ENUM, 2, { enumValues: labels }))).toEqual({ value: 'v300', length: 2 });
  });

  test('without labels: the index as a number', () => {
    expect(decodeColumnValue(hex('02'), 0, col(MysqlType.ENUM, 1))).toEqual({ value: 2, length: 1 });
  });

  test('pack length from meta when col.length is absent', () => {
    const c: BinlogColumn = { index: 0, name: 'e', type: MysqlType.ENUM, meta: 0xf701, unsigned: false, nullable: true };
    expect(decodeColumnValue(hex('02'), 0, c)).toEqual({ value: 2, length: 1 });
  });

  test('index beyond the labels is an error', () => {
    expect(() => decodeColumnValue(hex('03'), 0, col(MysqlType.ENUM, 1, pets))).toThrow(/ENUM index 3 beyond the 2 known labels/);
  });
});

describe('SET', () => {
  const skills = { setValues: ['Programming', 'Writing', 'Design'] };

  test('bitmap → labels in member order', () => {
    expect(decodeColumnValue(hex('03'), 0, col(MysqlType.SET, 1, skills))).toEqual({ value: 'Programming,Writing', length: 1 });
    expect(decodeColumnValue(hex('05'), 0, col(MysqlType.SET, 1, skills)).value).toBe('Programming,Design');
    expect(decodeColumnValue(hex('00'), 0, col(MysqlType.SET, 1, skills)).value).toBe('');
  });

  test('64 members, 8-byte bitmap', () => {
    const labels = Array.from({ length: 64 }, (_, i) => `m${i}`);
    // bits 0, 9 and 63: LE bytes 01 02 00 00 00 00 00 80
    expect(decodeColumnValue(hex('0102000000000080'), 0, col(MysqlType.SET, 8, { setValues: labels }))).toEqual({
      value: 'm0,m9,m63',
      length: 8,
    });
    expect(decodeColumnValue(hex('ffffffffffffffff'), 0, col(MysqlType.SET, 8, { setValues: labels })).value).toBe(labels.join(','));
  });

  test('without labels: the bitmap as a bigint', () => {
    expect(decodeColumnValue(hex('0a'), 0, col(MysqlType.SET, 1))).toEqual({ value: 10n, length: 1 });
    expect(decodeColumnValue(hex('ffffffffffffffff'), 0, col(MysqlType.SET, 8))).toEqual({ value: 18446744073709551615n, length: 8 });
  });

  test('a bit beyond the labels is an error', () => {
    expect(() => decodeColumnValue(hex('08'), 0, col(MysqlType.SET, 1, skills))).toThrow(/SET member 4 beyond the 3 known labels/);
  });

  test('bad pack lengths', () => {
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.SET, 9))).toThrow(/bad SET pack length 9/);
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.ENUM, 3))).toThrow(/bad ENUM pack length 3/);
  });
});
