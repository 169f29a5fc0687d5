import { SynctlError } from '../errors';
import type { ColumnDef, DdlStatement, IndexDef, TableName } from './mysql/mysql-ddl-parse';

/**
 * The walk over a parsed MySQL DDL statement (mysql-ddl-parse), shared by the engines that
 * replay it: each engine supplies its DdlParts (quoting, type mapping, the spelling of the
 * statements that differ) and renderMysqlDdl decides which statements a MySQL statement
 * becomes and in what order, so the engines cannot drift apart on that.
 */

/** A table on the target. */
export interface Qualified {
  readonly schema: string;
  readonly table: string;
}

export interface DdlContext {
  /** the target schema and table for a name in the statement (unqualified names are in the statement's schema) */
  readonly target: (t: TableName) => Qualified;
  /** per-column type override (the exec site's type map); undefined: the default mapping */
  readonly typeFor?: (table: Qualified, column: ColumnDef) => string | undefined;
}

/** What one engine spells its own way. `t` is always the target table. */
export interface DdlParts {
  /** the engine's name in refusals ('PostgreSQL') */
  readonly engine: string;
  readonly quote: (name: string) => string;
  /** the default mapping of a MySQL column type text */
  readonly typeForMysql: (type: string) => string;
  /** a column definition; `adding`: added to a table that may hold rows (ALTER TABLE ADD) */
  readonly column: (c: ColumnDef, type: string, adding: boolean) => string;
  /** what follows ALTER TABLE t to add a column definition ('ADD COLUMN') */
  readonly addColumn: string;
  /** a primary key as a table element (in CREATE TABLE, after ALTER TABLE t ADD) */
  readonly primaryKey: (t: Qualified, columns: readonly string[]) => string;
  readonly createTable: (t: Qualified, defs: readonly string[], ifNotExists: boolean) => string;
  /** undefined: the index is left out; `typeOfColumn` knows the columns of a table being created */
  readonly createIndex: (t: Qualified, idx: IndexDef, typeOfColumn: (name: string) => string | undefined) => string | undefined;
  readonly dropIndex: (t: Qualified, name: string) => string;
  /** statements to run before a column is dropped (its default constraint, say) */
  readonly beforeDropColumn: (t: Qualified, name: string) => readonly string[];
  readonly renameColumn: (t: Qualified, from: string, to: string) => string;
  /** a column's new type, nullability and default (a rename before it is the walk's) */
  readonly changeColumn: (t: Qualified, c: ColumnDef, type: string) => readonly string[];
  /**
   * ALTER COLUMN SET DEFAULT (the MySQL text) or DROP DEFAULT (undefined). The column's type
   * is not known here: the default is spelled so the target fits it to the column's type
   * (a number, a string, CURRENT_TIMESTAMP each as such), or dropped when it has no spelling.
   */
  readonly setDefault: (t: Qualified, name: string, mysqlDefault: string | undefined) => readonly string[];
  readonly dropPrimaryKey: (t: Qualified) => string;
  /** moves `t` to schema `to`, keeping its name */
  readonly setSchema: (t: Qualified, to: string) => string;
  /** renames `t` within its schema (and whatever is named after it) */
  readonly renameTo: (t: Qualified, to: string) => readonly string[];
  readonly createSchema: (schema: string) => string;
}

