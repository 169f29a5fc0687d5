/**
 * --repair for a table missing on the target: created only where that is cheap and exact,
 * i.e. MySQL/MariaDB to MySQL/MariaDB with every column kept under its own name, by replaying
 * the source's SHOW CREATE TABLE under the target name; its rows then arrive as "missing" rows.
 * Other pairs need a type mapping between engines (the initial-load issue), so they are left
 * reported as missing with the reason.
 */
import type { TargetName } from './map';
import type { Side } from './side';
import type { VTable } from './types';

/** Creates the target table; returns why not when it does not. */
export async function createMissingTable(src: Side, dst: Side, source: VTable, names: TargetName): Promise<string | undefined> {
  if (src.engine !== 'mysql' || dst.engine !== 'mysql') {
    return '--repair creates missing tables only from MySQL/MariaDB to MySQL/MariaDB (other pairs need a type mapping: create it by hand or with the initial load)';
  }
  if (names.columns.some((n, i) => n !== source.columns[i]!.name)) {
    return '--repair does not create a table whose columns the map renames or drops: create it by hand';
  }
  const rows = await src.query(`SHOW CREATE TABLE ${src.table(source.schema, source.table)}`, []);
  const ddl = rows[0]?.[1];
  const head = /^CREATE TABLE `(?:[^`]|``)+`/;
  if (typeof ddl !== 'string' || !head.test(ddl)) return `SHOW CREATE TABLE ${source.schema}.${source.table} gave no CREATE TABLE statement`;
  try {
    // foreign keys may name tables the repair has not created yet
    await dst.write([
      { sql: 'SET SESSION foreign_key_checks = 0', params: [] },
      { sql: ddl.replace(head, `CREATE TABLE ${dst.table(names.schema, names.table)}`), params: [] },
      { sql: 'SET SESSION foreign_key_checks = 1', params: [] },
    ]);
  } catch (e) {
    return `could not create it: ${(e as Error).message}`;
  }
  return undefined;
}
