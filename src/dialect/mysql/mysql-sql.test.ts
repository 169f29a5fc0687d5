import type { TableDescriptor } from '../../model/change';
import { JsonDiff, Temporal, UNCHANGED } from '../../model/value';
import { deleteSql, insertSql, literal, updateSql } from './mysql-sql';

const t: TableDescriptor = {
  schema: 'app',
  table: 'or`ders',
  columns: [
    { name: 'id', type: 'bigint unsigned', key: true, nullable: false },
    { name: 'amount', type: 'decimal(12,2)', key: false, nullable: true },
    { name: 'note', type: 'varchar(40)', key: false, nullable: true },
    { name: 'at', type: 'timestamp(6)', key: false, nullable: true },
    { name: 'raw', type: 'blob', key: false, nullable: true },
  ],
};

test('literals are exact and safe', () => {
  expect(literal("it's a \\ test")).toBe("'it''s a \\\\ test'");
  expect(literal('nul\0 in it')).toBe("'nul\\0 in it'");
  expect(literal('plain')).toBe("'plain'");
  expect(literal(18446744073709551615n)).toBe('18446744073709551615');
  expect(literal(0.1)).toBe('0.1');
  expect(literal(Buffer.from([0, 255]))).toBe("X'00ff'");
  expect(literal(new Temporal('timestamptz', '2026-01-02 03:04:05.123456+00:00'))).toBe("'2026-01-02 03:04:05.123456'");
  expect(literal(new Temporal('time', '-838:59:59'))).toBe("'-838:59:59'");
  expect(literal(null)).toBe('NULL');
});

test('insert, update by key (UNCHANGED columns left out), delete by key', () => {
  const before = [7n, '10.50', 'a', null, Buffer.from('x')];
  expect(insertSql(t, before)).toBe("INSERT INTO `app`.`or``ders` (`id`, `amount`, `note`, `at`, `raw`) VALUES (7, 10.50, 'a', NULL, X'78');");
  expect(updateSql(t, before, [7n, '11.00', UNCHANGED, null, UNCHANGED])).toBe(
    'UPDATE `app`.`or``ders` SET `amount` = 11.00 WHERE `id` = 7;',
  );
  expect(deleteSql(t, before)).toBe('DELETE FROM `app`.`or``ders` WHERE `id` = 7;');
});

test('a table without a key is matched on every column, one row at a time', () => {
  const nk: TableDescriptor = { ...t, columns: t.columns.map((c) => ({ ...c, key: false })) };
  expect(deleteSql(nk, [1n, null, 'a', null, Buffer.alloc(0)])).toBe(
    "DELETE FROM `app`.`or``ders` WHERE `id` = 1 AND `amount` IS NULL AND `note` = 'a' AND `at` IS NULL AND `raw` = '' LIMIT 1;",
  );
});

test('a partial JSON update becomes nested JSON_REPLACE / JSON_SET / JSON_REMOVE over the current value', () => {
  const j: TableDescriptor = { schema: 's', table: 't', columns: [{ name: 'id', type: 'int', key: true, nullable: false }, { name: 'doc', type: 'json', key: false, nullable: true }] };
  const diff = new JsonDiff([
    { op: 'replace', path: '$.age', value: '26' },
    { op: 'insert', path: "$.o'k", value: '"x"' },
    { op: 'remove', path: '$.gone' },
  ]);
  expect(updateSql(j, [1, UNCHANGED], [UNCHANGED, diff])).toBe(
    "UPDATE `s`.`t` SET `doc` = JSON_REMOVE(JSON_SET(JSON_REPLACE(`doc`, '$.age', CAST('26' AS JSON)), '$.o''k', CAST('\"x\"' AS JSON)), '$.gone') WHERE `id` = 1;",
  );
});
