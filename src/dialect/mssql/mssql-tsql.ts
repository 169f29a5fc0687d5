/**
 * verify's comparison SQL (src/verify/compare.ts, repair.ts) is written once for every
 * engine in the portable subset MySQL and PostgreSQL share: `LIMIT n [OFFSET m]`,
 * row-value comparisons `(a, b) > (x, y)` and `(a, b) IN ((x, y), ...)`, and parameter
 * placeholders. SQL Server has none of the three, so its verify side rewrites that text
 * into T-SQL here: OFFSET ... FETCH, the row values expanded into AND/OR of their columns,
 * and parameters inlined as N'...' literals (no 2,100-parameter limit, no type guessing:
 * every value is canonical text that the SQL around it casts). SUM(x), which verify uses
 * only for digests of integer hash parts, becomes an exact decimal sum returned as text.
 *
 * Placeholders: `@pN` (the side's keyParam/valueParam, numbered like PostgreSQL's $N)
 * takes params[N-1]; a bare `?` (repair's rows without a key) takes the next one in order.
 */
import { SynctlError } from '../../errors';
import { mssqlString } from './mssql-sql';

type Kind = 'ws' | 'str' | 'qid' | 'lp' | 'rp' | 'comma' | 'op' | 'param' | 'word' | 'num' | 'other';
interface Tok {
  readonly k: Kind;
  readonly v: string;
}
interface Group {
  readonly group: Node[];
}
type Node = Tok | Group;

const isGroup = (n: Node | undefined): n is Group => n !== undefined && 'group' in n;

const PATTERNS: [Kind, RegExp][] = [
  ['ws', /^\s+/],
  ['str', /^N?'(?:[^']|'')*'/],
  ['qid', /^\[(?:[^\]]|\]\])*\]/],
  ['qid', /^"(?:[^"]|"")*"/],
  ['param', /^(?:@p\d+\b|\?)/],
  ['op', /^(?:>=|<=|<>|!=|>|<|=)/],
  ['word', /^[A-Za-z_@#][\w@#$]*/],
  ['num', /^\d+(?:\.\d+)?/],
];

function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let rest = sql;
  while (rest.length > 0) {
    const c = rest[0]!;
    if (c === '(' || c === ')' || c === ',') {
      out.push({ k: c === '(' ? 'lp' : c === ')' ? 'rp' : 'comma', v: c });
      rest = rest.slice(1);
      continue;
    }
    let hit: Tok | undefined;
    for (const [k, re] of PATTERNS) {
      const m = re.exec(rest);
      if (m) {
        hit = { k, v: m[0] };
        break;
      }
    }
    if (c === "'" && hit?.k !== 'str') throw new SynctlError('INTERNAL', `unterminated string in SQL: ${sql.slice(0, 200)}`);
    hit ??= { k: 'other', v: c };
    out.push(hit);
    rest = rest.slice(hit.v.length);
  }
  return out;
}

function nest(toks: Tok[]): Node[] {
  const stack: Node[][] = [[]];
  for (const t of toks) {
    if (t.k === 'lp') stack.push([]);
    else if (t.k === 'rp') {
      const inner = stack.pop();
      if (inner === undefined || stack.length === 0) throw new SynctlError('INTERNAL', 'unbalanced parentheses in SQL');
      stack[stack.length - 1]!.push({ group: inner });
    } else stack[stack.length - 1]!.push(t);
  }
  if (stack.length !== 1) throw new SynctlError('INTERNAL', 'unbalanced parentheses in SQL');
  return stack[0]!;
}

const text = (nodes: readonly Node[]): string => nodes.map((n) => (isGroup(n) ? `(${text(n.group)})` : n.v)).join('');

/** The comma-separated elements of a group, as text. */
function elements(g: Group): string[] {
  const out: string[] = [];
  let cur: Node[] = [];
  for (const n of g.group) {
    if (!isGroup(n) && n.k === 'comma') {
      out.push(text(cur).trim());
      cur = [];
    } else cur.push(n);
  }
  out.push(text(cur).trim());
  return out;
}

/** Words after which a parenthesised list is a row value, not a function's arguments. */
const ROW_CONTEXT = new Set(['WHERE', 'AND', 'OR', 'NOT', 'ON', 'WHEN', 'HAVING']);

