/**
 * MySQL/MariaDB DDL statements parsed into an engine-neutral model, so exec can replay
 * them on another engine (src/dialect/<engine>/*-ddl.ts renders the model). Covers what
 * changes a table's shape: CREATE TABLE, ALTER TABLE (columns, keys, indexes, rename),
 * DROP/TRUNCATE/RENAME TABLE, CREATE/DROP INDEX. Anything else parses to undefined and
 * exec treats it by ddl_continue. Hand-written: no maintained npm SQL parser knows
 * MySQL's full column grammar (versioned comments, CHANGE/MODIFY, inline keys).
 */

export interface TableName {
  /** undefined: the statement's default schema */
  readonly schema?: string;
  readonly table: string;
}

export interface ColumnDef {
  readonly name: string;
  /** MySQL type text, lower case, without attributes: 'int unsigned', 'varchar(40)', "enum('a','b')" */
  readonly type: string;
  readonly nullable: boolean;
  /** DEFAULT as SQL text ('0', "'x'", 'CURRENT_TIMESTAMP', 'NULL'); undefined when none */
  readonly default?: string;
  readonly autoIncrement: boolean;
  /** declared inline as PRIMARY KEY */
  readonly primaryKey: boolean;
  /** declared inline as UNIQUE */
  readonly unique: boolean;
}

export interface IndexDef {
  /** undefined for an unnamed index (MySQL names it after its first column) */
  readonly name?: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
}

export type AlterAction =
  | { readonly kind: 'addColumn'; readonly column: ColumnDef }
  | { readonly kind: 'dropColumn'; readonly name: string }
  | { readonly kind: 'changeColumn'; readonly from: string; readonly column: ColumnDef }
  | { readonly kind: 'renameColumn'; readonly from: string; readonly to: string }
  | { readonly kind: 'setDefault'; readonly name: string; readonly default?: string }
  | { readonly kind: 'addIndex'; readonly index: IndexDef }
  | { readonly kind: 'dropIndex'; readonly name: string }
  | { readonly kind: 'addPrimaryKey'; readonly columns: readonly string[] }
  | { readonly kind: 'dropPrimaryKey' }
  | { readonly kind: 'renameTable'; readonly to: TableName };

export type DdlStatement =
  | { readonly kind: 'createTable'; readonly table: TableName; readonly ifNotExists: boolean; readonly columns: readonly ColumnDef[]; readonly primaryKey: readonly string[]; readonly indexes: readonly IndexDef[] }
  | { readonly kind: 'alterTable'; readonly table: TableName; readonly actions: readonly AlterAction[] }
  | { readonly kind: 'dropTable'; readonly tables: readonly TableName[]; readonly ifExists: boolean }
  | { readonly kind: 'truncateTable'; readonly table: TableName }
  | { readonly kind: 'renameTable'; readonly pairs: readonly { from: TableName; to: TableName }[] }
  | { readonly kind: 'createSchema'; readonly name: string }
  | { readonly kind: 'dropSchema'; readonly name: string }
  | { readonly kind: 'createIndex'; readonly table: TableName; readonly index: IndexDef }
  | { readonly kind: 'dropIndex'; readonly table: TableName; readonly name: string };

type Tok = { k: 'id' | 'qid' | 'str' | 'num' | 'p'; v: string };

