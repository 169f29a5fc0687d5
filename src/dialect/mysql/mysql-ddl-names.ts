import { quoteIdent } from './mysql-sql';

/**
 * MySQL DDL text with every schema-qualified table name (`s`.`t`, s.t) that `rename`
 * sends elsewhere written as the new name, so a statement replayed on a MySQL target
 * changes the table the send's map names and not the source's (which may live on the
 * same server). Unqualified names are left alone: the target runs the statement in the
 * mapped default schema. String literals, comments and numbers are never touched.
 *
 * Hand-written because it only has to find `ident . ident` pairs outside literals and
 * comments; the DDL parser in mysql-ddl-parse.ts does not keep text positions.
 */
export function renameQualifiedTables(sql: string, rename: (schema: string, table: string) => { schema: string; table: string } | undefined): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  /** an identifier at `at`: its name and where it ends, or undefined */
  const ident = (at: number): { name: string; end: number } | undefined => {
    if (sql[at] === '`') {
      let name = '';
      let j = at + 1;
      while (j < n) {
        if (sql[j] === '`') {
          if (sql[j + 1] === '`') {
            name += '`';
            j += 2;
            continue;
          }
          return { name, end: j + 1 };
        }
        name += sql[j];
        j++;
      }
      return undefined;
    }
    const m = /^[\p{L}\p{N}_$]+/u.exec(sql.slice(at, at + 256));
    return m ? { name: m[0], end: at + m[0].length } : undefined;
  };
  const space = (at: number): number => {
    while (at < n && /\s/.test(sql[at]!)) at++;
    return at;
  };
  while (i < n) {
    const c = sql[i]!;
    // literals and comments as they are
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '#' || (c === '-' && sql.startsWith('-- ', i))) {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? n : j;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      const end = j < 0 ? n : j + 2;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    const first = ident(i);
    if (!first) {
      out += c;
      i++;
      continue;
    }
    const dot = space(first.end);
    const second = sql[dot] === '.' && !/^\d+$/.test(first.name) ? ident(space(dot + 1)) : undefined;
    if (second) {
      const to = rename(first.name, second.name);
      if (to && (to.schema !== first.name || to.table !== second.name)) {
        out += `${quoteIdent(to.schema)}.${quoteIdent(to.table)}`;
        i = second.end;
        continue;
      }
      out += sql.slice(i, second.end);
      i = second.end;
      continue;
    }
    out += sql.slice(i, first.end);
    i = first.end;
  }
  return out;
}
