import { isSynctlError } from '../../../errors';
import type { BinlogColumn } from '../column';
import { MysqlType } from '../column';
import { decodeColumnValue, formatJsonDouble, jsonBinaryToText } from './index';

const COL: BinlogColumn = { index: 4, name: 'doc', type: MysqlType.JSON, meta: 4, unsigned: false, nullable: true };
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

/** a JSON column value: 4-byte LE length + the binary document */
function cell(doc: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(doc.length);
  return Buffer.concat([len, doc]);
}
function text(doc: Buffer): string {
  const got = decodeColumnValue(cell(doc), 0, COL);
  expect(got.length).toBe(doc.length + 4);
  return got.value as string;
}

// ---- a small encoder written from the format description in json_binary.h -------------
// (used for the bigger documents; the small ones below are literal bytes)

type J =
  | null
  | boolean
  | string
  | { int16: number }
  | { uint16: number }
  | { int32: number }
  | { uint32: number }
  | { int64: bigint }
  | { uint64: bigint }
  | { double: number }
  | { opaque: number; data: Buffer }
  | { array: J[]; large?: boolean }
  | { object: [string, J][]; large?: boolean };

function varLen(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** [type byte, value bytes] */
function enc(v: J): [number, Buffer] {
  if (v === null) return [0x04, Buffer.from([0])];
  if (v === true) return [0x04, Buffer.from([1])];
  if (v === false) return [0x04, Buffer.from([2])];
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return [0x0c, Buffer.concat([varLen(s.length), s])];
  }
  const b = Buffer.alloc(8);
  if ('int16' in v) return b.writeInt16LE(v.int16), [0x05, b.subarray(0, 2)];
  if ('uint16' in v) return b.writeUInt16LE(v.uint16), [0x06, b.subarray(0, 2)];
  if ('int32' in v) return b.writeInt32LE(v.int32), [0x07, b.subarray(0, 4)];
  if ('uint32' in v) return b.writeUInt32LE(v.uint32), [0x08, b.subarray(0, 4)];
  if ('int64' in v) return b.writeBigInt64LE(v.int64), [0x09, b];
  if ('uint64' in v) return b.writeBigUInt64LE(v.uint64), [0x0a, b];
  if ('double' in v) return b.writeDoubleLE(v.double), [0x0b, b];
  if ('opaque' in v) return [0x0f, Buffer.concat([Buffer.from([v.opaque]), varLen(v.data.length), v.data])];
  const large = v.large === true;
  const isObject = 'object' in v;
  const items: [string, J][] = isObject ? v.object : v.array.map((x) => ['', x] as [string, J]);
  const w = large ? 4 : 2;
  const n = items.length;
  const header = 2 * w + (isObject ? n * (w + 2) : 0) + n * (1 + w);
  const keys = items.map(([k]) => Buffer.from(k, 'utf8'));
  let pos = header + (isObject ? keys.reduce((s, k) => s + k.length, 0) : 0);
  const keyEntries: Buffer[] = [];
  let keyPos = header;
  for (const k of keys) {
    const e = Buffer.alloc(w + 2);
    if (large) e.writeUInt32LE(keyPos, 0);
    else e.writeUInt16LE(keyPos, 0);
    e.writeUInt16LE(k.length, w);
    keyEntries.push(e);
    keyPos += k.length;
  }
  const valueEntries: Buffer[] = [];
  const data: Buffer[] = [];
  for (const [, x] of items) {
    const [t, bytes] = enc(x);
    const e = Buffer.alloc(1 + w);
    e[0] = t;
    const inline = t === 0x04 || t === 0x05 || t === 0x06 || (large && (t === 0x07 || t === 0x08));
    if (inline) bytes.copy(e, 1);
    else {
      if (large) e.writeUInt32LE(pos, 1);
      else e.writeUInt16LE(pos, 1);
      data.push(bytes);
      pos += bytes.length;
    }
    valueEntries.push(e);
  }
  const head = Buffer.alloc(2 * w);
  if (large) {
    head.writeUInt32LE(n, 0);
    head.writeUInt32LE(pos, 4);
  } else {
    head.writeUInt16LE(n, 0);
    head.writeUInt16LE(pos, 2);
  }
  const body = Buffer.concat([head, ...(isObject ? keyEntries : []), ...valueEntries, ...(isObject ? keys : []), ...data]);
  return [isObject ? (large ? 0x01 : 0x00) : large ? 0x03 : 0x02, body];
}
function doc(v: J): Buffer {
  const [t, b] = enc(v);
  return Buffer.concat([Buffer.from([t]), b]);
}