function tokenize(sql: string): Tok[] {
  // versioned comments run on the server: keep their text; other comments go
  const text = sql
    .replace(/\/\*!\d*\s*([\s\S]*?)\*\//g, ' $1 ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|\s)(--\s|#)[^\n]*/g, ' ');
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '`') {
      let j = i + 1;
      let v = '';
      while (j < text.length) {
        if (text[j] === '`' && text[j + 1] === '`') {
          v += '`';
          j += 2;
        } else if (text[j] === '`') break;
        else v += text[j++];
      }
      out.push({ k: 'qid', v });
      i = j + 1;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) break;
        if (text[j] === '\\') j += 2;
        else if (text[j] === c && text[j + 1] === c) j += 2; // doubled quote
        else if (text[j] === c) break;
        else j++;
      }
      out.push({ k: 'str', v: text.slice(i, j + 1) });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? '') && out.length && out[out.length - 1]!.v.toUpperCase() === 'DEFAULT')) {
      const m = /^-?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      out.push({ k: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[\w$\u0080-\uffff]/.test(c)) {
      const m = /^[\w$\u0080-\uffff]+/.exec(text.slice(i))!;
      out.push({ k: 'id', v: m[0] });
      i += m[0].length;
    } else {
      out.push({ k: 'p', v: c });
      i++;
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly t: Tok[]) {}

  peek(n = 0): Tok | undefined {
    return this.t[this.i + n];
  }
  is(word: string, n = 0): boolean {
    const x = this.peek(n);
    return x !== undefined && x.k === 'id' && x.v.toUpperCase() === word;
  }
  isP(p: string): boolean {
    return this.peek()?.k === 'p' && this.peek()?.v === p;
  }
  eat(word: string): boolean {
    if (!this.is(word)) return false;
    this.i++;
    return true;
  }
  eatP(p: string): boolean {
    if (!this.isP(p)) return false;
    this.i++;
    return true;
  }
  expect(word: string): void {
    if (!this.eat(word)) throw new Error(`expected ${word}`);
  }
  expectP(p: string): void {
    if (!this.eatP(p)) throw new Error(`expected ${p}`);
  }
  skip(): void {
    this.i++;
  }
  get done(): boolean {
    return this.i >= this.t.length || this.isP(';');
  }
  name(): string {
    const x = this.t[this.i++];
    if (!x || (x.k !== 'id' && x.k !== 'qid')) throw new Error('expected a name');
    return x.v;
  }
  tableName(): TableName {
    const a = this.name();
    if (this.eatP('.')) return { schema: a, table: this.name() };
    return { table: a };
  }
  /** tokens up to the matching ')' (the '(' already eaten), as text */
  group(): string {
    let depth = 1;
    const parts: string[] = [];
    while (this.i < this.t.length) {
      const x = this.t[this.i++]!;
      if (x.k === 'p' && x.v === '(') depth++;
      if (x.k === 'p' && x.v === ')' && --depth === 0) break;
      parts.push(x.k === 'qid' ? `\`${x.v}\`` : x.v);
    }
    return parts.join(' ');
  }
  /** (a, b(10) DESC, c) → ['a','b','c'] */
  columnList(): string[] {
    this.expectP('(');
    const cols: string[] = [];
    for (;;) {
      if (this.eatP('(')) {
        this.group(); // functional key part: not a plain column
        cols.push('');
      } else cols.push(this.name());
      if (this.eatP('(')) this.group(); // prefix length
      this.eat('ASC') || this.eat('DESC');
      if (this.eatP(',')) continue;
      this.expectP(')');
      return cols;
    }
  }
  skipToComma(): void {
    let depth = 0;
    while (this.i < this.t.length) {
      const x = this.t[this.i]!;
      if (x.k === 'p' && x.v === '(') depth++;
      if (x.k === 'p' && x.v === ')') {
        if (depth === 0) return;
        depth--;
      }
      if (x.k === 'p' && (x.v === ',' || x.v === ';') && depth === 0) return;
      this.i++;
    }
  }
}

const TYPE_WORDS = new Set(['UNSIGNED', 'SIGNED', 'ZEROFILL', 'PRECISION', 'VARYING']);

/** MySQL's numeric type synonyms, named as the server itself names the column's type */
const TYPE_SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['int1', 'tinyint'],
  ['int2', 'smallint'],
  ['int3', 'mediumint'],
  ['middleint', 'mediumint'],
  ['int4', 'int'],
  ['int8', 'bigint'],
  ['float4', 'float'],
  ['float8', 'double'],
]);

