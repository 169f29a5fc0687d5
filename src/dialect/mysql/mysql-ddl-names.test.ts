import { renameQualifiedTables } from './mysql-ddl-names';

const map = (schema: string, table: string) => (schema.toLowerCase() === 'app' ? { schema: 'bak', table: table === 'old' ? 'renamed' : table } : undefined);

test('qualified table names the map sends elsewhere are rewritten, quoted or bare, with spaces around the dot', () => {
  expect(renameQualifiedTables('ALTER TABLE app.t ADD COLUMN z INT', map)).toBe('ALTER TABLE `bak`.`t` ADD COLUMN z INT');
  expect(renameQualifiedTables('RENAME TABLE `app` . `old` TO `app`.`t2`, other.x TO other.y', map)).toBe('RENAME TABLE `bak`.`renamed` TO `bak`.`t2`, other.x TO other.y');
  expect(renameQualifiedTables('CREATE TABLE app.c (id INT, p INT, FOREIGN KEY (p) REFERENCES app.p (id))', map)).toBe(
    'CREATE TABLE `bak`.`c` (id INT, p INT, FOREIGN KEY (p) REFERENCES `bak`.`p` (id))',
  );
  expect(renameQualifiedTables('CREATE TABLE `we``ird`.t LIKE app.t', (s, t) => (s === 'we`ird' ? { schema: 'x`y', table: t } : map(s, t)))).toBe('CREATE TABLE `x``y`.`t` LIKE `bak`.`t`');
});

test('unqualified names, literals, comments and numbers are left alone', () => {
  const sql = "ALTER TABLE t ADD COLUMN c VARCHAR(9) DEFAULT 'app.t' COMMENT \"app.t\" /* app.t */, ADD d DECIMAL(5,2) DEFAULT 1.5 -- app.t\n";
  expect(renameQualifiedTables(sql, map)).toBe(sql);
  expect(renameQualifiedTables("ALTER TABLE app.t COMMENT 'it''s app.t'", map)).toBe("ALTER TABLE `bak`.`t` COMMENT 'it''s app.t'");
  expect(renameQualifiedTables('DROP TABLE other.t', map)).toBe('DROP TABLE other.t');
});
