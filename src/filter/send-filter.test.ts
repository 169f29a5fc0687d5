import { isSynctlError } from '../errors';
import type { Logger } from '../log';
import type { ColumnDescriptor, Op, TableDescriptor, Transaction } from '../model/change';
import { binlogPosition } from '../model/position';
import { UNCHANGED, type Value } from '../model/value';
import { compileSendFilter, type SendFilterOptions } from './send-filter';

const col = (name: string, type = 'int', key = false): ColumnDescriptor => ({ name, type, key, nullable: !key });
const table = (schema: string, name: string, columns: ColumnDescriptor[] = [col('ID', 'int', true), col('AMT', 'decimal(10,2)'), col('NOTE', 'varchar(20)')]): TableDescriptor => ({
  schema,
  table: name,
  columns,
});

const APP_T = table('APP', 'T');
const APP_U = table('APP', 'U');
const HR_T = table('HR', 'T');
const SYS_LOG = table('SYS', 'LOG');

const ins = (t: TableDescriptor, ...after: Value[]): Op => ({ kind: 'insert', table: t, after });
const del = (t: TableDescriptor, ...before: Value[]): Op => ({ kind: 'delete', table: t, before });
const upd = (t: TableDescriptor, before: Value[], after: Value[]): Op => ({ kind: 'update', table: t, before, after });
const trunc = (t: TableDescriptor): Op => ({ kind: 'truncate', table: t });
const ddl = (t?: TableDescriptor): Op => (t === undefined ? { kind: 'ddl', schema: 'APP', sql: 'CREATE VIEW V AS SELECT 1' } : { kind: 'ddl', schema: t.schema, sql: 'ALTER TABLE X', table: t });

const tx = (...ops: Op[]): Transaction => ({ origin: 7, position: binlogPosition('bin.000001', 4), commitTimeUs: 1700000000000000, xid: '42', ops });

/** op summary: kind, schema.table and the row image(s) */
function show(op: Op): string {
  const name = op.table === undefined ? '-' : `${op.table.schema}.${op.table.table}`;
  const img = (r: readonly Value[]): string => `[${r.map((v) => (v === UNCHANGED ? '~' : String(v))).join(',')}]`;
  switch (op.kind) {
    case 'insert':
      return `insert ${name} ${img(op.after)}`;
    case 'delete':
      return `delete ${name} ${img(op.before)}`;
    case 'update':
      return `update ${name} ${img(op.before)}->${img(op.after)}`;
    default:
      return `${op.kind} ${name}`;
  }
}

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };

function run(enable: string[], disable: string[], ops: Op[], opts: SendFilterOptions & { map?: string[] } = {}): string[] | undefined {
  const f = compileSendFilter({ enable, disable }, opts.map ?? [], { log: quiet, ...opts });
  return f.apply(tx(...ops))?.ops.map(show);
}

const ALL = [ins(APP_T, 1, '5.00', 'a'), ins(APP_U, 2, '1.00', 'b'), ins(HR_T, 3, '1.00', 'c'), ins(SYS_LOG, 4, '1.00', 'd')];

