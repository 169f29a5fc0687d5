import * as zlib from 'node:zlib';
import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { charsetOfCollation, decodeColumnValue, decodeText, isTextCharset } from './index';

function col(type: number, meta: number, extra: Partial<BinlogColumn> = {}): BinlogColumn {
  return { index: 3, name: 's', type, meta, unsigned: false, nullable: true, ...extra };
}
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const UTF8 = { charset: 'utf8mb4' };

describe('charsetOfCollation', () => {
  test.each([
    [8, 'latin1'],
    [5, 'latin1'],
    [31, 'latin1'],
    [47, 'latin1'],
    [48, 'latin1'],
    [49, 'latin1'],
    [94, 'latin1'],
    [33, 'utf8mb3'],
    [83, 'utf8mb3'],
    [192, 'utf8mb3'],
    [215, 'utf8mb3'],
    [45, 'utf8mb4'],
    [46, 'utf8mb4'],
    [224, 'utf8mb4'],
    [247, 'utf8mb4'],
    [255, 'utf8mb4'],
    [256, 'utf8mb4'],
    [309, 'utf8mb4'],
    [28, 'gbk'],
    [87, 'gbk'],
    [63, 'binary'],
    [11, 'ascii'],
    [1, 'big5'],
    [84, 'big5'],
    [248, 'gb18030'],
    [249, 'gb18030'],
    [35, 'ucs2'],
    [54, 'utf16'],
    [55, 'utf16'],
    [60, 'utf32'],
    [61, 'utf32'],
    [1032, 'latin1'], // MariaDB latin1_swedish_nopad_ci
    [1069, 'utf8mb4'], // MariaDB utf8mb4_general_nopad_ci
    [2048, 'utf8mb3'], // MariaDB utf8mb3_uca1400_ai_ci
    [2304, 'utf8mb4'], // MariaDB utf8mb4_uca1400_ai_ci
    [2560, 'ucs2'],
  ])('%i → %s', (id, charset) => {
    expect(charsetOfCollation(id)).toBe(charset);
  });

  test('unknown ids', () => {
    expect(charsetOfCollation(0)).toBeUndefined();
    expect(charsetOfCollation(17)).toBeUndefined();
    expect(charsetOfCollation(5000)).toBeUndefined();
    expect(charsetOfCollation(-1)).toBeUndefined();
    expect(charsetOfCollation(1087)).toBeUndefined(); // 63 + 1024: binary has no NO PAD variant
  });
});

describe('decodeText', () => {
  test('MySQL latin1 is cp1252, undefined cp1252 bytes pass through as C1 controls', () => {
    // 'é' 0xe9, '€' 0x80, 0x81 (undefined in cp1252), '™' 0x99
    expect(decodeText(hex('e9 80 81 99 41'), 0, 5, 'latin1')).toBe('é€\u0081™A');
    expect(decodeText(hex('48656c6c6f'), 0, 5, 'latin1')).toBe('Hello');
  });

  test('multi-byte charsets via iconv-lite', () => {
    expect(decodeText(hex('c4e3bac3'), 0, 4, 'gbk')).toBe('你好');
    expect(decodeText(hex('c4e3bac3'), 0, 4, 'gb18030')).toBe('你好');
    expect(decodeText(hex('a741a66e'), 0, 4, 'big5')).toBe('你好');
    expect(decodeText(hex('00e9 20ac'), 0, 4, 'ucs2')).toBe('é€'); // big-endian
    expect(decodeText(hex('d83c df54'), 0, 4, 'utf16')).toBe('🍔');
    expect(decodeText(hex('3cd8 54df'), 0, 4, 'utf16le')).toBe('🍔');
    expect(decodeText(hex('0001f354'), 0, 4, 'utf32')).toBe('🍔');
    expect(decodeText(hex('41'), 0, 1, 'ascii')).toBe('A');
  });

  test('binary and unknown charsets have no text', () => {
    expect(decodeText(hex('41'), 0, 1, 'binary')).toBeUndefined();
    expect(decodeText(hex('41'), 0, 1, 'swe7')).toBeUndefined();
    expect(decodeText(hex('41'), 0, 1, 'nonsense')).toBeUndefined();
    expect(isTextCharset('utf8mb4')).toBe(true);
    expect(isTextCharset('binary')).toBe(false);
    expect(isTextCharset(undefined)).toBe(false);
  });
});

