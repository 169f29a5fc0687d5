import { Temporal, type Value } from '../../model/value';
import type { BoundColumn } from '../bound-table';
import type { ColKind } from '../../verify/types';
import { copyEscape, copyField, copyLine, literalToCopyField } from './pg-copy-text';
import { pgLiteral } from './pg-literal';

const col = (kind: ColKind, type: string, sourceType = type): BoundColumn => ({ name: 'c', kind, type, source: { name: 'c', type: sourceType, key: false, nullable: true } });
const opts = { zeroDate: null };

describe('copyEscape', () => {
  test('escapes backslash, newline, carriage return and tab only', () => {
    expect(copyEscape('plain ünïcode 😀 \'quote\' "dq"')).toBe('plain ünïcode 😀 \'quote\' "dq"');
    expect(copyEscape('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
  });
});

describe('literalToCopyField', () => {
  test.each([
    ['NULL', '\\N'],
    ['TRUE', 't'],
    ['FALSE', 'f'],
    ["B'0101'", '0101'],
    ["'it''s'", "it's"],
    ["'\\x00ff'", '\\\\x00ff'],
    ['-12.5e3', '-12.5e3'],
    ["'NaN'", 'NaN'],
  ])('%s -> %s', (lit, field) => expect(literalToCopyField(lit)).toBe(field));
});

describe('copyField gives what pgLiteral gives, fast path or not', () => {
  const cases: [Value, BoundColumn][] = [
    [null, col('int', 'integer')],
    [42, col('int', 'integer')],
    [-0, col('float', 'double precision')],
    [NaN, col('float', 'real')],
    [Infinity, col('float', 'double precision')],
    [0.1, col('float', 'double precision')],
    [12345678901234567890n, col('decimal', 'numeric(20,0)')],
    [5n, col('text', 'text')],
    [1n, col('bool', 'boolean')],
    ['12.50', col('decimal', 'numeric(12,2)')],
    ['not a number', col('text', 'text')],
    ['tab\there\nnl \\ back', col('text', 'text')],
    ['{"a": "x\\ny"}', col('json', 'jsonb')],
    ['1', col('bool', 'boolean')],
    ['abc', col('binary', 'bytea')],
    [Buffer.from([0, 0xff, 0x5c]), col('binary', 'bytea')],
    [Buffer.from([0x15]), col('other', 'bit varying(5)', 'bit(5)')],
    [Buffer.from([1]), col('bool', 'boolean', 'bit(1)')],
    [Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), col('other', 'uuid', 'binary(16)')],
    [true, col('bool', 'boolean')],
    [false, col('int', 'smallint')],
    [1, col('bool', 'boolean')],
    [new Temporal('date', '2024-02-29'), col('date', 'date')],
    [new Temporal('date', '0000-00-00'), col('date', 'date')],
    [new Temporal('datetime', '2024-01-02 03:04:05.123456'), col('datetime', 'timestamp(6) without time zone')],
    [new Temporal('timestamptz', '2024-01-02 03:04:05.123+00:00'), col('timestamptz', 'timestamp(3) with time zone')],
    [new Temporal('timestamptz', '2024-01-02 03:04:05+00:00'), col('datetime', 'timestamp without time zone')],
    [new Temporal('time', '12:34:56.78'), col('time', 'time(2) without time zone')],
  ];
  test.each(cases)('%p into %p', (v, c) => {
    const lit = pgLiteral(v, c, opts);
    expect(copyField(v, c, opts)).toBe(literalToCopyField(lit));
  });

  test('a NUL in text is refused as exec refuses it', () => {
    expect(() => copyField('a\0b', col('text', 'text'), opts)).toThrow(/NUL/);
  });

  test('copyLine: fields in the given order, tab-separated, newline-terminated', () => {
    const cols = [col('int', 'integer'), col('text', 'text'), col('int', 'integer')];
    expect(copyLine([1, 'x\ty', null], [2, 0, 1], cols, opts)).toBe('\\N\t1\tx\\ty\n');
  });
});
