import { type DdlContext, type DdlParts, MYSQL_OPAQUE_TYPES, type Qualified, isFalseText, isNumberText, readMysqlDefault, readMysqlType, renderMysqlDdl } from '../ddl-render';
import type { ColumnDef, DdlStatement, IndexDef } from '../mysql/mysql-ddl-parse';
import { pgQuote } from './pg-literal';
import { pgQuoteIdent } from './postgres-normalize';

/**
 * MySQL DDL (parsed by mysql-ddl-parse) rendered as PostgreSQL statements, through the
 * type mapping below: the same mapping `copy ... CREATE` uses, so a table created by
 * exec and one created by the initial load agree. The statement walk is ddl-render's;
 * this file spells PostgreSQL's parts of it.
 */

/** the characters of a type's base name (MariaDB's inet4 and inet6 have digits) */
const BASE_CHARS = 'a-z0-9_';

/** The PostgreSQL type for a MySQL column type text ('int unsigned', 'varchar(40)', 'datetime(6)'). */
export function pgTypeForMysql(type: string): string {
  const m = readMysqlType(type, BASE_CHARS);
  if (!m) return 'text';
  const { base, args, unsigned, n } = m;
  if (MYSQL_OPAQUE_TYPES.has(base)) return 'bytea';
  switch (base) {
    case 'tinyint':
      return 'smallint';
    case 'smallint':
      return unsigned ? 'integer' : 'smallint';
    case 'mediumint':
      return 'integer';
    case 'int':
    case 'integer':
      return unsigned ? 'bigint' : 'integer';
    case 'bigint':
      return unsigned ? 'numeric(20)' : 'bigint';
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed':
      return args ? `numeric(${args})` : 'numeric(10)';
    case 'float':
      return n !== undefined && n > 24 ? 'double precision' : 'real';
    case 'double':
    case 'real':
      return 'double precision';
    case 'bit':
      return `bit varying(${n ?? 1})`;
    case 'bool':
    case 'boolean':
      return 'boolean';
    case 'char':
      return `char(${n ?? 1})`;
    case 'varchar':
      return `varchar(${n ?? 255})`;
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'enum':
    case 'set':
      return 'text';
    case 'binary':
    case 'varbinary':
      return 'bytea';
    case 'date':
      return 'date';
    case 'time':
      return n !== undefined ? `time(${n})` : 'time';
    case 'datetime':
      return n !== undefined ? `timestamp(${n})` : 'timestamp(0)';
    case 'timestamp':
      return n !== undefined ? `timestamptz(${n})` : 'timestamptz(0)';
    case 'year':
      return 'smallint';
    case 'json':
      return 'jsonb';
    case 'uuid':
      return 'uuid';
    case 'inet4':
    case 'inet6':
      return 'inet';
    default:
      return 'text';
  }
}

/** A MySQL DEFAULT as a PostgreSQL default for `pgType`; undefined when it has no equivalent (zero dates, expressions). */
function pgDefault(def: string, pgType: string): string | undefined {
  const d = readMysqlDefault(def);
  if (d === undefined) return undefined;
  if (d.kind === 'null') return 'NULL';
  if (d.kind === 'currentTimestamp') return /^(timestamp|date|time)/.test(pgType) ? 'CURRENT_TIMESTAMP' : undefined;
  const { text } = d;
  if (pgType === 'boolean') return isFalseText(text) ? 'false' : 'true';
  if (/^(smallint|integer|bigint|numeric|real|double)/.test(pgType) && isNumberText(text)) return text;
  if (pgType.startsWith('bit') || pgType === 'bytea') return undefined;
  return pgQuote(text);
}

/**
 * A MySQL DEFAULT for a column whose type is not known here (ALTER COLUMN SET DEFAULT), as
 * a literal PostgreSQL fits to the column's type itself: a quoted string or integer goes
 * into text, numeric and temporal columns alike (and 0 or 1 into boolean); a bare fraction
 * or exponent stays a number, which numeric and text columns take and an integer column
 * rounds, as MySQL does. CURRENT_TIMESTAMP: MySQL allows it only on temporal columns.
 */
function pgDefaultUntyped(def: string): string | undefined {
  const d = readMysqlDefault(def);
  if (d === undefined) return undefined;
  if (d.kind === 'null') return 'NULL';
  if (d.kind === 'currentTimestamp') return 'CURRENT_TIMESTAMP';
  const bare = !def.startsWith("'") && isNumberText(d.text) && !/^[+-]?\d+$/.test(d.text);
  return bare ? d.text : pgQuote(d.text);
}

export type PgDdlContext = DdlContext;

const qualified = (t: Qualified): string => `${pgQuoteIdent(t.schema)}.${pgQuoteIdent(t.table)}`;

/** PostgreSQL index names are per schema: prefix the table's name, as MySQL's are per table. */
function indexName(table: string, idx: Pick<IndexDef, 'name' | 'columns'>): string {
  return `${table}_${idx.name ?? idx.columns[0] ?? 'idx'}`.slice(0, 63);
}

/**
 * The default a NOT NULL column gets when added to a table that may hold rows: MySQL fills
 * existing rows with the type's implicit default, PostgreSQL refuses the ADD instead.
 * (Temporal types: MySQL's zero date, which exec's zero_date rule decides; not given.)
 */
