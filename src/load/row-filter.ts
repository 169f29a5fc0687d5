/**
 * The send's row conditions (filter items such as `APP.T(COL > 100)`): capture sends only
 * the rows that pass them, so the initial load copies only those too, judged by
 * compileSendFilter itself on a one-insert transaction per row. Tables no conditional item
 * names are copied whole with no per-row cost.
 */
import type { CptConfig, ExecConfig } from '../config/types';
import { compileSendFilter, parseFilterItem, type FilterItem } from '../filter';
import { partMatches } from '../filter/object-name';
import type { Row, TableDescriptor, Transaction } from '../model/change';
import { binlogPosition } from '../model/position';

function conditionalItems(cpt: CptConfig, ci: boolean, schema: string, table: string): FilterItem[] {
  const db = cpt.db.dbType === 'PG' || cpt.db.dbType === 'MSSQL' ? cpt.db.database : undefined;
  return [...cpt.send.filter.enable, ...cpt.send.filter.disable].flatMap((text) => {
    const i = parseFilterItem(text);
    if (typeof i === 'string' || i.condition === undefined) return [];
    const hit =
      (i.name.db === undefined || db === undefined || partMatches(i.name.db, db, db.toUpperCase(), ci)) &&
      partMatches(i.name.schema, schema, schema.toUpperCase(), ci) &&
      partMatches(i.name.table, table, table.toUpperCase(), ci);
    return hit ? [i] : [];
  });
}

/** A row predicate for the table, or undefined when no row condition applies to it. */
export function rowFilterFor(cpt: CptConfig, exec: ExecConfig, source: TableDescriptor): { pass: (row: Row) => boolean; text: string } | undefined {
  const ci = !exec.caseSensitive;
  const items = conditionalItems(cpt, ci, source.schema, source.table);
  if (items.length === 0) return undefined;
  const filter = compileSendFilter(cpt.send.filter, [], {
    caseInsensitive: ci,
    itemPath: 'dmhs/cpt/send',
    ...(cpt.db.dbType === 'PG' || cpt.db.dbType === 'MSSQL' ? { database: cpt.db.database } : {}),
  });
  const position = binlogPosition('copy', 4);
  return {
    text: items.map((i) => i.text).join(', '),
    pass: (row) => {
      const tx: Transaction = { origin: 0, position, commitTimeUs: 0, xid: '', ops: [{ kind: 'insert', table: source, after: row }] };
      return filter.apply(tx) !== undefined;
    },
  };
}
