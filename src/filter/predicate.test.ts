import type { TableDescriptor } from '../model/change';
import { Temporal, UNCHANGED, type Value } from '../model/value';
import { compareDec, parseDec } from './compare';
import { parseCondition } from './condition';
import { BindProblem, bindCondition, columnIndexer, likeRegExp, Tri } from './predicate';

const COLS: [string, string][] = [
  ['I', 'int'],
  ['BIG', 'bigint unsigned'],
  ['D', 'decimal(12,2)'],
  ['F', 'double'],
  ['S', 'varchar(40)'],
  ['TS', 'datetime(6)'],
  ['DT', 'date'],
  ['TM', 'time(6)'],
  ['TZ', 'timestamptz'],
  ['B', 'varbinary(16)'],
  ['BO', 'boolean'],
  ['Mixed', 'varchar(10)'],
];
const TABLE: TableDescriptor = {
  schema: 'APP',
  table: 'T',
  columns: COLS.map(([name, type]) => ({ name, type, key: name === 'I', nullable: true })),
};

type Vals = Partial<Record<string, Value>>;
const row = (v: Vals): Value[] => COLS.map(([n]) => (n in v ? v[n]! : null));

function evaluate(cond: string, vals: Vals, opts: { fill?: Vals; ci?: boolean } = {}): Tri {
  const c = parseCondition(cond);
  if (typeof c === 'string') throw new Error(c);
  const p = bindCondition(c, TABLE, columnIndexer(TABLE, opts.ci === true));
  return p(row(vals), opts.fill === undefined ? undefined : row(opts.fill));
}

const { TRUE, FALSE, UNKNOWN, UNEVALUABLE } = Tri;
const dt = (t: string): Temporal => new Temporal('datetime', t);
const TWO53 = 2n ** 53n;

describe('comparisons by value kind', () => {
  const cases: [string, Vals, Tri][] = [
    // number
    ['I = 5', { I: 5 }, TRUE],
    ['I != 5', { I: 5 }, FALSE],
    ['I <> 4', { I: 5 }, TRUE],
    ['I < 6', { I: 5 }, TRUE],
    ['I <= 5', { I: 5 }, TRUE],
    ['I > 5', { I: 5 }, FALSE],
    ['I >= 5', { I: 5 }, TRUE],
    ['5 < I', { I: 6 }, TRUE], // literal on the left flips the operator
    ['5 >= I', { I: 6 }, FALSE],
    ['I = -3', { I: -3 }, TRUE],
    ["I > '100'", { I: 101 }, TRUE], // DMHS writes numbers quoted
    ['I = 5.0', { I: 5 }, TRUE],
    ['I < 5.5', { I: 5 }, TRUE],
    ['I = 5.0000000000000000001', { I: 5 }, FALSE], // not rounded through a double
    ['F = 0.1', { F: 0.1 }, TRUE],
    ['F > 0.1', { F: 0.1 + 0.2 }, TRUE],
    ['F = 0.3', { F: 0.1 + 0.2 }, FALSE],
    ['F > 1e300', { F: Infinity }, TRUE],
    ['F = 1', { F: NaN }, UNKNOWN],
    ['F < 9007199254740993', { F: 9007199254740992 }, TRUE],
    // bigint, beyond 2^53
    [`BIG = ${TWO53 + 1n}`, { BIG: TWO53 + 1n }, TRUE],
    [`BIG > ${TWO53}`, { BIG: TWO53 + 1n }, TRUE],
    [`BIG = ${TWO53}`, { BIG: TWO53 + 1n }, FALSE], // as doubles they would be equal
    ['BIG = 18446744073709551615', { BIG: 18446744073709551615n }, TRUE],
    ['BIG < 18446744073709551615', { BIG: 18446744073709551614n }, TRUE],
    ['BIG > 10.5', { BIG: 11n }, TRUE],
    ['BIG = 1e3', { BIG: 1000n }, TRUE],
    // decimal text
    ['D = 10.5', { D: '10.50' }, TRUE],
    ["D = '10.5'", { D: '10.50' }, TRUE],
    ['D > 10.49', { D: '10.50' }, TRUE],
    ['D < -0.001', { D: '-0.01' }, TRUE],
    ['D = 0', { D: '-0.00' }, TRUE],
    ['D = 12345678901234567890.12', { D: '12345678901234567890.12' }, TRUE],
    ['D < 12345678901234567890.13', { D: '12345678901234567890.12' }, TRUE],
    ['D BETWEEN 10 AND 11', { D: '10.00' }, TRUE],
    // text (binary order, case-sensitive)
    ["S = 'abc'", { S: 'abc' }, TRUE],
    ["S = 'ABC'", { S: 'abc' }, FALSE],
    ["S > 'abb'", { S: 'abc' }, TRUE],
    ["S < 'b'", { S: 'abc' }, TRUE],
    ["S = 'it''s'", { S: "it's" }, TRUE],
    ['S = 10', { S: '10' }, TRUE], // a number against text compares as text
    ['S = 10', { S: '10.0' }, FALSE],
    ["Mixed = '销售'", { Mixed: '销售' }, TRUE],
    // temporal
    ["TS = '2024-01-02 03:04:05'", { TS: dt('2024-01-02 03:04:05.000000') }, TRUE],
    ["TS > '2024-01-02 03:04:05'", { TS: dt('2024-01-02 03:04:05.000001') }, TRUE],
    ["TS >= '2024-01-02'", { TS: dt('2024-01-02 00:00:00') }, TRUE],
    ["TS < '2024-01-02'", { TS: dt('2024-01-01 23:59:59.999999') }, TRUE],
    ["TS = '2024-01-02T03:04:05.5'", { TS: dt('2024-01-02 03:04:05.500000') }, TRUE],
    ["TS > '0000-00-00 00:00:00'", { TS: dt('0000-00-00 00:00:00') }, FALSE],
    ["DT BETWEEN '2024-01-01' AND '2024-12-31'", { DT: new Temporal('date', '2024-06-30') }, TRUE],
    ["DT < '2024-01-01'", { DT: new Temporal('date', '2024-06-30') }, FALSE],
    ["TM > '-01:00:00'", { TM: new Temporal('time', '-00:30:00') }, TRUE],
    ["TM > '99:00:00'", { TM: new Temporal('time', '100:00:00') }, TRUE], // not text order
    ["TM = '10:00:00'", { TM: new Temporal('time', '10:00:00.000000') }, TRUE],
    ["TZ = '2024-01-01 08:00:00+08:00'", { TZ: new Temporal('timestamptz', '2024-01-01 00:00:00+00:00') }, TRUE],
    ["TZ < '2024-01-01 00:00:00'", { TZ: new Temporal('timestamptz', '2024-01-01 07:00:00+08:00') }, TRUE],
    ["TZ > '1969-12-31 23:59:59Z'", { TZ: new Temporal('timestamptz', '1970-01-01 00:00:00+00:00') }, TRUE],
    // bytes
    ["B = X'00FF'", { B: Buffer.from([0, 255]) }, TRUE],
    ["B > X'00FE'", { B: Buffer.from([0, 255]) }, TRUE],
    ["B < X'0100'", { B: Buffer.from([0, 255]) }, TRUE],
    ["B = 'ab'", { B: Buffer.from('ab') }, TRUE],
    // boolean
    ['BO = TRUE', { BO: true }, TRUE],
    ['BO = 0', { BO: false }, TRUE],
    ['BO > FALSE', { BO: true }, TRUE],
    ['BO = TRUE', { BO: false }, FALSE],
  ];
  test.each(cases)('%s with %p', (cond, vals, expected) => {
    expect(evaluate(cond, vals)).toBe(expected);
  });
});

