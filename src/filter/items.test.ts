import { parseCondition } from './condition';
import { checkFilterItem, checkMapItem, parseFilterItem, parseMapItem } from './items';

describe('filter items: valid', () => {
  const cases: { item: string; db?: string; schema: string; table: string; condition?: boolean }[] = [
    { item: '*.*', schema: '*', table: '*' },
    { item: 'APP.*', schema: 'APP', table: '*' },
    { item: 'APP.T', schema: 'APP', table: 'T' },
    { item: '*.T', schema: '*', table: 'T' },
    { item: 'DB.APP.T', db: 'DB', schema: 'APP', table: 'T' },
    { item: 'DB.APP.*', db: 'DB', schema: 'APP', table: '*' },
    { item: '"My.Schema"."T 1"', schema: 'My.Schema', table: 'T 1' },
    { item: '销售.订单', schema: '销售', table: '订单' },
    { item: "APP.T(COL1>'100' and '200'>COL1)", schema: 'APP', table: 'T', condition: true },
    { item: 'APP.T ( A IS NULL )', schema: 'APP', table: 'T', condition: true },
  ];
  test.each(cases)('$item', ({ item, db, schema, table, condition }) => {
    const r = parseFilterItem(item);
    if (typeof r === 'string') throw new Error(r);
    expect(r.name.db?.text).toBe(db);
    expect(r.name.schema.text).toBe(schema);
    expect(r.name.table.text).toBe(table);
    expect(r.condition !== undefined).toBe(condition === true);
  });
});

describe('filter items: invalid, exact messages', () => {
  const cases: [string, string][] = [
    ['APP', "'APP' is not SCH.TAB, SCH.*, *.* or DB.SCH.TAB"],
    ['A.B.C.D', "'A.B.C.D' is not SCH.TAB, SCH.*, *.* or DB.SCH.TAB"],
    ['AP*.T', "'AP*.T' has an invalid name part 'AP*'"],
    ['APP.T?', "'APP.T?' has an invalid name part 'T?'"],
    ['APP.', "'APP.' has an invalid name part ''"],
    ['', 'is empty'],
    ['APP.T)', "'APP.T)' has ')' without '('"],
    ['APP.T(A > (1)', "'APP.T(A > (1)' has unbalanced parentheses in its row condition"],
    ["APP.T(A = 'x)", "'APP.T(A = 'x)' has an unterminated quote in its row condition"],
    ['APP.T(A = 1) x', "'APP.T(A = 1) x' has text after the row condition"],
    ['APP.T( )', "'APP.T( )' has an empty row condition"],
    ['APP.*(X = 1)', "'APP.*(X = 1)': a row condition needs one table, not 'APP.*'"],
    ['*.T(X = 1)', "'*.T(X = 1)': a row condition needs one table, not '*.T'"],
    ['APP.T(A >)', "'APP.T(A >)': row condition: expected a value but the condition ended"],
    ['APP.T(A = NULL)', "'APP.T(A = NULL)': row condition: NULL at 5 can only be tested with IS NULL / IS NOT NULL"],
    ['APP.T(A = B)', "'APP.T(A = B)': row condition: compare a column with a value, not two columns (at 1)"],
    ['APP.T(1 = 2)', "'APP.T(1 = 2)': row condition: compare a column with a value, not two values (at 1)"],
    ['APP.T(A == 1)', "'APP.T(A == 1)': row condition: expected a value but found = at 4"],
    ['APP.T(A 1)', "'APP.T(A 1)': row condition: expected a comparison, IS, IN, BETWEEN or LIKE after A but found 1 at 3"],
    ['APP.T(A = 1 B = 2)', "'APP.T(A = 1 B = 2)': row condition: unexpected B at 7"],
    ['APP.T(A IS 1)', "'APP.T(A IS 1)': row condition: expected NULL but found 1 at 6"],
    ['APP.T(A LIKE 5)', "'APP.T(A LIKE 5)': row condition: LIKE needs a quoted pattern but found 5 at 8"],
    ['APP.T(A BETWEEN 1 OR 2)', "'APP.T(A BETWEEN 1 OR 2)': row condition: expected AND but found OR at 13"],
    ['APP.T(A IN 1)', "'APP.T(A IN 1)': row condition: expected '(' but found 1 at 6"],
    ['APP.T(A = 12abc)', "'APP.T(A = 12abc)': row condition: '12abc' at 5 is not a number"],
    ['APP.T(A = 1 AND)', "'APP.T(A = 1 AND)': row condition: expected a condition but the condition ended"],
    ['APP.T(A ; 1)', "'APP.T(A ; 1)': row condition: unexpected ';' at 3"],
    ["APP.T(A = X'ABC')", "'APP.T(A = X'ABC')': row condition: X'ABC' is not hex bytes"],
  ];
  test.each(cases)('%s', (item, message) => {
    expect(parseFilterItem(item)).toBe(message);
    expect(checkFilterItem(item)).toBe(message);
  });
});