describe('VARCHAR / VAR_STRING', () => {
  test('1 length byte when the max length ≤ 255', () => {
    // [len 5] 'Hello' [next column byte]
    const b = hex('05 48656c6c6f ff');
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 242, { charset: 'latin1' }))).toEqual({ value: 'Hello', length: 6 });
    expect(decodeColumnValue(b, 0, col(MysqlType.VAR_STRING, 255, UTF8))).toEqual({ value: 'Hello', length: 6 });
  });

  test('2 length bytes when the max length > 255', () => {
    // VARCHAR(1000) utf8mb4 (meta 4000): [len 300 LE 2c01] 'x' * 300
    const b = Buffer.concat([hex('2c01'), Buffer.alloc(300, 'x')]);
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 4000, UTF8))).toEqual({ value: 'x'.repeat(300), length: 302 });
  });

  test('charset from the collation id; binary → Buffer', () => {
    const b = hex('02 c3a9');
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 10, { collation: 255 })).value).toBe('é');
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 10, { collation: 8 })).value).toBe('Ã©');
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 10, { collation: 63 })).value).toEqual(hex('c3a9'));
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 10)).value).toEqual(hex('c3a9'));
    expect(decodeColumnValue(b, 0, col(MysqlType.VARCHAR, 10, { charset: 'dec8' })).value).toEqual(hex('c3a9'));
  });

  test('utf8mb4 4-byte characters and invalid sequences', () => {
    expect(decodeColumnValue(hex('04 f09f8d94'), 0, col(MysqlType.VARCHAR, 48, UTF8)).value).toBe('🍔');
    expect(decodeColumnValue(hex('01 ff'), 0, col(MysqlType.VARCHAR, 48, UTF8)).value).toBe('\ufffd');
  });

  test('empty string', () => {
    expect(decodeColumnValue(hex('00'), 0, col(MysqlType.VARCHAR, 10, UTF8))).toEqual({ value: '', length: 1 });
  });
});

describe('STRING (CHAR / BINARY)', () => {
  test('1 length byte for CHAR(12) latin1', () => {
    expect(decodeColumnValue(hex('05 48656c6c6f'), 0, col(MysqlType.STRING, 0xfe0c, { length: 12, charset: 'latin1' }))).toEqual({
      value: 'Hello',
      length: 6,
    });
  });

  test('2 length bytes when the byte length > 255 (CHAR(100) utf8mb4 = 400 bytes)', () => {
    const b = Buffer.concat([hex('0300'), Buffer.from('abc')]);
    expect(decodeColumnValue(b, 0, col(MysqlType.STRING, 0, { length: 400, charset: 'utf8mb4' }))).toEqual({ value: 'abc', length: 5 });
  });

  test('length from meta (go-mysql trick) when col.length is absent', () => {
    // CHAR(100) utf8mb4: 400 = 0x190 → real_type 0xfe with bits 4-5 = ~(0x1 << 4) → 0xee, length byte 0x90
    const b = Buffer.concat([hex('0300'), Buffer.from('abc')]);
    expect(decodeColumnValue(b, 0, col(MysqlType.STRING, 0xee90, UTF8))).toEqual({ value: 'abc', length: 5 });
    // CHAR(12) latin1: 0xfe0c → 12
    expect(decodeColumnValue(hex('01 41'), 0, col(MysqlType.STRING, 0xfe0c, { charset: 'latin1' })).length).toBe(2);
  });

  test('BINARY(4) → Buffer with the trailing 0x00 padding the binlog leaves out (as the server returns it)', () => {
    expect(decodeColumnValue(hex('02 ff01'), 0, col(MysqlType.STRING, 0xfe04, { length: 4, collation: 63 }))).toEqual({
      value: hex('ff010000'),
      length: 3,
    });
  });
});

describe('BLOB / TEXT', () => {
  test.each([
    [1, '05', MysqlType.BLOB],
    [2, '0500', MysqlType.BLOB],
    [3, '050000', MysqlType.BLOB],
    [4, '05000000', MysqlType.BLOB],
    [0, '05', MysqlType.TINY_BLOB],
    [0, '050000', MysqlType.MEDIUM_BLOB],
    [0, '05000000', MysqlType.LONG_BLOB],
  ])('meta %i (length bytes) %s, type %i', (meta, len, type) => {
    const b = Buffer.concat([hex(len), Buffer.from('World')]);
    expect(decodeColumnValue(b, 0, col(type, meta, { charset: 'latin1' }))).toEqual({ value: 'World', length: b.length });
    expect(decodeColumnValue(b, 0, col(type, meta))).toEqual({ value: Buffer.from('World'), length: b.length });
  });

  test('MariaDB JSON (LONGTEXT alias) is a text BLOB', () => {
    const j = '{"miam": "🍔"}';
    const b = Buffer.concat([Buffer.from([Buffer.byteLength(j), 0, 0, 0]), Buffer.from(j)]);
    expect(decodeColumnValue(b, 0, col(MysqlType.BLOB, 4, { collation: 45 })).value).toBe(j);
  });

  test('bad length-bytes metadata', () => {
    expect(() => decodeColumnValue(hex('00'), 0, col(MysqlType.BLOB, 5))).toThrow(/bad length-bytes metadata 5/);
  });

  test('binary values are copies', () => {
    const b = hex('02 abcd');
    const v = decodeColumnValue(b, 0, col(MysqlType.BLOB, 1)).value as Buffer;
    b.fill(0);
    expect(v).toEqual(hex('abcd'));
  });
});

