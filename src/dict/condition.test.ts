import { isSynctlError } from '../errors';
import { conditionFields, parseCondition, type CatalogName } from './condition';

const names: CatalogName[] = [
  { schema: 'APP', table: 'T1' },
  { schema: 'APP', table: 'T2' },
  { schema: 'APP', table: 'ORDERS' },
  { schema: 'APP', table: 'ORDERS_TMP' },
  { schema: 'APP', table: 'ORDERSXTMP' },
  { schema: 'app', table: 't1' },
  { schema: 'app', table: "it's" },
  { schema: 'HR', table: 'EMP' },
  { schema: 'HR', table: 'a%b' },
  { schema: 'HR', table: 'axb' },
  { schema: 'ceshi3', table: 'x' },
  { schema: 'CESHI3', table: 'x' },
  { schema: 'Été', table: 'été' },
];

const pick = (cond: string): string[] => {
  const c = parseCondition(cond);
  return names.filter((n) => c.matches(n)).map((n) => `${n.schema}.${n.table}`);
};

describe('evaluation', () => {
  const cases: [string, string[]][] = [
    ["SCH.NAME='APP'", ['APP.T1', 'APP.T2', 'APP.ORDERS', 'APP.ORDERS_TMP', 'APP.ORDERSXTMP']],
    ["sch.name='app'", ['app.t1', "app.it's"]],
    ["SCH.NAME='ceshi3'", ['ceshi3.x']],
    ["SCH.NAME='APP' AND TAB.NAME IN ('T1','T2')", ['APP.T1', 'APP.T2']],
    ["SCH.NAME='APP' and tab.name=('T1','T2')", ['APP.T1', 'APP.T2']],
    ["SCH.NAME='APP' AND TAB.NAME != ('T1','T2','ORDERS')", ['APP.ORDERS_TMP', 'APP.ORDERSXTMP']],
    ["SCH.NAME='APP' AND TAB.NAME NOT IN ('T1','T2','ORDERS')", ['APP.ORDERS_TMP', 'APP.ORDERSXTMP']],
    ["SCH.NAME='APP' AND TAB.NAME <> 'T1' AND TAB.NAME != 'T2'", ['APP.ORDERS', 'APP.ORDERS_TMP', 'APP.ORDERSXTMP']],
    ["TAB.NAME LIKE 'ORD%'", ['APP.ORDERS', 'APP.ORDERS_TMP', 'APP.ORDERSXTMP']],
    ["TAB.NAME LIKE 'ORDERS_TMP'", ['APP.ORDERS_TMP', 'APP.ORDERSXTMP']],
    ["TAB.NAME LIKE 'ORDERS\\_TMP'", ['APP.ORDERS_TMP']],
    ["TAB.NAME LIKE 'a\\%b'", ['HR.a%b']],
    ["TAB.NAME LIKE 'a_b'", ['HR.a%b', 'HR.axb']],
    ["TAB.NAME LIKE '_t_'", ['Été.été']],
    ["SCH.NAME='APP' AND TAB.NAME NOT LIKE '%TMP'", ['APP.T1', 'APP.T2', 'APP.ORDERS']],
    ["TAB.NAME = 'it''s'", ["app.it's"]],
    ["SCH.NAME='HR' OR SCH.NAME='ceshi3'", ['HR.EMP', 'HR.a%b', 'HR.axb', 'ceshi3.x']],
    ["SCH.NAME='APP' AND (TAB.NAME='T1' OR TAB.NAME='T2')", ['APP.T1', 'APP.T2']],
    // AND binds tighter than OR
    ["SCH.NAME='HR' OR SCH.NAME='APP' AND TAB.NAME='T1'", ['APP.T1', 'HR.EMP', 'HR.a%b', 'HR.axb']],
    ["NOT SCH.NAME IN ('APP','app','HR')", ['ceshi3.x', 'CESHI3.x', 'Été.été']],
    ["NOT NOT SCH.NAME='HR' AND NOT TAB.NAME LIKE 'a%'", ['HR.EMP']],
    ["not (sch.name='APP' or sch.name='HR') and sch.name like '%3'", ['ceshi3.x', 'CESHI3.x']],
    ["SCH.NAME = 'Été'", ['Été.été']],
    ["  SCH.NAME\t=\n'HR'  AND  TAB.NAME='EMP' ", ['HR.EMP']],
  ];
  test.each(cases)('%s', (cond, expected) => {
    expect(pick(cond).sort()).toEqual([...expected].sort());
  });

  test('DB.NAME compares the db field ("" when absent)', () => {
    const c = parseCondition("DB.NAME='pdb1' AND SCH.NAME='S'");
    expect(c.matches({ db: 'pdb1', schema: 'S', table: 't' })).toBe(true);
    expect(c.matches({ schema: 'S', table: 't' })).toBe(false);
    expect([...conditionFields(c.ast)].sort()).toEqual(['DB', 'SCH']);
  });
});