function columnDef(p: Parser, name: string): ColumnDef {
  const written = p.name().toLowerCase();
  let type = TYPE_SYNONYMS.get(written) ?? written;
  if (p.eatP('(')) type += `(${typeArgs(p)})`;
  while (p.peek()?.k === 'id' && TYPE_WORDS.has(p.peek()!.v.toUpperCase())) type += ` ${p.name().toLowerCase()}`;
  type = type.replace(' signed', '');
  if (type === 'double precision') type = 'double';
  let nullable = true;
  let def: string | undefined;
  let autoIncrement = false;
  let primaryKey = false;
  let unique = false;
  while (!p.done && !p.isP(',') && !p.isP(')')) {
    if (p.eat('NOT')) {
      p.expect('NULL');
      nullable = false;
    } else if (p.eat('NULL')) nullable = true;
    else if (p.eat('DEFAULT')) def = defaultValue(p);
    else if (p.eat('AUTO_INCREMENT')) autoIncrement = true;
    else if (p.eat('PRIMARY')) {
      p.eat('KEY');
      primaryKey = true;
      nullable = false;
    } else if (p.eat('UNIQUE')) {
      p.eat('KEY');
      unique = true;
    } else if (p.eat('KEY')) {
      primaryKey = true; // a bare KEY in a column definition means PRIMARY KEY
      nullable = false;
    } else if (p.eat('CHARACTER') || p.eat('CHARSET')) {
      p.eat('SET');
      p.name();
    } else if (p.eat('COLLATE')) p.name();
    else if (p.eat('COMMENT')) p.peek(); // the string follows
    else if (p.eat('ON')) {
      p.expect('UPDATE');
      defaultValue(p);
    } else if (p.eat('GENERATED') || p.eat('AS')) {
      throw new Error('generated columns are not translated');
    } else if (p.eat('CHECK') || p.eat('REFERENCES')) p.skipToComma();
    else p.skip();
  }
  return { name, type, nullable, ...(def !== undefined ? { default: def } : {}), autoIncrement, primaryKey, unique };
}

function typeArgs(p: Parser): string {
  const parts: string[] = [];
  let depth = 1;
  for (;;) {
    const t = p.peek();
    if (!t) throw new Error('unterminated type');
    p.skip();
    if (t.k === 'p' && t.v === '(') depth++;
    if (t.k === 'p' && t.v === ')' && --depth === 0) break;
    parts.push(t.v);
  }
  return parts.join('');
}

function defaultValue(p: Parser): string {
  const t = p.peek();
  if (!t) throw new Error('DEFAULT without a value');
  p.skip();
  if (t.k === 'p' && t.v === '(') return `(${p.group()})`;
  if (t.k === 'id' && /^(CURRENT_TIMESTAMP|NOW|LOCALTIMESTAMP|LOCALTIME)$/i.test(t.v)) {
    if (p.eatP('(')) p.group();
    return 'CURRENT_TIMESTAMP';
  }
  if (t.k === 'p' && (t.v === '-' || t.v === '+')) {
    const n = p.peek();
    p.skip();
    return t.v + (n?.v ?? '');
  }
  if (t.k === 'str' && t.v.startsWith('"')) return `'${t.v.slice(1, -1).replace(/'/g, "''").replace(/""/g, '"')}'`;
  return t.v;
}

function indexDef(p: Parser, unique: boolean): IndexDef {
  p.eat('KEY') || p.eat('INDEX');
  let name: string | undefined;
  if (!p.isP('(')) name = p.name();
  if (p.eat('USING')) p.name();
  const columns = p.columnList();
  p.skipToComma();
  return { ...(name !== undefined ? { name } : {}), unique, columns };
}

function createTable(p: Parser): DdlStatement {
  const ifNotExists = p.eat('IF') ? (p.expect('NOT'), p.expect('EXISTS'), true) : false;
  const table = p.tableName();
  if (p.eat('LIKE') || !p.isP('(')) throw new Error('CREATE TABLE ... LIKE/SELECT is not translated');
  p.expectP('(');
  const columns: ColumnDef[] = [];
  let primaryKey: string[] = [];
  const indexes: IndexDef[] = [];
  for (;;) {
    if (p.eat('CONSTRAINT')) {
      if (!p.is('PRIMARY') && !p.is('UNIQUE') && !p.is('FOREIGN') && !p.is('CHECK')) p.name();
    }
    if (p.eat('PRIMARY')) {
      p.expect('KEY');
      primaryKey = p.columnList();
      p.skipToComma();
    } else if (p.eat('UNIQUE')) indexes.push(indexDef(p, true));
    else if (p.is('KEY') || p.is('INDEX')) indexes.push(indexDef(p, false));
    else if (p.eat('FULLTEXT') || p.eat('SPATIAL') || p.eat('FOREIGN') || p.eat('CHECK')) p.skipToComma();
    else {
      const c = columnDef(p, p.name());
      columns.push(c);
      if (c.primaryKey) primaryKey = [c.name];
      if (c.unique) indexes.push({ unique: true, columns: [c.name] });
    }
    if (p.eatP(',')) continue;
    p.expectP(')');
    break;
  }
  return { kind: 'createTable', table, ifNotExists, columns, primaryKey, indexes };
}