describe('GEOMETRY and VECTOR', () => {
  test('GEOMETRY: SRID + WKB bytes', () => {
    // POINT(1 1): SRID 0, WKB: byte order 01, type 1, x 1.0, y 1.0
    const wkb = hex('00000000 01 01000000 000000000000f03f 000000000000f03f');
    const b = Buffer.concat([hex('19000000'), wkb]);
    expect(decodeColumnValue(b, 0, col(MysqlType.GEOMETRY, 4))).toEqual({ value: wkb, length: 29 });
  });

  test('VECTOR: float32 LE bytes (vector.binlog row 1 = [1.1, 2.2, 3.3])', () => {
    const floats = hex('cdcc8c3f cdcc0c40 33335340');
    const b = Buffer.concat([hex('0c000000'), floats]);
    const got = decodeColumnValue(b, 0, col(MysqlType.VECTOR, 4, { vectorDimensions: 3 }));
    expect(got).toEqual({ value: floats, length: 16 });
    const v = got.value as Buffer;
    expect([v.readFloatLE(0), v.readFloatLE(4), v.readFloatLE(8)]).toEqual([1.1, 2.2, 3.3].map(Math.fround));
  });

  test('VECTOR: malformed lengths', () => {
    expect(() => decodeColumnValue(hex('03000000 000000'), 0, col(MysqlType.VECTOR, 4))).toThrow(/not a multiple of 4/);
    expect(() => decodeColumnValue(Buffer.concat([hex('08000000'), Buffer.alloc(8)]), 0, col(MysqlType.VECTOR, 4, { vectorDimensions: 1 }))).toThrow(
      /exceeds VECTOR\(1\)/,
    );
  });
});

describe('MariaDB compressed columns (140 VARCHAR_COMPRESSED, 141 BLOB_COMPRESSED)', () => {
  const VARCHAR_COMPRESSED = 140;
  const BLOB_COMPRESSED = 141;
  const text = 'compress me '.repeat(50);

  test('zlib with wrapper: header 0x80 | 2 length bytes', () => {
    const z = zlib.deflateSync(Buffer.from(text));
    // [header 0x82] [original length 600 BE: 0258] [zlib stream]
    const stored = Buffer.concat([hex('82 0258'), z]);
    const b = Buffer.concat([Buffer.from([stored.length & 0xff, stored.length >> 8]), stored]);
    expect(decodeColumnValue(b, 0, col(BLOB_COMPRESSED, 2, UTF8))).toEqual({ value: text, length: b.length });
  });

  test('raw deflate (bit 3) in a VARCHAR_COMPRESSED, binary charset', () => {
    const z = zlib.deflateRawSync(Buffer.from('abcabcabcabc'));
    const stored = Buffer.concat([hex('89 0c'), z]); // 0x80 | raw 0x08 | 1 length byte; 12
    const b = Buffer.concat([Buffer.from([stored.length]), stored]);
    expect(decodeColumnValue(b, 0, col(VARCHAR_COMPRESSED, 100))).toEqual({ value: Buffer.from('abcabcabcabc'), length: b.length });
  });

  test('method 0: stored uncompressed after the header; empty value has no header', () => {
    expect(decodeColumnValue(hex('04 00 616263'), 0, col(VARCHAR_COMPRESSED, 100, UTF8))).toEqual({ value: 'abc', length: 5 });
    expect(decodeColumnValue(hex('00'), 0, col(VARCHAR_COMPRESSED, 100, UTF8))).toEqual({ value: '', length: 1 });
    // VARCHAR_COMPRESSED with max length > 255: 2 length bytes
    expect(decodeColumnValue(hex('0400 00 616263'), 0, col(VARCHAR_COMPRESSED, 1000, UTF8))).toEqual({ value: 'abc', length: 6 });
  });

  test('corrupt streams and wrong lengths are WIRE_DECODE errors', () => {
    const bad = hex('05 81 0c 010203');
    expect(() => decodeColumnValue(bad, 0, col(BLOB_COMPRESSED, 1))).toThrow(/zlib/);
    const z = zlib.deflateSync(Buffer.from('abc'));
    const stored = Buffer.concat([hex('81 05'), z]); // claims 5 bytes, holds 3
    const b = Buffer.concat([Buffer.from([stored.length]), stored]);
    expect(() => decodeColumnValue(b, 0, col(BLOB_COMPRESSED, 1))).toThrow(/decompressed 3 bytes, header says 5/);
    expect(() => decodeColumnValue(hex('02 30 00'), 0, col(BLOB_COMPRESSED, 1))).toThrow(/unknown compression method 3/);
    // a stream inflating to more than its header says stops at the claimed size
    const big = zlib.deflateSync(Buffer.alloc(1000, 'a'));
    const s2 = Buffer.concat([hex('81 0a'), big]);
    expect(() => decodeColumnValue(Buffer.concat([Buffer.from([s2.length]), s2]), 0, col(BLOB_COMPRESSED, 1))).toThrow(/WIRE|zlib|decompressed/);
  });
});
