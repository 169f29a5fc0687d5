import { Temporal } from '../../model/value';
import { copyUnescape, CopyTextRows, pgConverterFor } from './pg-source-values';

describe('COPY text output', () => {
  test('fields: \\N is NULL, escapes undone', () => {
    expect(copyUnescape('\\N')).toBeNull();
    expect(copyUnescape('plain')).toBe('plain');
    expect(copyUnescape('a\\tb\\nc\\\\d\\re')).toBe('a\tb\nc\\d\re');
    expect(copyUnescape('\\\\x00ff')).toBe('\\x00ff'); // bytea hex text
    expect(copyUnescape('\\101\\x42')).toBe('AB');
    expect(copyUnescape('\\\\N')).toBe('\\N'); // a backslash and N, not NULL
  });

  test('rows split across chunks, even inside a UTF-8 character', async () => {
    const bytes = Buffer.from('1\tcafé\t\\N\n2\t中文\\tx\t\n', 'utf8');
    const r = new CopyTextRows();
    const rows: (string | null)[][] = [];
    r.on('data', (row: (string | null)[]) => rows.push(row));
    for (let i = 0; i < bytes.length; i += 3) r.write(bytes.subarray(i, i + 3));
    r.end();
    await new Promise((res) => r.on('end', res));
    expect(rows).toEqual([
      ['1', 'café', null],
      ['2', '中文\tx', ''],
    ]);
  });

  test('output ending inside a row is an error', async () => {
    const r = new CopyTextRows();
    r.resume();
    const failed = new Promise((res) => r.on('error', res));
    r.end(Buffer.from('3\tpart'));
    expect(String(await failed)).toMatch(/COPY output ended inside a row/);
  });
});

describe('values', () => {
  const conv = (dataType: string, v: string | null): unknown => pgConverterFor({ dataType })(v);

  test('numbers exact: int8 as bigint, float4 as its float32 value, numeric as text', () => {
    expect(conv('int4', '-42')).toBe(-42);
    expect(conv('int8', '-9007199254740993')).toBe(-9007199254740993n);
    expect(conv('float4', '0.142857149')).toBe(Math.fround(0.142857149));
    expect(conv('float8', '0.1')).toBe(0.1);
    expect(conv('numeric', '12345678901234567890.000000000001')).toBe('12345678901234567890.000000000001');
    expect(conv('int4', null)).toBeNull();
  });

  test('bool, bytea, times', () => {
    expect(conv('bool', 't')).toBe(true);
    expect(conv('bool', 'f')).toBe(false);
    expect(conv('bytea', '\\x00ff0a')).toEqual(Buffer.from([0, 255, 10]));
    expect(conv('timestamptz', '2024-03-01 10:00:00.123456+00')).toEqual(new Temporal('timestamptz', '2024-03-01 10:00:00.123456+00:00'));
    expect(conv('timestamp', '1999-12-31 23:59:59.999')).toEqual(new Temporal('datetime', '1999-12-31 23:59:59.999'));
    expect(conv('date', '2000-02-29')).toEqual(new Temporal('date', '2000-02-29'));
    expect(conv('jsonb', '{"a": 1}')).toBe('{"a": 1}');
    expect(conv('_int4', '{1,2,NULL}')).toBe('{1,2,NULL}');
  });
});