function alterTable(p: Parser): DdlStatement {
  const table = p.tableName();
  const actions: AlterAction[] = [];
  for (;;) {
    if (p.eat('ADD')) {
      if (p.eat('CONSTRAINT') && !p.is('PRIMARY') && !p.is('UNIQUE')) p.name();
      if (p.eat('PRIMARY')) {
        p.expect('KEY');
        actions.push({ kind: 'addPrimaryKey', columns: p.columnList() });
        p.skipToComma();
      } else if (p.eat('UNIQUE')) actions.push({ kind: 'addIndex', index: indexDef(p, true) });
      else if (p.is('KEY') || p.is('INDEX')) actions.push({ kind: 'addIndex', index: indexDef(p, false) });
      else if (p.is('FULLTEXT') || p.is('SPATIAL') || p.is('FOREIGN') || p.is('CHECK')) throw new Error('this ALTER TABLE ADD is not translated');
      else {
        p.eat('COLUMN');
        if (p.eat('IF')) (p.expect('NOT'), p.expect('EXISTS'));
        if (p.eatP('(')) {
          for (;;) {
            actions.push({ kind: 'addColumn', column: columnDef(p, p.name()) });
            if (p.eatP(',')) continue;
            p.expectP(')');
            break;
          }
        } else actions.push({ kind: 'addColumn', column: columnDef(p, p.name()) });
        if (p.eat('FIRST')) void 0;
        else if (p.eat('AFTER')) p.name();
      }
    } else if (p.eat('DROP')) {
      if (p.eat('PRIMARY')) {
        p.expect('KEY');
        actions.push({ kind: 'dropPrimaryKey' });
      } else if (p.eat('INDEX') || p.eat('KEY')) actions.push({ kind: 'dropIndex', name: p.name() });
      else if (p.is('FOREIGN') || p.is('CHECK') || p.is('CONSTRAINT')) throw new Error('this ALTER TABLE DROP is not translated');
      else {
        p.eat('COLUMN');
        if (p.eat('IF')) p.expect('EXISTS');
        actions.push({ kind: 'dropColumn', name: p.name() });
      }
    } else if (p.eat('CHANGE')) {
      p.eat('COLUMN');
      const from = p.name();
      actions.push({ kind: 'changeColumn', from, column: columnDef(p, p.name()) });
      if (p.eat('FIRST')) void 0;
      else if (p.eat('AFTER')) p.name();
    } else if (p.eat('MODIFY')) {
      p.eat('COLUMN');
      const name = p.name();
      actions.push({ kind: 'changeColumn', from: name, column: columnDef(p, name) });
      if (p.eat('FIRST')) void 0;
      else if (p.eat('AFTER')) p.name();
    } else if (p.eat('RENAME')) {
      if (p.eat('COLUMN')) {
        const from = p.name();
        p.expect('TO');
        actions.push({ kind: 'renameColumn', from, to: p.name() });
      } else if (p.eat('INDEX') || p.eat('KEY')) throw new Error('RENAME INDEX is not translated');
      else {
        p.eat('TO') || p.eat('AS');
        actions.push({ kind: 'renameTable', to: p.tableName() });
      }
    } else if (p.eat('ALTER')) {
      p.eat('COLUMN');
      const name = p.name();
      if (p.eat('SET')) {
        p.expect('DEFAULT');
        actions.push({ kind: 'setDefault', name, default: defaultValue(p) });
      } else if (p.eat('DROP')) {
        p.expect('DEFAULT');
        actions.push({ kind: 'setDefault', name });
      } else throw new Error('this ALTER COLUMN is not translated');
    } else if (p.is('ENGINE') || p.is('ALGORITHM') || p.is('LOCK') || p.is('DEFAULT') || p.is('CHARACTER') || p.is('COMMENT') || p.is('AUTO_INCREMENT')) {
      p.skipToComma(); // table options change nothing another engine keeps
    } else throw new Error(`ALTER TABLE ${p.peek()?.v ?? ''} is not translated`);
    if (p.eatP(',')) continue;
    break;
  }
  return { kind: 'alterTable', table, actions };
}

