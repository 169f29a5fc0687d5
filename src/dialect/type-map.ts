/**
 * The exec site's type map (`<exec><type_map><item>SRC == DST</item>`), DMHS's
 * dmhs_dtype_map as config: what a source column type (or one column) becomes when exec
 * or copy creates a target table. SRC is a type ('tinyint(1)', 'bigint unsigned', or a
 * base name like 'datetime' for every width), or a column 'schema.table.column' (target
 * names); DST is the target's type text, used as is. Column items win over type items.
 */

export interface TypeMapItem {
  readonly source: string;
  readonly target: string;
}

const COLUMN = /^[^.()\s]+\.[^.()\s]+\.[^.()\s]+$/;

const norm = (t: string) => t.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');

/** The item text's parts, or the reason it is malformed. */
export function parseTypeMapItem(text: string): TypeMapItem | string {
  const m = /^(.+?)\s*==\s*(.+)$/.exec(text.trim());
  if (!m) return `'${text}' is not 'SOURCE_TYPE == TARGET_TYPE' (or 'schema.table.column == TARGET_TYPE')`;
  return { source: m[1]!.trim(), target: m[2]!.trim() };
}

/** typeFor(table, column) for the DDL renderers: the mapped target type, or undefined for the default mapping. */
export function typeMapLookup(items: readonly TypeMapItem[]): ((t: { schema: string; table: string }, c: { name: string; type: string }) => string | undefined) | undefined {
  if (items.length === 0) return undefined;
  const columns = new Map<string, string>();
  const types = new Map<string, string>();
  for (const it of items) {
    if (COLUMN.test(it.source)) columns.set(it.source.toLowerCase(), it.target);
    else types.set(norm(it.source), it.target);
  }
  return (t, c) => {
    const byColumn = columns.get(`${t.schema}.${t.table}.${c.name}`.toLowerCase());
    if (byColumn) return byColumn;
    const full = norm(c.type);
    return types.get(full) ?? types.get(full.replace(/\(.*?\)/, '')) ?? types.get(full.replace(/[ (].*$/, ''));
  };
}
