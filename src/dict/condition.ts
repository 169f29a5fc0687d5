/**
 * The COPY condition language: a small SQL-like predicate over catalog pseudo-columns that
 * picks the tables a `synctl copy` works on (DMHS `COPY <n> "<condition>" MASKS`).
 *
 *   SCH.NAME='APP' AND TAB.NAME IN ('T1','T2')
 *   sch.name='app' and (tab.name like 'ORD%' or tab.name=('A','B')) and not tab.name like '%\_TMP'
 *
 * Fields: SCH.NAME (schema), TAB.NAME (table), DB.NAME (database; for MySQL/MariaDB the
 * schema, since a MySQL database is a schema). Operators: =, != and <>, [NOT] IN (...),
 * `=` / `!=` with a parenthesised list (DMHS accepts `tab.name=('a','b')` as IN),
 * [NOT] LIKE with % and _ (a backslash escapes %, _ and itself, as in MySQL and PostgreSQL),
 * AND, OR, NOT and parentheses (NOT binds tighter than AND, AND tighter than OR).
 * Keywords and field names are case-insensitive; values are single-quoted ('' is a quote)
 * and compared case-exactly.
 *
 * A condition compiles to an evaluator (`matches`) and to a SQL WHERE fragment with bind
 * parameters (`toSql`) so that a big catalog is filtered by the server; both agree exactly.
 */
import { SynctlError } from '../errors';

export type ConditionField = 'DB' | 'SCH' | 'TAB';

export type ConditionNode =
  | { readonly kind: 'eq'; readonly field: ConditionField; readonly value: string; readonly negated: boolean }
  | { readonly kind: 'in'; readonly field: ConditionField; readonly values: readonly string[]; readonly negated: boolean }
  | { readonly kind: 'like'; readonly field: ConditionField; readonly pattern: string; readonly negated: boolean }
  | { readonly kind: 'and' | 'or'; readonly left: ConditionNode; readonly right: ConditionNode }
  | { readonly kind: 'not'; readonly expr: ConditionNode };

/** The names a condition is evaluated against. `db` defaults to '' when absent. */
export interface CatalogName {
  readonly db?: string;
  readonly schema: string;
  readonly table: string;
}

export type SqlDialect = 'mysql' | 'pg';

export interface SqlOptions {
  readonly dialect: SqlDialect;
  /** SQL expression for each field, e.g. { SCH: 't.TABLE_SCHEMA', TAB: 't.TABLE_NAME', DB: 't.TABLE_SCHEMA' } */
  readonly columns: Readonly<Record<ConditionField, string>>;
  /** pg only: number of the first placeholder ($1 by default), to append to a query with parameters */
  readonly firstParam?: number;
}

export interface SqlFragment {
  /** a parenthesised boolean expression */
  readonly sql: string;
  readonly params: string[];
}

export interface Condition {
  /** the text as given */
  readonly text: string;
  readonly ast: ConditionNode;
  matches(name: CatalogName): boolean;
  toSql(opts: SqlOptions): SqlFragment;
}

// ---------------------------------------------------------------------------------------------
// lexer

type TokKind = 'ident' | 'string' | 'dot' | 'comma' | 'lparen' | 'rparen' | 'eq' | 'ne' | 'eof';

interface Token {
  readonly kind: TokKind;
  /** identifier text, or the unquoted string value */
  readonly text: string;
  /** 0-based offset in the condition */
  readonly at: number;
  /** 0-based offset just after the token */
  readonly end: number;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE']);

class ConditionSyntax {
  constructor(readonly text: string) {}

  /**
   * `condition "<text>": <what> at column <n>` (1-based). At the end of the input the column
   * is where the next token would go: one past the end, or two past a word (after a space).
   */
  error(what: string, at: number): SynctlError {
    const column = at + 1;
    const caret = `${this.text}\n${' '.repeat(Math.max(0, at))}^`;
    return new SynctlError('USAGE', `condition "${this.text}": ${what} at column ${column}`, {
      condition: this.text,
      column,
      caret,
    });
  }
}

function tokenize(syn: ConditionSyntax): Token[] {
  const s = syn.text;
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < s.length && /[A-Za-z0-9_$#]/.test(s[i]!)) i++;
      out.push({ kind: 'ident', text: s.slice(start, i), at: start, end: i });
      continue;
    }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw syn.error('unterminated string (values end with a single quote)', start);
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += s[i];
        i++;
      }
      out.push({ kind: 'string', text: v, at: start, end: i });
      continue;
    }
    if (c === '"') throw syn.error('values are single-quoted (\'APP\'), not double-quoted', start);
    const two = s.slice(i, i + 2);
    if (two === '!=' || two === '<>') {
      out.push({ kind: 'ne', text: two, at: start, end: i + 2 });
      i += 2;
      continue;
    }
    const single: Partial<Record<string, TokKind>> = { '.': 'dot', ',': 'comma', '(': 'lparen', ')': 'rparen', '=': 'eq' };
    const k = single[c];
    if (k === undefined) throw syn.error(`unexpected character '${c}'`, start);
    out.push({ kind: k, text: c, at: start, end: i + 1 });
    i++;
  }
  // where the next token would start: after a word a space is needed
  const trimmed = s.trimEnd().length;
  const last = out[out.length - 1];
  const eofAt = last !== undefined && last.kind === 'ident' && last.end === trimmed ? trimmed + 1 : trimmed;
  out.push({ kind: 'eof', text: '', at: eofAt, end: eofAt });
  return out;
}