describe('table-level filter: enable, disable, precedence', () => {
  const cases: { name: string; enable: string[]; disable: string[]; kept: string[] }[] = [
    { name: 'empty enable means *.*', enable: [], disable: [], kept: ['APP.T', 'APP.U', 'HR.T', 'SYS.LOG'] },
    { name: '*.*', enable: ['*.*'], disable: [], kept: ['APP.T', 'APP.U', 'HR.T', 'SYS.LOG'] },
    { name: 'SCH.*', enable: ['APP.*'], disable: [], kept: ['APP.T', 'APP.U'] },
    { name: 'SCH.TAB', enable: ['APP.T'], disable: [], kept: ['APP.T'] },
    { name: '*.TAB', enable: ['*.T'], disable: [], kept: ['APP.T', 'HR.T'] },
    { name: 'several enable items', enable: ['APP.U', 'SYS.*'], disable: [], kept: ['APP.U', 'SYS.LOG'] },
    { name: 'disable wins over enable', enable: ['APP.*'], disable: ['APP.T'], kept: ['APP.U'] },
    { name: 'disable wins even when enable names the table', enable: ['APP.T'], disable: ['APP.*'], kept: [] },
    { name: 'disable alone: everything else', enable: [], disable: ['SYS.*', '*.T'], kept: ['APP.U'] },
    { name: 'case-sensitive by default', enable: ['app.*'], disable: [], kept: [] },
  ];
  test.each(cases)('$name', ({ enable, disable, kept }) => {
    const out = run(enable, disable, ALL);
    expect(out?.map((s) => s.split(' ')[1]) ?? []).toEqual(kept);
  });

  test('caseInsensitive matches unquoted names ignoring case; quoted parts stay exact', () => {
    expect(run(['app.*'], [], ALL, { caseInsensitive: true })?.length).toBe(2);
    expect(run(['"app".*'], [], ALL, { caseInsensitive: true })).toBeUndefined();
    expect(run(['"APP".t'], [], ALL, { caseInsensitive: true })?.length).toBe(1);
  });

  test('tableAllowed gives the table-level decision', () => {
    const f = compileSendFilter({ enable: ['APP.*', 'HR.T(ID > 1)'], disable: ['APP.SECRET'] }, []);
    expect(f.tableAllowed('APP', 'T')).toBe(true);
    expect(f.tableAllowed('APP', 'SECRET')).toBe(false);
    expect(f.tableAllowed('HR', 'T')).toBe(true); // rows are decided later
    expect(f.tableAllowed('HR', 'U')).toBe(false);
    expect(f.tableAllowed('SYS', 'LOG')).toBe(false);
  });

  test('truncate and ddl follow the table-level filter; a ddl without a table is kept', () => {
    expect(run(['APP.*'], [], [trunc(APP_T), trunc(HR_T), ddl(HR_T), ddl(APP_U), ddl()])).toEqual(['truncate APP.T', 'ddl APP.U', 'ddl -']);
  });

  test('a transaction with nothing left is undefined; order and identity fields are kept', () => {
    const f = compileSendFilter({ enable: ['APP.*'], disable: [] }, []);
    expect(f.apply(tx(ins(HR_T, 1, null, null)))).toBeUndefined();
    expect(f.apply(tx())).toBeUndefined();
    const out = f.apply(tx(ins(APP_U, 1, null, null), ins(HR_T, 2, null, null), del(APP_T, 3, null, null)));
    expect(out).toMatchObject({ origin: 7, position: binlogPosition('bin.000001', 4), commitTimeUs: 1700000000000000, xid: '42' });
    expect(out?.ops.map(show)).toEqual(['insert APP.U [1,null,null]', 'delete APP.T [3,null,null]']);
  });

  test('nothing to change: the same transaction and op objects come back', () => {
    const t = tx(...ALL);
    expect(compileSendFilter({ enable: ['*.*'], disable: [] }, []).apply(t)).toBe(t);
    expect(compileSendFilter({ enable: ['APP.*', '*.*'], disable: ['NOPE.*'] }, ['X.Y == Z.Y']).apply(t)).toBe(t);
    const kept = compileSendFilter({ enable: ['APP.*'], disable: [] }, []).apply(t);
    expect(kept?.ops[0]).toBe(t.ops[0]);
  });
});

