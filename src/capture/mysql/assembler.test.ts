import { binlogPath } from '../../../test/support/corpora';
import type { Transaction } from '../../model/change';
import { applyJsonDiff } from '../../model/json-diff';
import { JsonDiff } from '../../model/value';
import { captureOffline, DictionaryView } from './offline-capture';

async function capture(rel: string): Promise<Transaction[]> {
  const out: Transaction[] = [];
  for await (const tx of captureOffline({ inputs: [binlogPath(rel)], origin: 1, ddl: true, dictionary: DictionaryView.empty() })) out.push(tx);
  return out;
}

test('MySQL 8 PARTIAL_UPDATE_ROWS: JSON diffs ride along; applied to the row\'s previous JSON they give what the server stored', async () => {
  const txs = await capture('mysql-found/rust_mysql_common/json.binlog.000001');
  const updates = txs.flatMap((t) => t.ops).filter((o) => o.kind === 'update');
  // six full-image updates (age + 1), then six partial ones (age + 1 again, as a JSON diff)
  expect(updates.length).toBe(12);
  const json = new Map<number, string>();
  for (const u of updates.slice(0, 6)) if (u.kind === 'update') json.set(Number(u.after[0]), String(u.after[1]));
  for (const u of updates.slice(6)) {
    if (u.kind !== 'update') throw new Error('update expected');
    const id = Number(u.before[0]);
    const diff = u.after[1];
    expect(diff).toBeInstanceOf(JsonDiff);
    const next = applyJsonDiff(json.get(id)!, diff as JsonDiff);
    // the table's generated columns (name, age) are computed by the server from the new JSON
    expect(JSON.parse(next)).toMatchObject({ name: u.after[2], age: u.after[3] });
  }
  expect(applyJsonDiff('{"age": 25, "data": "x", "name": "Joe"}', updates[6]!.kind === 'update' ? (updates[6]!.after[1] as JsonDiff) : new JsonDiff([]))).toBe(
    '{"age": 26, "data": "x", "name": "Joe"}',
  );
});

test('JSON diffs: replace, insert in MySQL key order, remove, arrays, exact numbers', () => {
  const d = new JsonDiff([
    { op: 'replace', path: '$.a[1]', value: '12345678901234567890.5' },
    { op: 'insert', path: '$.bb', value: '{"x": true}' },
    { op: 'insert', path: '$.c', value: 'null' },
    { op: 'remove', path: '$."z z"' },
    { op: 'insert', path: '$.a[5]', value: '"end"' },
  ]);
  expect(applyJsonDiff('{"a": [1, 2], "zz": 0, "z z": 1}', d)).toBe('{"a": [1, 12345678901234567890.5, "end"], "c": null, "bb": {"x": true}, "zz": 0}');
});

test('MySQL 8 TRANSACTION_PAYLOAD (zstd) unpacks into one committed transaction with its GTID', async () => {
  const txs = await capture('mysql-found/rust_mysql_common/transaction_compression.000001');
  const data = txs.filter((t) => t.ops.some((o) => o.kind !== 'ddl'));
  expect(data.length).toBe(1);
  expect(data[0]!.ops.every((o) => o.kind === 'insert')).toBe(true);
  const pos = data[0]!.position;
  expect(pos.kind === 'binlog' && pos.gtid).toMatch(/^[0-9a-f-]{36}:\d+(-\d+)?/);
});