function rowCompare(a: string[], op: string, b: string[]): string {
  const eq = (n: number) => a.slice(0, n).map((x, i) => `${x} = ${b[i]}`);
  if (op === '=') return `(${eq(a.length).join(' AND ')})`;
  if (op === '<>' || op === '!=') return `(NOT (${eq(a.length).join(' AND ')}))`;
  const strict = op[0]!; // '>' or '<'
  const terms = a.map((x, i) => [...eq(i), `${x} ${strict} ${b[i]}`].join(' AND '));
  if (op.length === 2) terms.push(eq(a.length).join(' AND '));
  return `(${terms.map((t) => `(${t})`).join(' OR ')})`;
}

function rewrite(nodes: Node[]): Node[] {
  const out: Node[] = [];
  const sig = (i: number): number => {
    let j = i;
    while (j < nodes.length && !isGroup(nodes[j]) && (nodes[j] as Tok).k === 'ws') j++;
    return j;
  };
  const prevSignificant = (): Node | undefined => {
    for (let j = out.length - 1; j >= 0; j--) if (isGroup(out[j]) || (out[j] as Tok).k !== 'ws') return out[j];
    return undefined;
  };
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (!isGroup(n)) {
      // SUM(x): summed as decimal (no bigint overflow) and returned as text (tedious turns decimal into a double)
      if (n.k === 'word' && n.v.toUpperCase() === 'SUM') {
        const a = sig(i + 1);
        const arg = nodes[a];
        if (isGroup(arg)) {
          out.push({ k: 'other', v: `CAST(SUM(CAST(${text(rewrite(arg.group))} AS decimal(38,0))) AS varchar(40))` });
          i = a;
          continue;
        }
      }
      // LIMIT n [OFFSET m] -> OFFSET m ROWS FETCH NEXT n ROWS ONLY (the query has an ORDER BY)
      if (n.k === 'word' && n.v.toUpperCase() === 'LIMIT') {
        const a = sig(i + 1);
        const limit = nodes[a] as Tok | undefined;
        if (limit?.k === 'num') {
          const b = sig(a + 1);
          const kw = nodes[b] as Tok | undefined;
          let offset = '0';
          let end = a;
          if (!isGroup(kw) && kw?.k === 'word' && kw.v.toUpperCase() === 'OFFSET') {
            const c = sig(b + 1);
            offset = (nodes[c] as Tok).v;
            end = c;
          }
          out.push({ k: 'other', v: `OFFSET ${offset} ROWS FETCH NEXT ${limit.v} ROWS ONLY` });
          i = end;
          continue;
        }
      }
      out.push(n);
      continue;
    }
    const inner: Group = { group: rewrite(n.group) };
    const before = prevSignificant();
    const rowContext = before === undefined || (!isGroup(before) && (before.k === 'op' || (before.k === 'word' && ROW_CONTEXT.has(before.v.toUpperCase()))));
    const left = elements(inner);
    if (rowContext && left.length > 1) {
      const a = sig(i + 1);
      const next = nodes[a];
      if (!isGroup(next) && next?.k === 'op') {
        const b = sig(a + 1);
        const right = nodes[b];
        if (isGroup(right)) {
          const r = elements({ group: rewrite(right.group) });
          if (r.length === left.length) {
            out.push({ k: 'other', v: rowCompare(left, next.v, r) });
            i = b;
            continue;
          }
        }
      }
      if (!isGroup(next) && next?.k === 'word' && next.v.toUpperCase() === 'IN') {
        const b = sig(a + 1);
        const list = nodes[b];
        if (isGroup(list)) {
          const rows = rewrite(list.group).filter(isGroup).map(elements);
          if (rows.length > 0 && rows.every((r) => r.length === left.length)) {
            out.push({ k: 'other', v: `(${rows.map((r) => rowCompare(left, '=', r)).join(' OR ')})` });
            i = b;
            continue;
          }
        }
      }
    }
    out.push(inner);
  }
  return out;
}

const literal = (v: string | null): string => (v === null ? 'NULL' : mssqlString(v));

/** verify's portable SQL with `params` as T-SQL text. */
export function toTsql(sql: string, params: readonly (string | null)[]): string {
  let positional = 0;
  const toks = tokenize(sql).map((t): Tok => {
    if (t.k !== 'param') return t;
    const i = t.v === '?' ? positional++ : Number(t.v.slice(2)) - 1;
    if (i < 0 || i >= params.length) throw new SynctlError('INTERNAL', `SQL parameter ${t.v} has no value (${params.length} given)`);
    return { k: 'str', v: literal(params[i]!) };
  });
  return text(rewrite(nest(toks)));
}
