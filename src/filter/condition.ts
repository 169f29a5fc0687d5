/**
 * Row conditions of filter items, `SCH.TAB(<condition>)`, parsed once into a small AST.
 *
 *   condition := or
 *   or        := and { OR and }
 *   and       := not { AND not }
 *   not       := NOT not | '(' condition ')' | predicate
 *   predicate := column op literal | literal op column        op: = != <> < <= > >=
 *              | column IS [NOT] NULL
 *              | column [NOT] IN '(' literal { ',' literal } ')'
 *              | column [NOT] BETWEEN literal AND literal
 *              | column [NOT] LIKE 'pattern'                  % any run, _ one character,
 *                                                             \ escapes the next character
 *   column    := identifier | "quoted name"
 *   literal   := [+|-] number | 'text' ('' is a quote) | X'hex' | TRUE | FALSE
 *
 * Keywords are case-insensitive. NULL is only written as IS [NOT] NULL: `COL = NULL` is
 * refused because it can never be true. Binding to a table (column lookup, literal checks
 * against column types) happens later, in predicate.ts, when the table is first seen.
 */

export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export interface ColumnRef {
  readonly name: string;
  readonly quoted: boolean;
}

export type Literal =
  | { readonly k: 'num'; readonly text: string }
  | { readonly k: 'str'; readonly text: string }
  | { readonly k: 'bool'; readonly value: boolean }
  | { readonly k: 'bytes'; readonly value: Buffer };

export type Condition =
  | { readonly k: 'and' | 'or'; readonly items: readonly Condition[] }
  | { readonly k: 'not'; readonly item: Condition }
  | { readonly k: 'cmp'; readonly col: ColumnRef; readonly op: CmpOp; readonly lit: Literal }
  | { readonly k: 'null'; readonly col: ColumnRef; readonly negate: boolean }
  | { readonly k: 'in'; readonly col: ColumnRef; readonly lits: readonly Literal[]; readonly negate: boolean }
  | { readonly k: 'between'; readonly col: ColumnRef; readonly lo: Literal; readonly hi: Literal; readonly negate: boolean }
  | { readonly k: 'like'; readonly col: ColumnRef; readonly pattern: string; readonly negate: boolean };

type Token =
  | { readonly t: 'id'; readonly v: string; readonly quoted: boolean; readonly pos: number }
  | { readonly t: 'num'; readonly v: string; readonly pos: number }
  | { readonly t: 'str'; readonly v: string; readonly pos: number }
  | { readonly t: 'hex'; readonly v: string; readonly pos: number }
  | { readonly t: 'op'; readonly v: string; readonly pos: number }
  | { readonly t: 'end'; readonly pos: number };

class Fail extends Error {}