describe('NULL: three-valued logic', () => {
  const cases: [string, Tri][] = [
    ['I = 1', UNKNOWN],
    ['I <> 1', UNKNOWN],
    ['NOT I = 1', UNKNOWN],
    ['I IS NULL', TRUE],
    ['I IS NOT NULL', FALSE],
    ['I IN (1, 2)', UNKNOWN],
    ['I NOT IN (1, 2)', UNKNOWN],
    ['I BETWEEN 1 AND 2', UNKNOWN],
    ["S LIKE '%'", UNKNOWN],
    ['I = 1 OR I IS NULL', TRUE],
    ['I = 1 OR S IS NULL', TRUE],
    ['I = 1 AND S IS NULL', UNKNOWN],
    ['I = 1 AND S IS NOT NULL', FALSE],
  ];
  test.each(cases)('%s with I and S NULL', (cond, expected) => {
    expect(evaluate(cond, {})).toBe(expected);
  });
});

describe('IN, BETWEEN, LIKE, NOT, AND/OR', () => {
  const cases: [string, Vals, Tri][] = [
    ['I IN (1, 2, 3)', { I: 2 }, TRUE],
    ['I IN (1, 3)', { I: 2 }, FALSE],
    ['I NOT IN (1, 3)', { I: 2 }, TRUE],
    ["D IN ('1.10', 2)", { D: '1.1' }, TRUE],
    ["S IN ('a', 'b')", { S: 'b' }, TRUE],
    ['I BETWEEN 1 AND 3', { I: 1 }, TRUE],
    ['I BETWEEN 1 AND 3', { I: 3 }, TRUE],
    ['I BETWEEN 1 AND 3', { I: 4 }, FALSE],
    ['I NOT BETWEEN 1 AND 3', { I: 4 }, TRUE],
    ['I NOT BETWEEN 1 AND 3', { I: 2 }, FALSE],
    ["S LIKE 'ab%'", { S: 'abc' }, TRUE],
    ["S LIKE 'ab%'", { S: 'ab' }, TRUE],
    ["S LIKE 'ab%'", { S: 'xabc' }, FALSE],
    ["S LIKE '%b%'", { S: 'abc' }, TRUE],
    ["S LIKE 'a_c'", { S: 'abc' }, TRUE],
    ["S LIKE 'a_c'", { S: 'abbc' }, FALSE],
    ["S LIKE '_'", { S: '销' }, TRUE],
    ["S LIKE 'a.c'", { S: 'abc' }, FALSE], // regex characters are literal
    ["S LIKE '100\\%'", { S: '100%' }, TRUE],
    ["S LIKE '100\\%'", { S: '1000' }, FALSE],
    ["S LIKE 'a%'", { S: 'a\nb' }, TRUE],
    ["S NOT LIKE 'a%'", { S: 'abc' }, FALSE],
    ["I LIKE '12%'", { I: 123 }, TRUE],
    ['NOT I = 1', { I: 2 }, TRUE],
    ['NOT (I = 1 OR I = 2)', { I: 2 }, FALSE],
    ["I > 1 and S = 'x'", { I: 2, S: 'x' }, TRUE],
    ["I > 1 AND S = 'x'", { I: 2, S: 'y' }, FALSE],
    ["I > 5 or S = 'x'", { I: 2, S: 'x' }, TRUE],
    ["I > 5 OR S = 'x'", { I: 2, S: 'y' }, FALSE],
  ];
  test.each(cases)('%s with %p', (cond, vals, expected) => {
    expect(evaluate(cond, vals)).toBe(expected);
  });
});