describe('row condition AST', () => {
  test.each([
    ["a = 'it''s'", { k: 'cmp', col: { name: 'a', quoted: false }, op: '=', lit: { k: 'str', text: "it's" } }],
    ['5 < "Col X"', { k: 'cmp', col: { name: 'Col X', quoted: true }, op: '>', lit: { k: 'num', text: '5' } }],
    ['A != -1.5e3', { k: 'cmp', col: { name: 'A', quoted: false }, op: '<>', lit: { k: 'num', text: '-1.5e3' } }],
    ['a is not null', { k: 'null', col: { name: 'a', quoted: false }, negate: true }],
    ['A not in (1, 2)', { k: 'in', col: { name: 'A', quoted: false }, negate: true, lits: [{ k: 'num', text: '1' }, { k: 'num', text: '2' }] }],
    ['A not between 1 and 2', { k: 'between', col: { name: 'A', quoted: false }, negate: true, lo: { k: 'num', text: '1' }, hi: { k: 'num', text: '2' } }],
    ["A NOT LIKE 'x%'", { k: 'like', col: { name: 'A', quoted: false }, negate: true, pattern: 'x%' }],
    ['B = TRUE', { k: 'cmp', col: { name: 'B', quoted: false }, op: '=', lit: { k: 'bool', value: true } }],
  ])('%s', (text, ast) => {
    expect(parseCondition(text)).toEqual(ast);
  });

  test('precedence: NOT > AND > OR, parentheses group', () => {
    const c = parseCondition('NOT A = 1 OR B = 2 AND (C = 3 OR D = 4)');
    expect(c).toMatchObject({
      k: 'or',
      items: [{ k: 'not', item: { k: 'cmp' } }, { k: 'and', items: [{ k: 'cmp' }, { k: 'or', items: [{ k: 'cmp' }, { k: 'cmp' }] }] }],
    });
  });
});

describe('map items: valid', () => {
  const cases: { item: string; src: string[]; dst: string[]; columns?: [string, string | undefined][] }[] = [
    { item: '*.* == *.*', src: ['*', '*'], dst: ['*', '*'] },
    { item: 'APP.*==APP_BAK.*', src: ['APP', '*'], dst: ['APP_BAK', '*'] },
    { item: 'APP.T == BAK.T2', src: ['APP', 'T'], dst: ['BAK', 'T2'] },
    { item: '*.T == X.T', src: ['*', 'T'], dst: ['X', 'T'] },
    { item: 'APP.T == BAK.*', src: ['APP', 'T'], dst: ['BAK', '*'] },
    { item: 'HN_TEST.HN_ORA.ceshi3==SCOTT.CESHI3', src: ['HN_TEST', 'HN_ORA', 'ceshi3'], dst: ['SCOTT', 'CESHI3'] },
    { item: 'D.S.* == *.S2.*', src: ['D', 'S', '*'], dst: ['*', 'S2', '*'] },
    {
      item: 'APP.T(COL_A == COL_B, COL_C == ) == BAK.T2',
      src: ['APP', 'T'],
      dst: ['BAK', 'T2'],
      columns: [
        ['COL_A', 'COL_B'],
        ['COL_C', undefined],
      ],
    },
    { item: 'APP.*("a,b" == AB) == APP.*', src: ['APP', '*'], dst: ['APP', '*'], columns: [['a,b', 'AB']] },
  ];
  test.each(cases)('$item', ({ item, src, dst, columns }) => {
    const r = parseMapItem(item);
    if (typeof r === 'string') throw new Error(r);
    const parts = (n: typeof r.src): string[] => [n.db, n.schema, n.table].filter((p) => p !== undefined).map((p) => p.text);
    expect(parts(r.src)).toEqual(src);
    expect(parts(r.dst)).toEqual(dst);
    expect(r.columns.map((c) => [c.from.text, c.to?.text])).toEqual(columns ?? []);
  });
});

describe('map items: invalid, exact messages', () => {
  const cases: [string, string][] = [
    ['APP.* = BAK.*', "'APP.* = BAK.*' is not 'SRC == DST'"],
    ['A.T == B.T == C.T', "'A.T == B.T == C.T' is not 'SRC == DST'"],
    ['APP.* == BAK.T', "'APP.* == BAK.T': wildcards differ ('APP.*' vs 'BAK.T'; use APP.* == BAK.* or APP.T == BAK.T)"],
    ['APP == BAK.T', "'APP' is not SCH.TAB, SCH.*, *.* or DB.SCH.TAB"],
    ['APP.T == ', "'APP.T == ' has no target after '=='"],
    [' == APP.T', "' == APP.T' has no source before '=='"],
    ['APP.T == D2.S.T', "'APP.T == D2.S.T': a map cannot move a table to another database ('D2'); write the target as SCH.TAB"],
    ['APP.T == BAK.T(A == B)', "'APP.T == BAK.T(A == B)': column mappings go on the source side: SRC(COL == NEW) == DST"],
    ['APP.T(A) == BAK.T', "'APP.T(A) == BAK.T': column mapping 'A' is not 'COL == NEW' (or 'COL ==' to drop it)"],
    ['APP.T(A == B, A == C) == BAK.T', "'APP.T(A == B, A == C) == BAK.T': column A is mapped twice"],
    ['APP.T(A-1 == B) == BAK.T', "'APP.T(A-1 == B) == BAK.T': 'A-1' is not a column name"],
    ['APP.T(A == B == BAK.T', "'APP.T(A == B == BAK.T' is not 'SRC == DST'"],
    ['APP.T() == BAK.T', "'APP.T() == BAK.T' has an empty column list"],
  ];
  test.each(cases)('%s', (item, message) => {
    expect(parseMapItem(item)).toBe(message);
    expect(checkMapItem(item)).toBe(message);
  });
});
