/**
 * AS|"expr AS col, ...": source SELECT expressions that give a copied column its value
 * (project, convert), e.g. AS|"UPPER(name) AS name, ROUND(price, 1) AS price". `col` is a
 * copied column by its target (mapped) or source name; the expression is MySQL/MariaDB SQL
 * run on the source and its result is stored as that column's source type would be.
 */
import { SynctlError } from '../errors';

export interface AsItem {
  readonly expr: string;
  readonly column: string;
}

/** Splits at `sep` outside parentheses and quotes; returns the parts and their offsets. */
function topLevel(text: string, at: (i: number) => number): { parts: string[] } {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== '') {
      if (ch === '\\' && quote !== '`') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) {
      const n = at(i);
      if (n > 0) {
        parts.push(text.slice(start, i));
        start = i + n;
        i = start - 1;
      }
    }
  }
  parts.push(text.slice(start));
  return { parts };
}

const unquote = (name: string): string => (/^([`"]).*\1$/s.test(name) ? name.slice(1, -1).replace(/``|""/g, (m) => m[0]!) : name);

export function parseAsList(text: string): AsItem[] {
  const bad = (what: string): SynctlError => new SynctlError('USAGE', `AS|"${text}": ${what} (expected "expr AS column, ...")`);
  const items: AsItem[] = [];
  for (const raw of topLevel(text, (i) => (text[i] === ',' ? 1 : 0)).parts) {
    const item = raw.trim();
    if (item === '') throw bad('an empty item');
    // the last top-level " AS " separates the expression from the column
    const pieces = topLevel(item, (i) => {
      const m = /^\s+AS\s+/i.exec(item.slice(i));
      return m ? m[0].length : 0;
    }).parts;
    if (pieces.length < 2) throw bad(`'${item}' has no AS <column>`);
    const column = unquote(pieces.pop()!.trim());
    const expr = pieces.join(' AS ').trim();
    if (expr === '' || !/^[^\s,()]+$/.test(column)) throw bad(`'${item}' is not "expr AS column"`);
    if (items.some((x) => x.column.toLowerCase() === column.toLowerCase())) throw bad(`${column} is given twice`);
    items.push({ expr, column });
  }
  return items;
}
