import { bindTable } from '../dialect/bound-table';
import { pgWriter } from '../dialect/postgres/pg-sql';
import type { Op, TableDescriptor } from '../model/change';
import { JsonDiff, UNCHANGED } from '../model/value';
import type { VTable } from '../verify/types';
import { planNet, rowKeyOf } from './net-change';

const desc: TableDescriptor = {
  schema: 's',
  table: 't',
  columns: [
    { name: 'id', type: 'int', key: true, nullable: false },
    { name: 'k', type: 'int', key: false, nullable: false },
    { name: 'c', type: 'char(10)', key: false, nullable: false },
  ],
};
const target: VTable = {
  schema: 's',
  table: 't',
  columns: [
    { name: 'id', kind: 'int', type: 'integer' },
    { name: 'k', kind: 'int', type: 'integer' },
    { name: 'c', kind: 'text', type: 'character(10)' },
  ],
  key: ['id'],
};
const b = bindTable(desc, target, (n) => target.columns.find((c) => c.name === n));
const w = pgWriter({ zeroDate: null });
const plan = (ops: Op[]) => planNet(ops, () => b, w, { execRows: 1000, affectRow: true });
const ins = (id: number, k: number, c = 'x'): Op => ({ kind: 'insert', table: desc, after: [id, k, c] });
const upd = (id: number, k0: number, k1: number, c = 'x'): Op => ({ kind: 'update', table: desc, before: [id, k0, c], after: [id, k1, c] });
const del = (id: number, k: number, c = 'x'): Op => ({ kind: 'delete', table: desc, before: [id, k, c] });

test('sysbench-like transactions reduce to one DELETE, one UPDATE and one INSERT per table', () => {
  // tx: update k of 1, update k of 2, delete 3, re-insert 3; then 1 again
  const out = plan([upd(1, 5, 6), upd(2, 7, 8), del(3, 1), ins(3, 2), upd(1, 6, 7), ins(9, 9), del(9, 9), ins(10, 1)]);
  expect(out).toEqual([
    { sql: 'DELETE FROM "s"."t" WHERE "id" = 3', expect: 1 },
    {
      sql: `UPDATE "s"."t" AS d SET "k" = s.v1, "c" = s.v2 FROM (VALUES (CAST(1 AS integer), CAST(7 AS integer), CAST('x' AS character(10))), (2, 8, 'x')) AS s (v0, v1, v2) WHERE d."id" = s.v0`,
      expect: 2,
    },
    { sql: `INSERT INTO "s"."t" ("id", "k", "c") VALUES (3, 2, 'x'), (10, 1, 'x')`, expect: 2 },
  ]);
});

test('unsent columns (TOAST) stay out of SET; rows setting other columns go in another statement', () => {
  const out = plan([
    { kind: 'update', table: desc, before: [1, 1, UNCHANGED], after: [1, 2, UNCHANGED] },
    { kind: 'update', table: desc, before: [2, 1, UNCHANGED], after: [2, 3, UNCHANGED] },
    { kind: 'update', table: desc, before: [3, 1, 'a'], after: [3, 1, 'b'] },
  ]);
  expect(out!.map((s) => ('sql' in s ? s.sql : 'bulk'))).toEqual([
    `UPDATE "s"."t" AS d SET "k" = s.v1 FROM (VALUES (CAST(1 AS integer), CAST(2 AS integer)), (2, 3)) AS s (v0, v1) WHERE d."id" = s.v0`,
    `UPDATE "s"."t" SET "c" = 'b' WHERE "id" = 3`,
  ]);
});

test('what the net form cannot express is applied change by change', () => {
  expect(plan([{ kind: 'update', table: desc, before: [1, 1, 'a'], after: [2, 1, 'a'] }])).toBeUndefined(); // key change
  expect(plan([del(1, 1), upd(1, 1, 2)])).toBeUndefined(); // update of a deleted row
  expect(plan([ins(1, 1), ins(1, 2)])).toBeUndefined(); // insert over a present row
  expect(plan([{ kind: 'update', table: desc, before: [1, 1, 'a'], after: [1, 1, new JsonDiff([])] }])).toBeUndefined();
  expect(plan([{ kind: 'truncate', table: desc }])).toBeUndefined();
});

