import { Temporal } from '../../../model/value';
import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { decodeColumnValue } from './index';

function col(type: number, meta = 0): BinlogColumn {
  return { index: 1, name: 't', type, meta, unsigned: false, nullable: true };
}
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const date = (s: string) => new Temporal('date', s);
const time = (s: string) => new Temporal('time', s);
const datetime = (s: string) => new Temporal('datetime', s);
const tstz = (s: string) => new Temporal('timestamptz', s);

describe('DATE', () => {
  test.each([
    // 3 bytes LE: year << 9 | month << 5 | day
    ['83810f', '1984-12-03'],
    ['000000', '0000-00-00'],
    ['350000', '0000-01-21'], // zero year
    ['9f1f4e', '9999-12-31'],
  ])('%s → %s', (bytes, text) => {
    expect(decodeColumnValue(hex(bytes), 0, col(MysqlType.DATE))).toEqual({ value: date(text), length: 3 });
    expect(decodeColumnValue(hex(bytes), 0, col(MysqlType.NEWDATE)).value).toEqual(date(text));
  });

  test('month 13..15 is malformed', () => {
    expect(() => decodeColumnValue(hex('a00100'), 0, col(MysqlType.DATE))).toThrow(/malformed DATE/);
  });
});

describe('TIME2', () => {
  test('negative time over 99 hours (time_issue.000001: -507:48:27)', () => {
    // 507 << 12 | 48 << 6 | 27 = 2079771; stored 0x800000 - 2079771 = 0x6043e5
    expect(decodeColumnValue(hex('6043e5'), 0, col(MysqlType.TIME2, 0))).toEqual({ value: time('-507:48:27'), length: 3 });
  });

  test('negative with fraction, fsp 3: fraction stored in reverse order', () => {
    // -15:04:05.123: int part 15<<12|4<<6|5 = 61701 → stored -(61701+1) + 0x800000 = 7f0efa,
    // fraction 0x10000 - 1230 = fb32
    expect(decodeColumnValue(hex('7f0efa fb32'), 0, col(MysqlType.TIME2, 3))).toEqual({ value: time('-15:04:05.123'), length: 5 });
  });

  test('fsp 1..6 print exactly fsp digits', () => {
    // 12:34:56 = 12<<12 | 34<<6 | 56 = 51384 → 0x80c8b8
    expect(decodeColumnValue(hex('80c8b8 0a'), 0, col(MysqlType.TIME2, 1)).value).toEqual(time('12:34:56.1'));
    expect(decodeColumnValue(hex('80c8b8 0c'), 0, col(MysqlType.TIME2, 2)).value).toEqual(time('12:34:56.12'));
    expect(decodeColumnValue(hex('80c8b8 04d2'), 0, col(MysqlType.TIME2, 4)).value).toEqual(time('12:34:56.1234'));
    expect(decodeColumnValue(hex('80c8b8 01e23a'), 0, col(MysqlType.TIME2, 5)).value).toEqual(time('12:34:56.12345'));
    expect(decodeColumnValue(hex('80c8b8 000000'), 0, col(MysqlType.TIME2, 6))).toEqual({ value: time('12:34:56.000000'), length: 6 });
  });

  test('fsp above 6 is bad metadata', () => {
    expect(() => decodeColumnValue(hex('800000'), 0, col(MysqlType.TIME2, 7))).toThrow(/fractional-seconds precision 7/);
  });
});

describe('DATETIME2', () => {
  test.each([
    // 5 bytes BE (ymd << 17 | hms) + 0x8000000000, then the fraction
    [1, '999ab8f7aa 0a', '2016-10-28 15:30:42.1'],
    [2, '999ab8f7aa 0c', '2016-10-28 15:30:42.12'],
    [3, '999ab8f7aa 04ce', '2016-10-28 15:30:42.123'],
    [4, '999ab8f7aa 04d2', '2016-10-28 15:30:42.1234'],
    [5, '999ab8f7aa 01e23a', '2016-10-28 15:30:42.12345'],
    [6, '999ab8f7aa 01e240', '2016-10-28 15:30:42.123456'],
    [0, '8000000000', '0000-00-00 00:00:00'],
    [3, '8000000000 0000', '0000-00-00 00:00:00.000'],
    [0, '998e400000', '2013-00-00 00:00:00'],
  ])('fsp %i %s', (fsp, bytes, text) => {
    const b = hex(bytes);
    expect(decodeColumnValue(b, 0, col(MysqlType.DATETIME2, fsp))).toEqual({ value: datetime(text), length: b.length });
  });
});