describe('row filters', () => {
  const F = 'APP.T(AMT > 10)';
  const cases: { name: string; enable?: string[]; disable?: string[]; op: Op; out: string[] }[] = [
    { name: 'insert passing', op: ins(APP_T, 1, '10.01', 'x'), out: ['insert APP.T [1,10.01,x]'] },
    { name: 'insert failing', op: ins(APP_T, 1, '10.00', 'x'), out: [] },
    { name: 'insert with NULL (UNKNOWN) is dropped', op: ins(APP_T, 1, null, 'x'), out: [] },
    { name: 'delete tests the before image', op: del(APP_T, 1, '11', 'x'), out: ['delete APP.T [1,11,x]'] },
    { name: 'delete failing', op: del(APP_T, 1, '9', 'x'), out: [] },
    { name: 'update, both pass: UPDATE', op: upd(APP_T, [1, '11', 'a'], [1, '12', 'b']), out: ['update APP.T [1,11,a]->[1,12,b]'] },
    { name: 'update moving in: INSERT of the after image', op: upd(APP_T, [1, '5', 'a'], [1, '12', 'b']), out: ['insert APP.T [1,12,b]'] },
    { name: 'update moving out: DELETE of the before image', op: upd(APP_T, [1, '12', 'a'], [1, '5', 'b']), out: ['delete APP.T [1,12,a]'] },
    { name: 'update, neither passes: dropped', op: upd(APP_T, [1, '5', 'a'], [1, '6', 'b']), out: [] },
    { name: 'update moving in from NULL', op: upd(APP_T, [1, null, 'a'], [1, '12', 'a']), out: ['insert APP.T [1,12,a]'] },
    {
      name: 'UNCHANGED after column is read from before (still in)',
      op: upd(APP_T, [1, '12', 'a'], [1, UNCHANGED, 'b']),
      out: ['update APP.T [1,12,a]->[1,~,b]'],
    },
    {
      name: 'UNCHANGED after column, moving in: INSERT carries the merged image',
      enable: ["APP.T(NOTE = 'in')"],
      op: upd(APP_T, [1, '12', 'out'], [1, UNCHANGED, 'in']),
      out: ['insert APP.T [1,12,in]'],
    },
    {
      name: 'UNCHANGED in both images: the update is kept as is',
      op: upd(APP_T, [1, UNCHANGED, 'a'], [1, UNCHANGED, 'b']),
      out: ['update APP.T [1,~,a]->[1,~,b]'],
    },
    { name: 'other tables are not affected', op: ins(APP_U, 1, '1', 'x'), enable: [F, 'APP.U'], out: ['insert APP.U [1,1,x]'] },
    { name: 'an unconditional enable item accepts every row', enable: [F, 'APP.*'], op: ins(APP_T, 1, '1', 'x'), out: ['insert APP.T [1,1,x]'] },
    { name: 'two conditional items: either accepts', enable: [F, 'APP.T(ID = 1)'], op: ins(APP_T, 1, '1', 'x'), out: ['insert APP.T [1,1,x]'] },
    { name: 'disable with a condition removes matching rows', enable: ['APP.*'], disable: ["APP.T(NOTE LIKE 'test%')"], op: ins(APP_T, 1, '1', 'testing'), out: [] },
    { name: 'disable with a condition keeps other rows', enable: ['APP.*'], disable: ["APP.T(NOTE LIKE 'test%')"], op: ins(APP_T, 1, '1', 'prod'), out: ['insert APP.T [1,1,prod]'] },
    { name: 'disable condition UNKNOWN (NULL) does not disable', enable: ['APP.*'], disable: ["APP.T(NOTE = 'x')"], op: ins(APP_T, 1, '1', null), out: ['insert APP.T [1,1,null]'] },
    {
      name: 'disable condition: a row moving into the blacklist is deleted',
      enable: ['APP.*'],
      disable: ["APP.T(NOTE = 'x')"],
      op: upd(APP_T, [1, '1', 'y'], [1, '1', 'x']),
      out: ['delete APP.T [1,1,y]'],
    },
    { name: 'truncate of a row-filtered table is kept', op: trunc(APP_T), out: ['truncate APP.T'] },
  ];
  test.each(cases)('$name', ({ enable, disable, op, out }) => {
    expect(run(enable ?? [F], disable ?? [], [op]) ?? []).toEqual(out);
  });

  test('a filter it cannot evaluate warns once per table', () => {
    const lines: string[] = [];
    const log: Logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (m) => lines.push(m), child: () => log };
    const f = compileSendFilter({ enable: ['APP.T(AMT > 10)'], disable: [] }, [], { log });
    const op = upd(APP_T, [1, UNCHANGED, 'a'], [1, UNCHANGED, 'b']);
    f.apply(tx(op, op));
    f.apply(tx(op));
    f.apply(tx(upd({ ...APP_T }, [1, UNCHANGED, 'a'], [1, UNCHANGED, 'b']))); // another descriptor of the same table
    expect(lines).toEqual([
      'row filter on APP.T could not be evaluated: a column it reads was not sent (UNCHANGED in both images); such updates are kept as they are',
    ]);
  });

  test('the condition is bound once per table descriptor', () => {
    const spy = jest.fn((i: number) => i);
    const cols = APP_T.columns.map((c) => ({ ...c }));
    const t: TableDescriptor = { schema: 'APP', table: 'T', get columns() { spy(1); return cols; } };
    const f = compileSendFilter({ enable: ['APP.T(AMT > 10)'], disable: [] }, []);
    for (let i = 0; i < 100; i++) f.apply(tx(ins(t, i, String(i), null)));
    const reads = spy.mock.calls.length;
    for (let i = 0; i < 100; i++) f.apply(tx(ins(t, i, String(i), null)));
    expect(spy.mock.calls.length).toBe(reads);
  });
});