// ---------------------------------------------------------------------------------------

describe('binary JSON, literal bytes', () => {
  test('{"a": 1}', () => {
    const d = hex(
      '00' + // small object
        '0100' + // 1 member
        '0c00' + // 12 bytes from here
        '0b00 0100' + // key entry: offset 11, length 1
        '05 0100' + // value entry: int16, inlined 1
        '61', // 'a'
    );
    expect(text(d)).toBe('{"a": 1}');
  });

  test('[true, -2]', () => {
    const d = hex(
      '02' + // small array
        '0200' + // 2 elements
        '0a00' + // 10 bytes
        '04 0100' + // literal true, inlined
        '05 feff', // int16 -2, inlined
    );
    expect(text(d)).toBe('[true, -2]');
  });

  test('scalars at the top level', () => {
    expect(text(hex('04 00'))).toBe('null');
    expect(text(hex('04 01'))).toBe('true');
    expect(text(hex('04 02'))).toBe('false');
    expect(text(hex('0c 03 616263'))).toBe('"abc"');
    expect(text(hex('0b 333333333333f33f'))).toBe('1.2');
    expect(text(hex('07 60790000'))).toBe('31072');
  });

  test('an empty value is the JSON null literal', () => {
    expect(decodeColumnValue(hex('00000000'), 0, COL)).toEqual({ value: 'null', length: 4 });
  });

  test('opaque DECIMAL, DATE, DATETIME, TIME (json-opaque.binlog values)', () => {
    // DECIMAL(3,2) 9.00: [type 0xf6] [len 4] [precision 3] [scale 2] [89 00]
    expect(text(hex('0f f6 04 03 02 8900'))).toBe('9.00');
    // DATE 2012-03-18 packed ((2012*13+3) << 5 | 18) << 41, int64 LE
    expect(text(hex('0f 0a 08 0000000000e48b19'))).toBe('"2012-03-18"');
    // DATETIME 2012-03-18 11:30:45: 6 fraction digits always
    expect(text(hex('0f 0c 08 000000adb7e48b19'))).toBe('"2012-03-18 11:30:45.000000"');
    // TIMESTAMP uses the DATETIME packing
    expect(text(hex('0f 07 08 000000adb7e48b19'))).toBe('"2012-03-18 11:30:45.000000"');
    // TIME 87:31:46.654321
    expect(text(hex('0f 0b 08 f1fb09ee77050000'))).toBe('"87:31:46.654321"');
    // TIME -01:02:03.5 (negated packed value)
    expect(text(hex('0f 0b 08 e05ef87cefffffff'))).toBe('"-01:02:03.500000"');
  });

  test('opaque of other types: base64:type<N>:...; VAR_STRING as a string', () => {
    // b'01010101' is logged as opaque type 15 holding 'U'
    expect(text(hex('0f 0f 01 55'))).toBe('"base64:type15:VQ=="');
    expect(text(hex('0f fd 02 6869'))).toBe('"hi"');
    // more than 57 bytes: MIME base64 lines of 76 characters (newline escaped)
    const data = Buffer.alloc(60, 0xff);
    const b64 = data.toString('base64');
    expect(text(doc({ opaque: 252, data }))).toBe(`"base64:type252:${b64.slice(0, 76)}\\n${b64.slice(76)}"`);
  });
});