describe('errors', () => {
  const cases: [string, string][] = [
    ["SCH.NAME='app' AND", 'condition "SCH.NAME=\'app\' AND": expected a comparison after AND at column 20'],
    ["SCH.NAME='app' AND ", 'condition "SCH.NAME=\'app\' AND ": expected a comparison after AND at column 20'],
    ["SCH.NAME='app' OR OR", 'expected a comparison after OR at column 19'],
    ['', 'condition "": condition is empty'],
    ["SCH.NAME='app", 'unterminated string (values end with a single quote) at column 10'],
    ['SCH.NAME="app"', 'values are single-quoted'],
    ["SCHEMA.NAME='a'", "unknown field 'SCHEMA.NAME' (use SCH.NAME, TAB.NAME or DB.NAME) at column 1"],
    ["SCH.OWNER='a'", "unknown field 'SCH.OWNER'"],
    ["SCH.NAME 'a'", "expected =, !=, <>, IN, NOT IN, LIKE or NOT LIKE after SCH.NAME, found 'a' at column 10"],
    ["SCH.NAME = a", "expected a quoted value after SCH.NAME =, found 'a' at column 12"],
    ['SCH.NAME IN (', 'expected a quoted value in the list, found the end at column 14'],
    ["SCH.NAME IN ('a',)", "expected a quoted value after ',', found ')' at column 18"],
    ["SCH.NAME IN ('a' 'b')", "expected ',' or ')' in the list, found 'b' at column 18"],
    ["SCH.NAME IN 'a'", "expected '(' to start the list, found 'a' at column 13"],
    ["(SCH.NAME='a'", "expected ')' to close the '(' at column 1, found the end at column 14"],
    ["SCH.NAME='a')", "unexpected ')' (expected AND, OR or the end) at column 13"],
    ["SCH.NAME='a' TAB.NAME='b'", "unexpected 'TAB' (expected AND, OR or the end) at column 14"],
    ["SCH.NAME='a' AND TAB.NAME > 'b'", "unexpected character '>' at column 27"],
    ["SCH.NAME NOT = 'a'", 'after SCH.NAME NOT, found'],
    ["SCH.NAME LIKE ('a')", "expected a quoted pattern after LIKE, found '('"],
    ['NOT', 'expected a comparison after NOT at column 5'],
  ];
  test.each(cases)('%j', (cond, message) => {
    let err: unknown;
    try {
      parseCondition(cond);
    } catch (e) {
      err = e;
    }
    expect(isSynctlError(err, 'USAGE')).toBe(true);
    expect((err as Error).message).toContain(message);
  });

  test('details carry the column and a caret line', () => {
    try {
      parseCondition("SCH.NAME='a' AND TAB.NAME > 'b'");
      throw new Error('no error');
    } catch (e) {
      if (!isSynctlError(e)) throw e;
      expect(e.details.column).toBe(27);
      expect(e.details.caret).toBe("SCH.NAME='a' AND TAB.NAME > 'b'\n" + ' '.repeat(26) + '^');
    }
  });
});

describe('SQL', () => {
  const columns = { DB: 'c.TABLE_CATALOG', SCH: 'c.TABLE_SCHEMA', TAB: 'c.TABLE_NAME' };

  test('mysql: byte-exact equality, utf8mb4_bin LIKE with a portable escape, ? placeholders', () => {
    const c = parseCondition("SCH.NAME='APP' AND (TAB.NAME IN ('a','b') OR NOT TAB.NAME LIKE 'x\\_%!')");
    const f = c.toSql({ dialect: 'mysql', columns });
    expect(f.sql).toBe(
      "((CAST(c.TABLE_SCHEMA AS BINARY) = CAST(? AS BINARY)) AND ((CAST(c.TABLE_NAME AS BINARY) IN (CAST(? AS BINARY), CAST(? AS BINARY))) OR " +
        "(NOT ((CONVERT(c.TABLE_NAME USING utf8mb4) COLLATE utf8mb4_bin) LIKE ? ESCAPE '!'))))",
    );
    expect(f.params).toEqual(['APP', 'a', 'b', 'x!_%!!']);
  });

  test('pg: $n placeholders from firstParam', () => {
    const c = parseCondition("SCH.NAME!='a' AND TAB.NAME NOT IN ('b') AND DB.NAME NOT LIKE 'd%'");
    const f = c.toSql({ dialect: 'pg', columns, firstParam: 3 });
    expect(f.sql).toBe(
      "(((c.TABLE_SCHEMA <> $3) AND (c.TABLE_NAME NOT IN ($4))) AND ((c.TABLE_CATALOG)::text NOT LIKE $5 ESCAPE '!'))",
    );
    expect(f.params).toEqual(['a', 'b', 'd%']);
  });
  // evaluator/SQL agreement against a real server: test/acceptance/copy-dict.test.ts
});