const ID_START = /[\p{L}_$#]/u;
const ID_CHAR = /[\p{L}\p{N}_$#]/u;
const NUM = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IS', 'NULL', 'IN', 'BETWEEN', 'LIKE', 'TRUE', 'FALSE']);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const pos = i + 1;
    if ((ch === 'x' || ch === 'X') && s[i + 1] === "'") {
      const end = s.indexOf("'", i + 2);
      if (end < 0) throw new Fail(`unterminated quote at ${pos}`);
      const hex = s.slice(i + 2, end);
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Fail(`X'${hex}' is not hex bytes`);
      out.push({ t: 'hex', v: hex, pos });
      i = end + 1;
    } else if (ID_START.test(ch)) {
      let j = i + 1;
      while (j < s.length && ID_CHAR.test(s[j]!)) j++;
      out.push({ t: 'id', v: s.slice(i, j), quoted: false, pos });
      i = j;
    } else if (ch === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) throw new Fail(`unterminated quote at ${pos}`);
      if (end === i + 1) throw new Fail(`empty quoted name at ${pos}`);
      out.push({ t: 'id', v: s.slice(i + 1, end), quoted: true, pos });
      i = end + 1;
    } else if (ch === "'") {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= s.length) throw new Fail(`unterminated quote at ${pos}`);
        if (s[j] === "'") {
          if (s[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += s[j];
        j++;
      }
      out.push({ t: 'str', v: text, pos });
      i = j + 1;
    } else if (/[\d.]/.test(ch)) {
      const m = NUM.exec(s.slice(i));
      if (m === null) throw new Fail(`unexpected '${ch}' at ${pos}`);
      if (i + m[0].length < s.length && ID_CHAR.test(s[i + m[0].length]!)) {
        throw new Fail(`'${s.slice(i).split(/[\s()<>=!,]/)[0]}' at ${pos} is not a number`);
      }
      out.push({ t: 'num', v: m[0], pos });
      i += m[0].length;
    } else {
      const two = s.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '<>' || two === '!=') {
        out.push({ t: 'op', v: two === '!=' ? '<>' : two, pos });
        i += 2;
      } else if ('=<>(),+-'.includes(ch)) {
        out.push({ t: 'op', v: ch, pos });
        i++;
      } else throw new Fail(`unexpected '${ch}' at ${pos}`);
    }
  }
  out.push({ t: 'end', pos: s.length + 1 });
  return out;
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end':
      return 'the end';
    case 'str':
      return `'${t.v}' at ${t.pos}`;
    case 'hex':
      return `X'${t.v}' at ${t.pos}`;
    case 'id':
      return `${t.quoted ? `"${t.v}"` : t.v} at ${t.pos}`;
    default:
      return `${t.v} at ${t.pos}`;
  }
}