describe('binary JSON, encoded documents', () => {
  const everything: J = {
    object: [
      ['a', null],
      ['b', true],
      ['c', false],
      ['d', { int16: -5 }],
      ['e', { uint16: 65535 }],
      ['f', { int32: -100000 }],
      ['g', { uint32: 4000000000 }],
      ['h', { int64: -9223372036854775808n }],
      ['i', { uint64: 18446744073709551615n }],
      ['j', { double: 1.5 }],
      ['k', 'x"y\\z\n\t\b\f\r\u0001\u001f é🍔'],
      ['l', { array: [{ int16: 1 }, 'two', { object: [['z', { array: [] }]] }, { object: [] }] }],
      ['m', { double: 100 }],
      ['n', { double: -0.000001 }],
      ['o', { double: 1e300 }],
    ],
  };
  const expected =
    '{"a": null, "b": true, "c": false, "d": -5, "e": 65535, "f": -100000, "g": 4000000000, ' +
    '"h": -9223372036854775808, "i": 18446744073709551615, "j": 1.5, ' +
    '"k": "x\\"y\\\\z\\n\\t\\b\\f\\r\\u0001\\u001f é🍔", ' +
    '"l": [1, "two", {"z": []}, {}], "m": 100.0, "n": -0.000001, "o": 1e300}';

  test('small object with every scalar kind and nested containers', () => {
    expect(text(doc(everything))).toBe(expected);
  });

  test('the same document in the large format (4-byte offsets, inlined int32)', () => {
    const large = (v: J): J => {
      if (v !== null && typeof v === 'object' && 'object' in v) return { object: v.object.map(([k, x]) => [k, large(x)]), large: true };
      if (v !== null && typeof v === 'object' && 'array' in v) return { array: v.array.map(large), large: true };
      return v;
    };
    expect(text(doc(large(everything)))).toBe(expected);
  });

  test('keys print in stored order, unicode keys escaped like values', () => {
    expect(text(doc({ object: [['b', 1 === 1], ['a"', null], ['ключ', 'значение']] }))).toBe('{"b": true, "a\\"": null, "ключ": "значение"}');
  });

  test('deep nesting is bounded', () => {
    let v: J = { array: [] };
    for (let i = 0; i < 120; i++) v = { array: [v] };
    expect(() => text(doc(v))).toThrow(/nesting deeper than 100/);
  });

  test('the output is valid JSON', () => {
    expect(() => JSON.parse(text(doc(everything)))).not.toThrow();
  });
});

describe('doubles as MySQL prints them', () => {
  test.each([
    [1, '1.0'],
    [-2.5, '-2.5'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1.2, '1.2'],
    [123456.789, '123456.789'],
    [1e14, '100000000000000.0'],
    [1e15, '1e15'],
    [1234567890123456, '1.234567890123456e15'],
    [123456789012345.6, '123456789012345.6'],
    [1e-15, '0.000000000000001'],
    [1.5e-15, '0.0000000000000015'],
    [1e-16, '1e-16'],
    [-1.5e-20, '-1.5e-20'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e308'],
    [0.30000000000000004, '0.30000000000000004'],
  ])('%p → %s', (x, s) => {
    expect(formatJsonDouble(x)).toBe(s);
  });
});

describe('malformed binary JSON', () => {
  function err(d: Buffer): Error {
    try {
      jsonBinaryToText(d, 0, d.length, COL);
    } catch (e) {
      expect(isSynctlError(e, 'WIRE_DECODE')).toBe(true);
      expect((e as Error).message).toMatch(/column doc \(#4\) JSON: binary JSON: .* at offset \d+/);
      return e as Error;
    }
    throw new Error('no error');
  }

  test('unknown type, bad literal', () => {
    expect(err(hex('0e 00')).message).toMatch(/unknown value type 0xe/);
    expect(err(hex('04 07')).message).toMatch(/bad literal/);
  });

  test('sizes and offsets outside the document', () => {
    expect(err(hex('00 0100 ff00')).message).toMatch(/object size 255 exceeds/);
    expect(err(hex('00 0500 0600 0000')).message).toMatch(/entries do not fit/);
    // key offset past the object
    expect(err(hex('00 0100 0c00 f000 0100 05 0100 61')).message).toMatch(/key 0 outside/);
    // value offset past the array: double at offset 0x40
    expect(err(hex('02 0100 0700 0b 4000')).message).toMatch(/value offset 64 outside/);
  });

  test('strings and opaque values longer than the document', () => {
    expect(err(hex('0c 05 6162')).message).toMatch(/length 5 exceeds the 2 bytes left/);
    expect(err(hex('0c 80')).message).toMatch(/truncated length/);
    expect(err(hex('0c ffffffffff01')).message).toMatch(/bad variable-length length/);
    expect(err(hex('0f 0a 04 00000000')).message).toMatch(/opaque temporal of 4 bytes/);
    expect(err(hex('0f f6 02 0302')).message).toMatch(/truncated opaque DECIMAL/);
  });

  test('every truncation of a valid document fails cleanly', () => {
    const d = doc({ object: [['k', { array: [{ int64: 1n }, 'str', { double: 2.5 }] }]] });
    for (let cut = 1; cut < d.length; cut++) {
      expect(() => jsonBinaryToText(d.subarray(0, cut), 0, cut, COL)).toThrow(/binary JSON/);
    }
  });
});