describe('UNCHANGED columns', () => {
  test.each([
    // after image column not sent: read from the before image
    ['I > 1', { I: UNCHANGED }, { I: 5 }, TRUE],
    ['I > 1', { I: UNCHANGED }, { I: UNCHANGED }, UNEVALUABLE],
    ['I > 1', { I: UNCHANGED }, undefined, UNEVALUABLE],
    ['I IS NULL', { I: UNCHANGED }, { I: null }, TRUE],
    // decidable without the missing column
    ['I > 1 AND S = 1', { I: 0, S: UNCHANGED }, undefined, FALSE],
    ["I > 1 OR S = 'x'", { I: 2, S: UNCHANGED }, undefined, TRUE],
    ["I > 1 OR S = 'x'", { I: 0, S: UNCHANGED }, undefined, UNEVALUABLE],
    ["I = 1 AND S = 'x'", { S: UNCHANGED }, undefined, UNEVALUABLE], // UNKNOWN AND missing
    ["NOT S = 'x'", { S: UNCHANGED }, undefined, UNEVALUABLE],
  ] as [string, Vals, Vals | undefined, Tri][])('%s after=%p before=%p', (cond, vals, fill, expected) => {
    expect(evaluate(cond, vals, fill === undefined ? {} : { fill })).toBe(expected);
  });
});

describe('binding', () => {
  test.each([
    ['COL9 > 1', 'table APP.T has no column COL9'],
    ['"i" > 1', 'table APP.T has no column "i"'],
    ["I > 'abc'", "column I is int, but 'abc' is not a number"],
    ['D = TRUE', ''], // TRUE is 1 for numbers: fine
    ["D IN (1, 'x')", "column D is decimal(12,2), but 'x' is not a number"],
    ["TS > 'yesterday'", "column TS is datetime(6), but 'yesterday' is not a date/time"],
    ["BIG BETWEEN X'01' AND 2", "column BIG is bigint unsigned, but X'01' is not a number"],
  ])('%s', (cond, problem) => {
    const c = parseCondition(cond);
    if (typeof c === 'string') throw new Error(c);
    const bind = (): unknown => bindCondition(c, TABLE, columnIndexer(TABLE, false));
    if (problem === '') expect(bind).not.toThrow();
    else {
      expect(bind).toThrow(BindProblem);
      expect(bind).toThrow(problem);
    }
  });

  test('case-insensitive column lookup only when asked, quoted names stay exact', () => {
    expect(evaluate('i = 5', { I: 5 }, { ci: true })).toBe(TRUE);
    expect(() => evaluate('i = 5', { I: 5 })).toThrow('table APP.T has no column i');
    expect(() => evaluate('"i" = 5', { I: 5 }, { ci: true })).toThrow('has no column "i"');
  });
});

describe('helpers', () => {
  test.each([
    ['10.50', '10.5', 0],
    ['1e3', '1000', 0],
    ['-0', '0', 0],
    ['.5', '0.50', 0],
    ['-1', '1', -1],
    ['-2', '-1', -1],
    ['123456789012345678901234567890', '123456789012345678901234567889', 1],
  ])('decimal %s vs %s', (a, b, expected) => {
    expect(compareDec(parseDec(a)!, parseDec(b)!)).toBe(expected);
  });

  test.each(['', '.', '1.2.3', 'abc', '1e', '--1', '1e99999'])('not a decimal: %p', (t) => {
    expect(parseDec(t)).toBeUndefined();
  });

  test('LIKE compiles to an anchored, escaped RegExp', () => {
    expect(likeRegExp('a%b_(c)').source).toBe('^a[^]*b.\\(c\\)$');
  });
});