/** The statement's model, or undefined when it is not one synctl translates (the reason in `why`). */
export function parseMysqlDdl(sql: string): { statement?: DdlStatement; why?: string } {
  const p = new Parser(tokenize(sql));
  try {
    let st: DdlStatement;
    if (p.eat('CREATE')) {
      p.eat('OR') && p.expect('REPLACE');
      const temporary = p.eat('TEMPORARY');
      if (p.eat('DATABASE') || p.eat('SCHEMA')) {
        if (p.eat('IF')) (p.expect('NOT'), p.expect('EXISTS'));
        return { statement: { kind: 'createSchema', name: p.name() } };
      }
      if (p.eat('TABLE')) {
        if (temporary) return { why: 'temporary tables are not replicated' };
        st = createTable(p);
      } else {
        const unique = p.eat('UNIQUE');
        if (p.eat('FULLTEXT') || p.eat('SPATIAL')) return { why: 'FULLTEXT/SPATIAL indexes are not translated' };
        if (!p.eat('INDEX')) return { why: 'not a table or index statement' };
        const name = p.name();
        if (p.eat('USING')) p.name();
        p.expect('ON');
        const table = p.tableName();
        st = { kind: 'createIndex', table, index: { name, unique, columns: p.columnList() } };
      }
    } else if (p.eat('ALTER')) {
      p.eat('ONLINE') || p.eat('IGNORE');
      if (!p.eat('TABLE')) return { why: 'not a table statement' };
      st = alterTable(p);
    } else if (p.eat('DROP')) {
      p.eat('TEMPORARY');
      if (p.eat('DATABASE') || p.eat('SCHEMA')) {
        if (p.eat('IF')) p.expect('EXISTS');
        return { statement: { kind: 'dropSchema', name: p.name() } };
      }
      if (p.eat('TABLE')) {
        const ifExists = p.eat('IF') ? (p.expect('EXISTS'), true) : false;
        const tables = [p.tableName()];
        while (p.eatP(',')) tables.push(p.tableName());
        st = { kind: 'dropTable', tables, ifExists };
      } else if (p.eat('INDEX')) {
        const name = p.name();
        p.expect('ON');
        st = { kind: 'dropIndex', table: p.tableName(), name };
      } else return { why: 'not a table or index statement' };
    } else if (p.eat('TRUNCATE')) {
      p.eat('TABLE');
      st = { kind: 'truncateTable', table: p.tableName() };
    } else if (p.eat('RENAME')) {
      p.expect('TABLE');
      const pairs: { from: TableName; to: TableName }[] = [];
      do {
        const from = p.tableName();
        p.expect('TO');
        pairs.push({ from, to: p.tableName() });
      } while (p.eatP(','));
      st = { kind: 'renameTable', pairs };
    } else return { why: 'not a table statement' };
    return { statement: st };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

/** The table a statement is about (the first it names); CREATE DATABASE gives its schema and an empty table name. */
export function ddlSubject(st: DdlStatement): TableName {
  switch (st.kind) {
    case 'createSchema':
    case 'dropSchema':
      return { schema: st.name, table: '' };
    case 'dropTable':
      return st.tables[0]!;
    case 'renameTable':
      return st.pairs[0]!.from;
    default:
      return st.table;
  }
}

/** The tables a statement drops or empties (DROP TABLE, TRUNCATE): what soft_op keeps a copy of first. */
export function tablesEmptiedBy(sql: string): TableName[] {
  const { statement: st } = parseMysqlDdl(sql);
  if (st?.kind === 'dropTable') return [...st.tables];
  if (st?.kind === 'truncateTable') return [st.table];
  return [];
}