// ---------------------------------------------------------------------------------------------
// parser (recursive descent)

class Parser {
  private i = 0;
  constructor(
    private readonly syn: ConditionSyntax,
    private readonly toks: Token[],
  ) {}

  parse(): ConditionNode {
    if (this.peek().kind === 'eof') throw this.syn.error("condition is empty: expected a comparison such as SCH.NAME='APP'", this.peek().at);
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.syn.error(`unexpected ${describe(t)} (expected AND, OR or the end)`, t.at);
    return node;
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    const t = this.toks[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isKeyword(word: string, t = this.peek()): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private or(): ConditionNode {
    let left = this.and('start');
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.and('OR') };
    }
    return left;
  }

  private and(after: string): ConditionNode {
    let left = this.not(after);
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.not('AND') };
    }
    return left;
  }

  private not(after: string): ConditionNode {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', expr: this.not('NOT') };
    }
    return this.primary(after);
  }

  private primary(after: string): ConditionNode {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.next();
      const inner = this.or();
      this.expect('rparen', "')' to close the '(' at column " + (t.at + 1));
      return inner;
    }
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toUpperCase())) {
      const where = after === 'start' ? '' : ` after ${after}`;
      throw this.syn.error(`expected a comparison${where}`, t.at);
    }
    return this.comparison();
  }

  private field(): ConditionField {
    const t = this.next();
    const dot = this.peek();
    const name = this.toks[this.i + 1]!;
    const known = ['DB', 'SCH', 'TAB'];
    if (!known.includes(t.text.toUpperCase()) || dot.kind !== 'dot' || name.kind !== 'ident' || name.text.toUpperCase() !== 'NAME') {
      throw this.syn.error(`unknown field '${t.text}${dot.kind === 'dot' ? '.' + (name.kind === 'ident' ? name.text : '') : ''}' (use SCH.NAME, TAB.NAME or DB.NAME)`, t.at);
    }
    this.next();
    this.next();
    return t.text.toUpperCase() as ConditionField;
  }

  private comparison(): ConditionNode {
    const field = this.field();
    const fieldText = `${field}.NAME`;
    const t = this.peek();
    if (t.kind === 'eq' || t.kind === 'ne') {
      this.next();
      const negated = t.kind === 'ne';
      if (this.peek().kind === 'lparen') return { kind: 'in', field, values: this.list(), negated };
      return { kind: 'eq', field, value: this.string(`a quoted value after ${fieldText} ${t.text}`), negated };
    }
    let negated = false;
    if (this.isKeyword('NOT')) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('IN')) {
      this.next();
      return { kind: 'in', field, values: this.list(), negated };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      return { kind: 'like', field, pattern: this.string(`a quoted pattern after LIKE`), negated };
    }
    const p = this.peek();
    throw this.syn.error(
      `expected =, !=, <>, IN, NOT IN, LIKE or NOT LIKE after ${fieldText}${negated ? ' NOT' : ''}, found ${describe(p)}`,
      p.at,
    );
  }

  private list(): string[] {
    this.expect('lparen', "'(' to start the list");
    const values = [this.string('a quoted value in the list')];
    while (this.peek().kind === 'comma') {
      this.next();
      values.push(this.string('a quoted value after \',\''));
    }
    this.expect('rparen', "',' or ')' in the list");
    return values;
  }

  private string(what: string): string {
    const t = this.peek();
    if (t.kind !== 'string') throw this.syn.error(`expected ${what}, found ${describe(t)}`, t.at);
    this.next();
    return t.text;
  }

  private expect(kind: TokKind, what: string): void {
    const t = this.peek();
    if (t.kind !== kind) throw this.syn.error(`expected ${what}, found ${describe(t)}`, t.at);
    this.next();
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end';
    case 'string':
      return `'${t.text.replace(/'/g, "''")}'`;
    default:
      return `'${t.text}'`;
  }
}

// ---------------------------------------------------------------------------------------------
// LIKE patterns

type LikePart = { readonly kind: 'lit'; readonly ch: string } | { readonly kind: 'any' } | { readonly kind: 'one' };