test('a table with bulkMin or more net inserts gets one bulk insert of them all; fewer stay multi-row INSERTs', () => {
  const ops = [ins(1, 1), ins(2, 2), ins(3, 3), del(9, 9)];
  const bulk = planNet(ops, () => b, w, { execRows: 2, affectRow: true, bulkMin: 3 })!;
  expect(bulk.map((s) => ('bulk' in s ? `bulk ${s.rows.map((r) => r[0]).join(',')}` : s.sql.slice(0, 6)))).toEqual(['DELETE', 'bulk 1,2,3']);
  const plain = planNet(ops, () => b, w, { execRows: 2, affectRow: true, bulkMin: 4 })!;
  expect(plain.map((s) => ('bulk' in s ? 'bulk' : s.sql.slice(0, 6)))).toEqual(['DELETE', 'INSERT', 'INSERT']);
});

test('foreign keys on the target: children deleted before their parents, parents written before their children', () => {
  const tableOf = (name: string): TableDescriptor => ({ schema: 's', table: name, columns: [{ name: 'id', type: 'int', key: true, nullable: false }, { name: 'p', type: 'int', key: false, nullable: true }] });
  const vt = (name: string, references: { schema: string; table: string }[]): VTable => ({
    schema: 's',
    table: name,
    columns: [
      { name: 'id', kind: 'int', type: 'integer' },
      { name: 'p', kind: 'int', type: 'integer' },
    ],
    key: ['id'],
    references,
  });
  // item references orders; note references item (a grandchild); orders first appears last
  const items = tableOf('item');
  const note = tableOf('note');
  const orders = tableOf('orders');
  const bound = new Map([
    [items, bindTable(items, vt('item', [{ schema: 's', table: 'orders' }]), (n) => vt('item', []).columns.find((c) => c.name === n))],
    [note, bindTable(note, vt('note', [{ schema: 's', table: 'item' }]), (n) => vt('note', []).columns.find((c) => c.name === n))],
    [orders, bindTable(orders, vt('orders', []), (n) => vt('orders', []).columns.find((c) => c.name === n))],
  ]);
  const out = planNet(
    [
      { kind: 'insert', table: note, after: [1, 1] },
      { kind: 'insert', table: items, after: [1, 1] },
      { kind: 'delete', table: items, before: [7, 7] },
      { kind: 'update', table: note, before: [5, 1], after: [5, 2] },
      { kind: 'delete', table: note, before: [6, 7] },
      { kind: 'insert', table: orders, after: [1, null] },
      { kind: 'delete', table: orders, before: [7, null] },
    ],
    (op) => bound.get(op.table as TableDescriptor)!,
    w,
    { execRows: 1000, affectRow: false },
  );
  expect(out!.map((s) => ('sql' in s ? s.sql.replace(/ (VALUES|WHERE) .*/, '') : 'bulk'))).toEqual([
    'DELETE FROM "s"."note"',
    'DELETE FROM "s"."item"',
    'DELETE FROM "s"."orders"',
    'INSERT INTO "s"."orders" ("id", "p")',
    'INSERT INTO "s"."item" ("id", "p")',
    'UPDATE "s"."note" SET "p" = 2',
    'INSERT INTO "s"."note" ("id", "p")',
  ]);
  // without foreign keys the tables keep the order they first appear in
  expect(plan([ins(1, 1), del(2, 2)])!.map((s) => ('sql' in s ? s.sql.slice(0, 6) : 'bulk'))).toEqual(['DELETE', 'INSERT']);
});

test('row keys: a one-column key is its value, kinds never collide, composite and unsent keys', () => {
  expect(rowKeyOf([0], [5, 'x'])).toBe(5);
  expect(rowKeyOf([0], [5n, 'x'])).toBe(5n);
  const asText = rowKeyOf([0], ['5', 'x']);
  expect(asText).not.toBe(5);
  expect(asText).not.toBe(rowKeyOf([0, 1], ['5', 'x']));
  expect(rowKeyOf([0, 1], [1, 'a'])).toBe(rowKeyOf([0, 1], [1, 'a']));
  expect(rowKeyOf([0, 1], [1, 'a'])).not.toBe(rowKeyOf([0, 1], [1, 'b']));
  expect(rowKeyOf([0], [UNCHANGED, 'x'])).toBeUndefined();
  // a row deleted and inserted again by the same number key nets to one delete + insert
  expect(plan([del(4, 1), ins(4, 2)])!.map((s) => ('sql' in s ? s.sql.split(' ')[0] : 'bulk'))).toEqual(['DELETE', 'INSERT']);
});