const CMP = new Set(['=', '<>', '<', '<=', '>', '>=']);
const FLIP: Record<CmpOp, CmpOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private next(): Token {
    return this.toks[this.i++]!;
  }

  private isKw(kw: string, tok: Token = this.peek()): boolean {
    return tok.t === 'id' && !tok.quoted && tok.v.toUpperCase() === kw;
  }

  private eatKw(kw: string): boolean {
    if (!this.isKw(kw)) return false;
    this.i++;
    return true;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === op;
  }

  private expectOp(op: string): void {
    if (!this.isOp(op)) throw new Fail(`expected '${op}' ${this.where()}`);
    this.i++;
  }

  private expectKw(kw: string): void {
    if (!this.eatKw(kw)) throw new Fail(`expected ${kw} ${this.where()}`);
  }

  /** 'but found <token> at <pos>' / 'but the condition ended' */
  private where(t: Token = this.peek()): string {
    return t.t === 'end' ? 'but the condition ended' : `but found ${describe(t)}`;
  }

  parse(): Condition {
    const c = this.or();
    const t = this.peek();
    if (t.t !== 'end') throw new Fail(`unexpected ${describe(t)}`);
    return c;
  }

  private or(): Condition {
    const items = [this.and()];
    while (this.eatKw('OR')) items.push(this.and());
    return items.length === 1 ? items[0]! : { k: 'or', items };
  }

  private and(): Condition {
    const items = [this.not()];
    while (this.eatKw('AND')) items.push(this.not());
    return items.length === 1 ? items[0]! : { k: 'and', items };
  }

  private not(): Condition {
    if (this.eatKw('NOT')) return { k: 'not', item: this.not() };
    if (this.isOp('(')) {
      this.i++;
      const c = this.or();
      this.expectOp(')');
      return c;
    }
    return this.predicate();
  }

  /** column, or undefined when the next token is not one (it is left unread) */
  private column(): ColumnRef | undefined {
    const t = this.peek();
    if (t.t !== 'id') return undefined;
    if (!t.quoted && KEYWORDS.has(t.v.toUpperCase())) {
      if (this.isKw('TRUE') || this.isKw('FALSE')) return undefined;
      throw new Fail(`expected a column ${this.where()}`);
    }
    this.i++;
    return { name: t.v, quoted: t.quoted };
  }

  private literal(): Literal {
    const t = this.next();
    if (t.t === 'op' && (t.v === '-' || t.v === '+')) {
      const n = this.next();
      if (n.t !== 'num') throw new Fail(`expected a number after '${t.v}' ${this.where(n)}`);
      return { k: 'num', text: t.v === '-' ? `-${n.v}` : n.v };
    }
    if (t.t === 'num') return { k: 'num', text: t.v };
    if (t.t === 'str') return { k: 'str', text: t.v };
    if (t.t === 'hex') return { k: 'bytes', value: Buffer.from(t.v, 'hex') };
    if (this.isKw('TRUE', t)) return { k: 'bool', value: true };
    if (this.isKw('FALSE', t)) return { k: 'bool', value: false };
    if (this.isKw('NULL', t)) throw new Fail(`NULL at ${t.pos} can only be tested with IS NULL / IS NOT NULL`);
    throw new Fail(`expected a value ${this.where(t)}`);
  }

  private predicate(): Condition {
    const start = this.peek();
    if (start.t === 'end') throw new Fail('expected a condition but the condition ended');
    const col = this.column();
    if (col === undefined) {
      // literal op column
      const lit = this.literal();
      const op = this.peek();
      if (op.t !== 'op' || !CMP.has(op.v)) {
        throw new Fail(`a value on the left needs a comparison (= <> < <= > >=) ${this.where()}`);
      }
      this.i++;
      const right = this.column();
      if (right === undefined) throw new Fail(`compare a column with a value, not two values (at ${start.pos})`);
      return { k: 'cmp', col: right, op: FLIP[op.v as CmpOp], lit };
    }
    const t = this.peek();
    if (t.t === 'op' && CMP.has(t.v)) {
      this.i++;
      const r = this.peek();
      if (r.t === 'id' && (r.quoted || !KEYWORDS.has(r.v.toUpperCase()))) {
        throw new Fail(`compare a column with a value, not two columns (at ${start.pos})`);
      }
      return { k: 'cmp', col, op: t.v as CmpOp, lit: this.literal() };
    }
    if (this.eatKw('IS')) {
      const negate = this.eatKw('NOT');
      this.expectKw('NULL');
      return { k: 'null', col, negate };
    }
    const negate = this.eatKw('NOT');
    if (this.eatKw('IN')) {
      this.expectOp('(');
      const lits = [this.literal()];
      while (this.isOp(',')) {
        this.i++;
        lits.push(this.literal());
      }
      this.expectOp(')');
      return { k: 'in', col, lits, negate };
    }
    if (this.eatKw('BETWEEN')) {
      const lo = this.literal();
      this.expectKw('AND');
      const hi = this.literal();
      return { k: 'between', col, lo, hi, negate };
    }
    if (this.eatKw('LIKE')) {
      const p = this.next();
      if (p.t !== 'str') throw new Fail(`LIKE needs a quoted pattern ${this.where(p)}`);
      return { k: 'like', col, pattern: p.v, negate };
    }
    throw new Fail(`expected a comparison, IS, IN, BETWEEN or LIKE after ${col.name} ${this.where()}`);
  }
}

/** Parse a row condition (the text inside the item's parentheses); returns the problem as text when invalid. */
export function parseCondition(text: string): Condition | string {
  try {
    return new Parser(tokenize(text)).parse();
  } catch (e) {
    if (e instanceof Fail) return e.message;
    throw e;
  }
}

/** Every column a condition reads, in order of first use. */
export function conditionColumns(c: Condition, out: ColumnRef[] = []): ColumnRef[] {
  switch (c.k) {
    case 'and':
    case 'or':
      for (const i of c.items) conditionColumns(i, out);
      break;
    case 'not':
      conditionColumns(c.item, out);
      break;
    default:
      if (!out.some((x) => x.name === c.col.name && x.quoted === c.col.quoted)) out.push(c.col);
  }
  return out;
}