/** Splits a LIKE pattern into literal characters (code points) and wildcards; `\` escapes the next character. */
function likeParts(pattern: string): LikePart[] {
  const chars = Array.from(pattern);
  const out: LikePart[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) {
      out.push({ kind: 'lit', ch: chars[++i]! });
    } else if (c === '%') out.push({ kind: 'any' });
    else if (c === '_') out.push({ kind: 'one' });
    else out.push({ kind: 'lit', ch: c });
  }
  return out;
}

function likeRegExp(pattern: string): RegExp {
  const src = likeParts(pattern)
    .map((p) => (p.kind === 'any' ? '.*' : p.kind === 'one' ? '.' : p.ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}$`, 'su');
}

/** The same pattern with '!' as its escape character (portable: `LIKE ? ESCAPE '!'` works everywhere). */
function likeForSql(pattern: string): string {
  return likeParts(pattern)
    .map((p) => (p.kind === 'any' ? '%' : p.kind === 'one' ? '_' : /[%_!]/.test(p.ch) ? '!' + p.ch : p.ch))
    .join('');
}

// ---------------------------------------------------------------------------------------------
// compile

function fieldValue(field: ConditionField, n: CatalogName): string {
  return field === 'SCH' ? n.schema : field === 'TAB' ? n.table : (n.db ?? '');
}

function evaluator(node: ConditionNode): (n: CatalogName) => boolean {
  switch (node.kind) {
    case 'eq':
      return (n) => (fieldValue(node.field, n) === node.value) !== node.negated;
    case 'in': {
      const set = new Set(node.values);
      return (n) => set.has(fieldValue(node.field, n)) !== node.negated;
    }
    case 'like': {
      const re = likeRegExp(node.pattern);
      return (n) => re.test(fieldValue(node.field, n)) !== node.negated;
    }
    case 'and': {
      const l = evaluator(node.left);
      const r = evaluator(node.right);
      return (n) => l(n) && r(n);
    }
    case 'or': {
      const l = evaluator(node.left);
      const r = evaluator(node.right);
      return (n) => l(n) || r(n);
    }
    case 'not': {
      const e = evaluator(node.expr);
      return (n) => !e(n);
    }
  }
}

function sqlOf(node: ConditionNode, opts: SqlOptions, params: string[]): string {
  const first = opts.firstParam ?? 1;
  const ph = (v: string): string => {
    params.push(v);
    return opts.dialect === 'pg' ? `$${first + params.length - 1}` : '?';
  };
  // MySQL/MariaDB: information_schema names use a case-insensitive, PAD SPACE collation.
  // Equality compares bytes; LIKE uses utf8mb4_bin so that '_' is one character, not one byte.
  const eqCol = (f: ConditionField): string =>
    opts.dialect === 'mysql' ? `CAST(${opts.columns[f]} AS BINARY)` : opts.columns[f];
  const eqVal = (v: string): string => (opts.dialect === 'mysql' ? `CAST(${ph(v)} AS BINARY)` : ph(v));
  const likeCol = (f: ConditionField): string =>
    opts.dialect === 'mysql' ? `(CONVERT(${opts.columns[f]} USING utf8mb4) COLLATE utf8mb4_bin)` : `(${opts.columns[f]})::text`;
  switch (node.kind) {
    case 'eq':
      return `(${eqCol(node.field)} ${node.negated ? '<>' : '='} ${eqVal(node.value)})`;
    case 'in':
      return `(${eqCol(node.field)} ${node.negated ? 'NOT IN' : 'IN'} (${node.values.map(eqVal).join(', ')}))`;
    case 'like':
      return `(${likeCol(node.field)} ${node.negated ? 'NOT LIKE' : 'LIKE'} ${ph(likeForSql(node.pattern))} ESCAPE '!')`;
    case 'and':
    case 'or':
      return `(${sqlOf(node.left, opts, params)} ${node.kind.toUpperCase()} ${sqlOf(node.right, opts, params)})`;
    case 'not':
      return `(NOT ${sqlOf(node.expr, opts, params)})`;
  }
}

/** Parses a COPY condition. Syntax errors are USAGE errors naming the column. */
export function parseCondition(text: string): Condition {
  const syn = new ConditionSyntax(text);
  const ast = new Parser(syn, tokenize(syn)).parse();
  const fn = evaluator(ast);
  return {
    text,
    ast,
    matches: fn,
    toSql(opts: SqlOptions): SqlFragment {
      const params: string[] = [];
      const sql = sqlOf(ast, opts, params);
      return { sql, params };
    },
  };
}

/** The fields a condition mentions (a MySQL source ignores nothing, but PG/MSSQL may need DB). */
export function conditionFields(node: ConditionNode): Set<ConditionField> {
  const out = new Set<ConditionField>();
  const walk = (n: ConditionNode): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        walk(n.left);
        walk(n.right);
        return;
      case 'not':
        walk(n.expr);
        return;
      default:
        out.add(n.field);
    }
  };
  walk(node);
  return out;
}