/** The statements for a parsed MySQL DDL statement, in order, as `parts` spell them. */
export function renderMysqlDdl(st: DdlStatement, ctx: DdlContext, parts: DdlParts): string[] {
  const qualified = (t: Qualified): string => `${parts.quote(t.schema)}.${parts.quote(t.table)}`;
  const typeOf = (t: Qualified, c: ColumnDef): string => ctx.typeFor?.(t, c) ?? parts.typeForMysql(c.type);
  const createIndex = (t: Qualified, idx: IndexDef, typeOfColumn: (name: string) => string | undefined = () => undefined): string[] => {
    if (idx.columns.some((c) => c === '')) return []; // functional key parts are not translated
    const s = parts.createIndex(t, idx, typeOfColumn);
    return s !== undefined ? [s] : [];
  };
  const renameTable = (from: Qualified, to: Qualified): string[] => {
    const out: string[] = [];
    if (from.schema !== to.schema) out.push(parts.setSchema(from, to.schema));
    if (from.table !== to.table) out.push(...parts.renameTo({ schema: to.schema, table: from.table }, to.table));
    return out;
  };

  switch (st.kind) {
    case 'createTable': {
      const t = ctx.target(st.table);
      const types = st.columns.map((c) => typeOf(t, c));
      const typeByName = new Map(st.columns.map((c, i) => [c.name, types[i]]));
      const defs = st.columns.map((c, i) => parts.column(c, types[i]!, false));
      if (st.primaryKey.length) defs.push(parts.primaryKey(t, st.primaryKey));
      return [parts.createTable(t, defs, st.ifNotExists), ...st.indexes.flatMap((idx) => createIndex(t, idx, (c) => typeByName.get(c)))];
    }
    case 'alterTable': {
      let t = ctx.target(st.table);
      const out: string[] = [];
      for (const a of st.actions) {
        const q = qualified(t);
        switch (a.kind) {
          case 'addColumn':
            out.push(`ALTER TABLE ${q} ${parts.addColumn} ${parts.column(a.column, typeOf(t, a.column), true)}`);
            if (a.column.primaryKey) out.push(`ALTER TABLE ${q} ADD ${parts.primaryKey(t, [a.column.name])}`);
            break;
          case 'dropColumn':
            out.push(...parts.beforeDropColumn(t, a.name), `ALTER TABLE ${q} DROP COLUMN ${parts.quote(a.name)}`);
            break;
          case 'renameColumn':
            out.push(parts.renameColumn(t, a.from, a.to));
            break;
          case 'changeColumn':
            if (a.from !== a.column.name) out.push(parts.renameColumn(t, a.from, a.column.name));
            out.push(...parts.changeColumn(t, a.column, typeOf(t, a.column)));
            break;
          case 'setDefault':
            out.push(...parts.setDefault(t, a.name, a.default));
            break;
          case 'addIndex':
            out.push(...createIndex(t, a.index));
            break;
          case 'dropIndex':
            out.push(parts.dropIndex(t, a.name));
            break;
          case 'addPrimaryKey':
            out.push(`ALTER TABLE ${q} ADD ${parts.primaryKey(t, a.columns)}`);
            break;
          case 'dropPrimaryKey':
            out.push(parts.dropPrimaryKey(t));
            break;
          case 'renameTable': {
            // later actions of the statement apply to the renamed table
            const to = ctx.target({ ...a.to, schema: a.to.schema ?? st.table.schema });
            out.push(...renameTable(t, to));
            t = to;
            break;
          }
        }
      }
      return out;
    }
    case 'dropTable':
      return [`DROP TABLE ${st.ifExists ? 'IF EXISTS ' : ''}${st.tables.map((x) => qualified(ctx.target(x))).join(', ')}`];
    case 'truncateTable':
      return [`TRUNCATE TABLE ${qualified(ctx.target(st.table))}`];
    case 'renameTable':
      return st.pairs.flatMap((p) => renameTable(ctx.target(p.from), ctx.target(p.to)));
    case 'dropSchema':
      throw new SynctlError('APPLY_SCHEMA', `DROP DATABASE ${st.name} is not replayed on ${parts.engine} (drop the schema by hand if that is meant)`);
    case 'createSchema':
      return [parts.createSchema(ctx.target({ schema: st.name, table: '' }).schema)];
    case 'createIndex':
      return createIndex(ctx.target(st.table), st.index);
    case 'dropIndex':
      return [parts.dropIndex(ctx.target(st.table), st.name)];
  }
}

/** A MySQL DEFAULT (its SQL text) read as a value, before an engine spells it for a column type. */
export type MysqlDefault = { readonly kind: 'null' } | { readonly kind: 'currentTimestamp' } | { readonly kind: 'value'; readonly text: string };

/** undefined: no value an engine can take (an expression, a zero date, a keyword other than NULL/CURRENT_TIMESTAMP). */
export function readMysqlDefault(def: string): MysqlDefault | undefined {
  if (def.toUpperCase() === 'NULL') return { kind: 'null' };
  if (def === 'CURRENT_TIMESTAMP') return { kind: 'currentTimestamp' };
  if (def.startsWith('(')) return undefined;
  let text: string;
  if (def.startsWith("'")) {
    text = def.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c);
  } else if (/^[+-]?\d/.test(def)) text = def;
  else return undefined;
  if (/^0000-00-00/.test(text) || /-00-|-00( |$)/.test(text)) return undefined;
  return { kind: 'value', text };
}

/** A default's text that a numeric column takes as it is. */
export const isNumberText = (text: string): boolean => /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text);

/** A default's text that a boolean column takes as false. */
export const isFalseText = (text: string): boolean => /^0+$/.test(text);

/** A MySQL column type text ('int(11) unsigned') read into what the type maps look at. */
export interface MysqlTypeText {
  /** lower case: 'int' */
  readonly base: string;
  /** the text between the parentheses: '11', '12,2', "'a','b'" */
  readonly args: string | undefined;
  readonly unsigned: boolean;
  /** args when a single number (a length, a precision) */
  readonly n: number | undefined;
}

const typeTextRes = new Map<string, RegExp>();

/** undefined when `type` does not start with a name `baseChars` (a character class) matches. */
export function readMysqlType(type: string, baseChars: string): MysqlTypeText | undefined {
  let re = typeTextRes.get(baseChars);
  if (!re) typeTextRes.set(baseChars, (re = new RegExp(`^([${baseChars}]+)(?:\\(([^)]*)\\))?(.*)$`)));
  const m = re.exec(type.trim().toLowerCase());
  if (!m) return undefined;
  const [, base, args, rest] = m as unknown as [string, string, string | undefined, string];
  return { base, args, unsigned: /\bunsigned\b/.test(rest), n: args !== undefined && /^\d+$/.test(args) ? Number(args) : undefined };
}

/** MySQL types the target keeps as opaque bytes: blobs, spatial values, vectors. */
export const MYSQL_OPAQUE_TYPES: ReadonlySet<string> = new Set([
  ...['tinyblob', 'blob', 'mediumblob', 'longblob', 'vector'],
  ...['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection'],
]);