describe('TIMESTAMP2', () => {
  test('seconds since the epoch, UTC', () => {
    // 1984-12-03 12:33:07 UTC = 470925187 = 0x1c11bf83
    expect(decodeColumnValue(hex('1c11bf83'), 0, col(MysqlType.TIMESTAMP2, 0))).toEqual({
      value: tstz('1984-12-03 12:33:07+00:00'),
      length: 4,
    });
    // .123 → 1230 = 0x04ce
    expect(decodeColumnValue(hex('1c11bf83 04ce'), 0, col(MysqlType.TIMESTAMP2, 3))).toEqual({
      value: tstz('1984-12-03 12:33:07.123+00:00'),
      length: 6,
    });
    expect(decodeColumnValue(hex('7fffffff'), 0, col(MysqlType.TIMESTAMP2, 0)).value).toEqual(tstz('2038-01-19 03:14:07+00:00'));
    expect(decodeColumnValue(hex('00000001'), 0, col(MysqlType.TIMESTAMP2, 0)).value).toEqual(tstz('1970-01-01 00:00:01+00:00'));
  });

  test('0 is the zero timestamp', () => {
    expect(decodeColumnValue(hex('00000000'), 0, col(MysqlType.TIMESTAMP2, 0)).value).toEqual(tstz('0000-00-00 00:00:00+00:00'));
    expect(decodeColumnValue(hex('00000000 0000'), 0, col(MysqlType.TIMESTAMP2, 4)).value).toEqual(
      tstz('0000-00-00 00:00:00.0000+00:00'),
    );
  });

  test('dates far from the epoch', () => {
    // 2000-02-29 23:59:59 UTC = 951868799 = 0x38bc5d7f; 2106 is beyond u32 so 0xfffffffe = 2106-02-07 06:28:14
    expect(decodeColumnValue(hex('38bc5d7f'), 0, col(MysqlType.TIMESTAMP2, 0)).value).toEqual(tstz('2000-02-29 23:59:59+00:00'));
    expect(decodeColumnValue(hex('fffffffe'), 0, col(MysqlType.TIMESTAMP2, 0)).value).toEqual(tstz('2106-02-07 06:28:14+00:00'));
  });
});

describe('legacy temporals (MySQL ≤ 5.5)', () => {
  test('TIME: signed 3-byte HHMMSS', () => {
    // 8385959 = 0x7ff5a7 LE a7f57f; -8385959 LE 590a80
    expect(decodeColumnValue(hex('a7f57f'), 0, col(MysqlType.TIME))).toEqual({ value: time('838:59:59'), length: 3 });
    expect(decodeColumnValue(hex('590a80'), 0, col(MysqlType.TIME)).value).toEqual(time('-838:59:59'));
    expect(decodeColumnValue(hex('000000'), 0, col(MysqlType.TIME)).value).toEqual(time('00:00:00'));
  });

  test('DATETIME: 8-byte LE YYYYMMDDhhmmss', () => {
    // 19841203123307 LE
    expect(decodeColumnValue(hex('6b34dda30b120000'), 0, col(MysqlType.DATETIME))).toEqual({
      value: datetime('1984-12-03 12:33:07'),
      length: 8,
    });
    expect(decodeColumnValue(Buffer.alloc(8), 0, col(MysqlType.DATETIME)).value).toEqual(datetime('0000-00-00 00:00:00'));
  });

  test('TIMESTAMP: 4-byte LE seconds', () => {
    expect(decodeColumnValue(hex('83bf111c'), 0, col(MysqlType.TIMESTAMP))).toEqual({
      value: tstz('1984-12-03 12:33:07+00:00'),
      length: 4,
    });
    expect(decodeColumnValue(hex('00000000'), 0, col(MysqlType.TIMESTAMP)).value).toEqual(tstz('0000-00-00 00:00:00+00:00'));
  });
});

describe('MariaDB hires temporals (legacy type codes, fsp in meta)', () => {
  test('TIME(3): big-endian, offset by 838:59:59 + 1 s', () => {
    // -12:34:56.789 in ms = -45296789; stored 3020400000 - 45296789 = 0xb15478eb in 5 bytes
    expect(decodeColumnValue(hex('00b15478eb'), 0, col(MysqlType.TIME, 3))).toEqual({ value: time('-12:34:56.789'), length: 5 });
  });

  test('DATETIME(6): pack_time in 8 bytes', () => {
    expect(decodeColumnValue(hex('01018945b1b9aec0'), 0, col(MysqlType.DATETIME, 6))).toEqual({
      value: datetime('2016-10-28 15:30:42.123456'),
      length: 8,
    });
  });

  test('TIMESTAMP(2): 4 bytes seconds + 1 byte hundredths', () => {
    expect(decodeColumnValue(hex('1c11bf83 0c'), 0, col(MysqlType.TIMESTAMP, 2))).toEqual({
      value: tstz('1984-12-03 12:33:07.12+00:00'),
      length: 5,
    });
  });
});