function implicitDefault(type: string): string | undefined {
  if (/^(smallint|integer|bigint|numeric|real|double precision)/.test(type)) return '0';
  if (/^(character|varchar|text|char)/.test(type)) return "''";
  if (type === 'boolean') return 'false';
  if (type === 'bytea') return "'\\x'::bytea";
  return undefined;
}

function columnSql(c: ColumnDef, type: string, adding: boolean): string {
  const parts = [pgQuoteIdent(c.name), type];
  if (c.autoIncrement && /^(smallint|integer|bigint)$/.test(type)) parts.push('GENERATED BY DEFAULT AS IDENTITY');
  else if (c.default !== undefined) {
    const d = pgDefault(c.default, type);
    if (d !== undefined) parts.push(`DEFAULT ${d}`);
  } else if (adding && !c.nullable) {
    const d = implicitDefault(type);
    if (d !== undefined) parts.push(`DEFAULT ${d}`);
  }
  if (!c.nullable) parts.push('NOT NULL');
  return parts.join(' ');
}

/**
 * Index names carry their table's name (indexName, `<table>_pkey`), MySQL's are per table:
 * after a table rename they must follow it, or a later DROP INDEX / DROP PRIMARY KEY by
 * the MySQL name misses. Renaming the primary key's index renames its constraint too.
 */
function renameIndexes(schema: string, from: string, to: string): string {
  const prefix = pgQuote(`${from}_`);
  return (
    `DO $synctl$ DECLARE r record; BEGIN FOR r IN SELECT indexname FROM pg_indexes WHERE schemaname = ${pgQuote(schema)} AND tablename = ${pgQuote(to)}` +
    ` AND left(indexname, length(${prefix})) = ${prefix} LOOP EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', ${pgQuote(schema)}, r.indexname,` +
    ` left(${pgQuote(`${to}_`)} || substr(r.indexname, length(${prefix}) + 1), 63)); END LOOP; END $synctl$`
  );
}

const PG_PARTS: DdlParts = {
  engine: 'PostgreSQL',
  quote: pgQuoteIdent,
  typeForMysql: pgTypeForMysql,
  column: (c, type, adding) => columnSql(c, type, adding),
  addColumn: 'ADD COLUMN',
  primaryKey: (_t, columns) => `PRIMARY KEY (${columns.map(pgQuoteIdent).join(', ')})`,
  createTable: (t, defs, ifNotExists) => `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${qualified(t)} (${defs.join(', ')})`,
  createIndex: (t, idx) =>
    `CREATE ${idx.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${pgQuoteIdent(indexName(t.table, idx))} ON ${qualified(t)} (${idx.columns.map(pgQuoteIdent).join(', ')})`,
  dropIndex: (t, name) => `DROP INDEX IF EXISTS ${pgQuoteIdent(t.schema)}.${pgQuoteIdent(indexName(t.table, { name, columns: [] }))}`,
  beforeDropColumn: () => [],
  renameColumn: (t, from, to) => `ALTER TABLE ${qualified(t)} RENAME COLUMN ${pgQuoteIdent(from)} TO ${pgQuoteIdent(to)}`,
  changeColumn: (t, c, type) => {
    const q = qualified(t);
    const n = pgQuoteIdent(c.name);
    const d = c.default !== undefined ? pgDefault(c.default, type) : undefined;
    return [
      `ALTER TABLE ${q} ALTER COLUMN ${n} TYPE ${type} USING ${n}::${type}`,
      `ALTER TABLE ${q} ALTER COLUMN ${n} ${c.nullable ? 'DROP' : 'SET'} NOT NULL`,
      `ALTER TABLE ${q} ALTER COLUMN ${n} ${d !== undefined ? `SET DEFAULT ${d}` : 'DROP DEFAULT'}`,
    ];
  },
  setDefault: (t, name, def) => {
    const d = def !== undefined ? pgDefaultUntyped(def) : undefined;
    return [`ALTER TABLE ${qualified(t)} ALTER COLUMN ${pgQuoteIdent(name)} ${d !== undefined ? `SET DEFAULT ${d}` : 'DROP DEFAULT'}`];
  },
  dropPrimaryKey: (t) => `ALTER TABLE ${qualified(t)} DROP CONSTRAINT IF EXISTS ${pgQuoteIdent(`${t.table}_pkey`)}`,
  setSchema: (t, to) => `ALTER TABLE ${qualified(t)} SET SCHEMA ${pgQuoteIdent(to)}`,
  renameTo: (t, to) => [`ALTER TABLE ${qualified(t)} RENAME TO ${pgQuoteIdent(to)}`, renameIndexes(t.schema, t.table, to)],
  createSchema: (schema) => `CREATE SCHEMA IF NOT EXISTS ${pgQuoteIdent(schema)}`,
};

/** The PostgreSQL statements for a parsed MySQL DDL statement, in order. */
export function mysqlDdlToPg(st: DdlStatement, ctx: PgDdlContext): string[] {
  return renderMysqlDdl(st, ctx, PG_PARTS);
}