describe('unknown columns and bad literals are config errors', () => {
  test.each([
    {
      enable: ['APP.*', 'APP.T(COL9 > 1)'],
      disable: [],
      error: 'dmhs/cpt/send/filter/enable/item[2]: APP.T(COL9 > 1): table APP.T has no column COL9',
    },
    { enable: ['APP.U', 'APP.T(amt > 1)'], disable: [], error: 'dmhs/cpt/send/filter/enable/item[2]: APP.T(amt > 1): table APP.T has no column amt' },
    { enable: ['APP.T(AMT > 1)'], disable: ['APP.T(X = 1)'], error: 'dmhs/cpt/send/filter/disable/item: APP.T(X = 1): table APP.T has no column X' },
    {
      enable: [],
      disable: ['X.*', "APP.T(AMT = 'ten')"],
      error: "dmhs/cpt/send/filter/disable/item[2]: APP.T(AMT = 'ten'): column AMT is decimal(10,2), but 'ten' is not a number",
    },
  ])('$error', ({ enable, disable, error }) => {
    const f = compileSendFilter({ enable, disable }, [], { itemPath: 'dmhs/cpt/send' });
    expect(() => f.apply(tx(ins(APP_U, 1, null, null)))).not.toThrow(); // other tables: fine
    let caught: unknown;
    try {
      f.apply(tx(ins(APP_T, 1, null, null)));
    } catch (e) {
      caught = e;
    }
    expect(isSynctlError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toBe(error);
  });

  test('case-insensitive mode finds the column', () => {
    expect(run(['APP.T(amt > 1)'], [], [ins(APP_T, 1, '2', null)], { caseInsensitive: true })).toEqual(['insert APP.T [1,2,null]']);
  });

  test.each([
    { enable: ['APP'], map: [], error: "send/filter/enable/item: 'APP' is not SCH.TAB, SCH.*, *.* or DB.SCH.TAB" },
    { enable: ['APP.*', 'APP.T(X >)'], map: [], error: "send/filter/enable/item[2]: 'APP.T(X >)': row condition: expected a value but the condition ended" },
    { enable: [], map: ['APP.* == B.T'], error: "send/map/item: 'APP.* == B.T': wildcards differ ('APP.*' vs 'B.T'; use APP.* == BAK.* or APP.T == BAK.T)" },
    { enable: ['DB.APP.T'], map: [], error: "send/filter/enable/item: 'DB.APP.T': a 3-part name needs a source with databases (PostgreSQL/SQL Server capture); write SCH.TAB" },
  ])('syntax errors at compile time: $error', ({ enable, map, error }) => {
    expect(() => compileSendFilter({ enable, disable: [] }, map)).toThrow(error);
  });
});

describe('3-part names', () => {
  test.each([
    { enable: ['SALES.APP.*'], database: 'SALES', kept: 2 },
    { enable: ['OTHER.APP.*'], database: 'SALES', kept: 0 },
    { enable: ['*.APP.T'], database: undefined, kept: 1 },
    { enable: ['sales.APP.T'], database: 'SALES', kept: 0 },
  ])('$enable on database $database', ({ enable, database, kept }) => {
    const opts: SendFilterOptions = database === undefined ? {} : { database };
    expect(run(enable, [], ALL, opts)?.length ?? 0).toBe(kept);
  });

  test('map from a 3-part source', () => {
    expect(run([], [], [ins(APP_T, 1, null, null)], { database: 'SALES', map: ['SALES.APP.T == BAK.T2'] })).toEqual(['insert BAK.T2 [1,null,null]']);
  });
});

describe('map', () => {
  const cases: { name: string; map: string[]; op: Op; out: string[]; opts?: SendFilterOptions }[] = [
    { name: 'identity *.*', map: ['*.* == *.*'], op: ins(APP_T, 1, null, null), out: ['insert APP.T [1,null,null]'] },
    { name: 'schema wildcard', map: ['APP.* == APP_BAK.*'], op: ins(APP_U, 1, null, null), out: ['insert APP_BAK.U [1,null,null]'] },
    { name: 'one table', map: ['APP.T == BAK.T2'], op: del(APP_T, 1, null, null), out: ['delete BAK.T2 [1,null,null]'] },
    { name: 'one table, other tables keep their names', map: ['APP.T == BAK.T2'], op: del(APP_U, 1, null, null), out: ['delete APP.U [1,null,null]'] },
    { name: '*.T into one schema', map: ['*.T == X.T'], op: trunc(HR_T), out: ['truncate X.T'] },
    { name: 'keep the table name', map: ['APP.T == BAK.*'], op: trunc(APP_T), out: ['truncate BAK.T'] },
    { name: 'first matching item wins', map: ['APP.T == FIRST.T', 'APP.* == SECOND.*'], op: trunc(APP_T), out: ['truncate FIRST.T'] },
    { name: 'first matching item wins (wildcard first)', map: ['APP.* == SECOND.*', 'APP.T == FIRST.T'], op: trunc(APP_T), out: ['truncate SECOND.T'] },
    { name: 'case-insensitive source match', map: ['app.t == BAK.T'], op: trunc(APP_T), out: ['truncate BAK.T'], opts: { caseInsensitive: true } },
    { name: 'toggle_case 1 lowers', map: ['APP.* == App_Bak.*'], op: trunc(APP_T), out: ['truncate app_bak.t'], opts: { toggleCase: 1 } },
    { name: 'toggle_case 2 uppers', map: [], op: trunc(table('app', 't')), out: ['truncate APP.T'], opts: { toggleCase: 2 } },
    { name: 'toggle_case keeps quoted targets', map: ['APP.T == "MixedCase".T'], op: trunc(APP_T), out: ['truncate MixedCase.t'], opts: { toggleCase: 1 } },
    {
      name: 'update in a renamed table',
      map: ['APP.* == B.*'],
      op: upd(APP_T, [1, '1', 'a'], [1, '2', 'a']),
      out: ['update B.T [1,1,a]->[1,2,a]'],
    },
    { name: 'ddl: table and its schema follow', map: ['APP.* == B.*'], op: ddl(APP_T), out: ['ddl B.T'] },
  ];
  test.each(cases)('$name', ({ map, op, out, opts }) => {
    expect(run([], [], [op], { ...opts, map })).toEqual(out);
  });

  test('the renamed descriptor is built once per table and shared by its ops', () => {
    const f = compileSendFilter({ enable: [], disable: [] }, ['APP.* == B.*']);
    const a = f.apply(tx(ins(APP_T, 1, null, null), del(APP_T, 2, null, null)))!;
    const b = f.apply(tx(trunc(APP_T)))!;
    expect(a.ops[0]!.table).toBe(a.ops[1]!.table);
    expect(a.ops[0]!.table).toBe(b.ops[0]!.table);
    expect(a.ops[0]!.table).toEqual({ schema: 'B', table: 'T', columns: APP_T.columns });
    expect(Object.isFrozen(a.ops[0]!.table)).toBe(true);
  });

  test('ddl schema and sql: schema follows the table, the SQL text is left alone', () => {
    const f = compileSendFilter({ enable: [], disable: [] }, ['APP.* == B.*']);
    expect(f.apply(tx(ddl(APP_T)))?.ops[0]).toMatchObject({ kind: 'ddl', schema: 'B', sql: 'ALTER TABLE X' });
  });

  test('filters see source names, then the map renames', () => {
    expect(run(['APP.T(AMT > 1)'], [], [ins(APP_T, 1, '2', 'x')], { map: ['APP.T(AMT == AMOUNT) == B.T'] })).toEqual(['insert B.T [1,2,x]']);
  });
});

describe('column rename and drop', () => {
  const cols = (op: Op | undefined): string[] => op?.table?.columns.map((c) => c.name) ?? [];
  const cases: { name: string; map: string; op: Op; out: string; columns: string[]; opts?: SendFilterOptions }[] = [
    { name: 'rename', map: 'APP.T(AMT == AMOUNT) == BAK.T2', op: ins(APP_T, 1, '2', 'x'), out: 'insert BAK.T2 [1,2,x]', columns: ['ID', 'AMOUNT', 'NOTE'] },
    { name: 'drop', map: 'APP.T(NOTE == ) == APP.T', op: ins(APP_T, 1, '2', 'x'), out: 'insert APP.T [1,2]', columns: ['ID', 'AMT'] },
    {
      name: 'rename and drop, update images',
      map: 'APP.T(AMT == A, NOTE ==) == B.T',
      op: upd(APP_T, [1, '2', 'x'], [1, '3', 'y']),
      out: 'update B.T [1,2]->[1,3]',
      columns: ['ID', 'A'],
    },
    { name: 'delete image', map: 'APP.T(AMT==) == APP.T', op: del(APP_T, 1, '2', 'x'), out: 'delete APP.T [1,x]', columns: ['ID', 'NOTE'] },
    { name: 'truncate: descriptor only', map: 'APP.T(NOTE==) == APP.T', op: trunc(APP_T), out: 'truncate APP.T', columns: ['ID', 'AMT'] },
    { name: 'wildcard: tables with the column', map: 'APP.*(NOTE == REMARK) == APP.*', op: ins(APP_U, 1, '2', 'x'), out: 'insert APP.U [1,2,x]', columns: ['ID', 'AMT', 'REMARK'] },
    {
      name: 'wildcard: tables without the column are left alone',
      map: 'APP.*(GONE ==) == BAK.*',
      op: ins(APP_U, 1, '2', 'x'),
      out: 'insert BAK.U [1,2,x]',
      columns: ['ID', 'AMT', 'NOTE'],
    },
    {
      name: 'case-insensitive column lookup',
      map: 'APP.T(amt == Amount) == APP.T',
      op: ins(APP_T, 1, '2', 'x'),
      out: 'insert APP.T [1,2,x]',
      columns: ['ID', 'Amount', 'NOTE'],
      opts: { caseInsensitive: true },
    },
    { name: 'toggle_case applies to all column names', map: 'APP.T(AMT == Amount) == APP.T', op: trunc(APP_T), out: 'truncate app.t', columns: ['id', 'amount', 'note'], opts: { toggleCase: 1 } },
    { name: 'quoted new column name is kept as written', map: 'APP.T(AMT == "Amount") == APP.T', op: trunc(APP_T), out: 'truncate APP.T', columns: ['ID', 'Amount', 'NOTE'], opts: { toggleCase: 2 } },
  ];
  test.each(cases)('$name', ({ map, op, out, columns, opts }) => {
    const r = compileSendFilter({ enable: [], disable: [] }, [map], opts).apply(tx(op));
    expect(r?.ops.map(show)).toEqual([out]);
    expect(cols(r?.ops[0])).toEqual(columns);
  });

  test('the kept columns keep their descriptors', () => {
    const r = compileSendFilter({ enable: [], disable: [] }, ['APP.T(NOTE ==) == APP.T']).apply(tx(trunc(APP_T)));
    expect(r?.ops[0]?.table?.columns[1]).toBe(APP_T.columns[1]);
  });

  test.each([
    { map: 'APP.T(NOPE == X) == APP.T', error: 'map/item: APP.T(NOPE == X) == APP.T: table APP.T has no column NOPE' },
    { map: 'APP.T(ID ==) == APP.T', error: 'map/item: APP.T(ID ==) == APP.T: column ID of APP.T is a key column and cannot be dropped (exec addresses rows by it)' },
    { map: 'APP.T(AMT == NOTE) == APP.T', error: 'map/item: APP.T(AMT == NOTE) == APP.T: two columns of APP.T would both be named NOTE' },
  ])('$error', ({ map, error }) => {
    const f = compileSendFilter({ enable: [], disable: [] }, [map], { itemPath: 'x/send' });
    expect(() => f.apply(tx(ins(APP_T, 1, null, null)))).toThrow(`x/send/${error}`);
  });

  test('dropping every column is refused', () => {
    const t = table('APP', 'T', [col('A'), col('B')]);
    const f = compileSendFilter({ enable: [], disable: [] }, ['APP.T(A==, B==) == APP.T']);
    expect(() => f.apply(tx(trunc(t)))).toThrow('send/map/item: APP.T(A==, B==) == APP.T: every column of APP.T would be dropped');
  });
});

test('ddl SQL: with the dialect rewrite given, qualified names of mapped tables follow the map', () => {
  const f = compileSendFilter({ enable: [], disable: [] }, ['APP.* == B.*'], {
    renameDdlTables: (sql, rename) => sql.replace(/APP\.(\w+)/g, (_, t: string) => `${rename('APP', t)!.schema}.${rename('APP', t)!.table}`),
  });
  const op = f.apply({ origin: 1, position: binlogPosition('f', 4), commitTimeUs: 0, xid: '', ops: [{ kind: 'ddl', schema: 'APP', sql: 'ALTER TABLE APP.T ADD c INT', table: APP_T }] })?.ops[0];
  expect(op).toMatchObject({ kind: 'ddl', schema: 'B', sql: 'ALTER TABLE B.T ADD c INT' });
});
