import { SynctlError } from '../../errors';
import { logger } from '../../log';
import { type DdlContext, type DdlParts, MYSQL_OPAQUE_TYPES, type Qualified, isFalseText, isNumberText, readMysqlDefault, readMysqlType, renderMysqlDdl } from '../ddl-render';
import type { ColumnDef, DdlStatement, IndexDef } from '../mysql/mysql-ddl-parse';
import { mssqlQuoteIdent as q, mssqlString } from './mssql-sql';

/**
 * MySQL DDL (parsed by mysql-ddl-parse) rendered as SQL Server statements through the type
 * map below, the SQL Server twin of pg-ddl.ts (the statement walk is ddl-render's; this file
 * spells SQL Server's parts of it). Differences that shape the output:
 *  - AUTO_INCREMENT is not carried: SQL Server's IDENTITY refuses explicit values (without
 *    IDENTITY_INSERT, one table per session), and a replica always inserts the source's ids.
 *  - Defaults are named constraints in SQL Server: dropping or changing a column's default,
 *    and dropping the column, first drop its default constraint by looking up its name.
 *  - Index names are per table (as in MySQL), so they are kept as they are.
 */

/** the characters of a type's base name (MariaDB's inet4 and inet6 have digits) */
const BASE_CHARS = 'a-z0-9_';

/** SQL Server's largest DECIMAL precision (MySQL allows 65). */
const MAX_PRECISION = 38;

/** The SQL Server type for a MySQL column type text ('int unsigned', 'varchar(40)', 'datetime(6)'). */
export function mssqlTypeForMysql(type: string): string {
  const m = readMysqlType(type, BASE_CHARS);
  if (!m) return 'nvarchar(max)';
  const { base, args, unsigned, n } = m;
  const chars = (kind: 'nchar' | 'nvarchar', len: number) => (len > 4000 ? 'nvarchar(max)' : `${kind}(${len})`);
  const bytes = (kind: 'binary' | 'varbinary', len: number) => (len > 8000 ? 'varbinary(max)' : `${kind}(${len})`);
  if (MYSQL_OPAQUE_TYPES.has(base)) return 'varbinary(max)';
  switch (base) {
    case 'tinyint':
      // SQL Server's tinyint is 0..255: only the unsigned one fits
      return unsigned ? 'tinyint' : 'smallint';
    case 'smallint':
      return unsigned ? 'int' : 'smallint';
    case 'mediumint':
      return 'int';
    case 'int':
    case 'integer':
      return unsigned ? 'bigint' : 'int';
    case 'bigint':
      return unsigned ? 'decimal(20,0)' : 'bigint';
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed': {
      const [p = 10, s = 0] = (args ?? '').split(',').filter((x) => x !== '').map(Number);
      if (p > MAX_PRECISION) throw new SynctlError('APPLY_SCHEMA', `${type}: SQL Server's decimal holds at most ${MAX_PRECISION} digits`);
      return `decimal(${p},${s})`;
    }
    case 'float':
      return n !== undefined && n > 24 ? 'float' : 'real';
    case 'double':
    case 'real':
      return 'float';
    case 'bit':
      // no bit strings in SQL Server: BIT(1) is a flag, wider ones their bytes
      return (n ?? 1) === 1 ? 'bit' : `binary(${Math.ceil((n ?? 1) / 8)})`;
    case 'bool':
    case 'boolean':
      return 'bit';
    case 'char':
      return chars('nchar', n ?? 1);
    case 'varchar':
      return chars('nvarchar', n ?? 255);
    case 'enum':
      return 'nvarchar(255)';
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'set':
    case 'json':
      return 'nvarchar(max)';
    case 'binary':
      return bytes('binary', n ?? 1);
    case 'varbinary':
      return bytes('varbinary', n ?? 255);
    case 'date':
      return 'date';
    case 'time':
      return `time(${n ?? 0})`;
    case 'datetime':
      return `datetime2(${n ?? 0})`;
    case 'timestamp':
      // an instant: kept with its zone (exec writes UTC, +00:00)
      return `datetimeoffset(${n ?? 0})`;
    case 'year':
      return 'smallint';
    case 'uuid':
      return 'uniqueidentifier';
    case 'inet4':
    case 'inet6':
      return 'nvarchar(45)';
    default:
      return 'nvarchar(max)';
  }
}

/** A MySQL DEFAULT as a SQL Server default for `type`; undefined when it has no equivalent (zero dates, expressions). */
export function mssqlDefault(def: string, type: string): string | undefined {
  const d = readMysqlDefault(def);
  if (d === undefined) return undefined;
  if (d.kind === 'null') return 'NULL';
  if (d.kind === 'currentTimestamp') {
    if (type.startsWith('datetimeoffset')) return 'SYSDATETIMEOFFSET()';
    return /^(datetime2|date|time)/.test(type) ? `CAST(SYSUTCDATETIME() AS ${type})` : undefined;
  }
  const { text } = d;
  if (type === 'bit') return isFalseText(text) ? '0' : '1';
  if (/^(tinyint|smallint|int|bigint|decimal|real|float)/.test(type) && isNumberText(text)) return text;
  if (/binary/.test(type)) return undefined;
  return mssqlString(text);
}

/**
 * A MySQL DEFAULT for a column whose type is not known here (ALTER COLUMN SET DEFAULT), in
 * a form SQL Server converts to the column's type itself: an unquoted number stays a bare
 * number (int, decimal, float, bit and string columns all take it), anything else an
 * N'...' string; CURRENT_TIMESTAMP (MySQL allows it only on temporal columns) becomes
 * SYSUTCDATETIME(), which converts to datetime2, datetimeoffset, date and time.
 */
function mssqlDefaultUntyped(def: string): string | undefined {
  const d = readMysqlDefault(def);
  if (d === undefined) return undefined;
  if (d.kind === 'null') return 'NULL';
  if (d.kind === 'currentTimestamp') return 'SYSUTCDATETIME()';
  return !def.startsWith("'") && isNumberText(d.text) ? d.text : mssqlString(d.text);
}

export type MssqlDdlContext = DdlContext;

const qualified = (t: Qualified): string => `${q(t.schema)}.${q(t.table)}`;
export { qualified as mssqlQualified };

const log = logger('mssql-ddl');

/** A statement run through EXEC, so it may declare its own variables (several can share one batch). */
const exec = (sql: string): string => `EXEC(${mssqlString(sql)})`;

/**
 * The default a NOT NULL column gets when added to a table that may hold rows: MySQL fills
 * existing rows with the type's implicit default, SQL Server refuses the ADD instead.
 */
function implicitDefault(type: string): string | undefined {
  if (/^(tinyint|smallint|int|bigint|decimal|real|float|bit)/.test(type)) return '0';
  if (/char/.test(type)) return "N''";
  return undefined;
}

function columnSql(c: ColumnDef, type: string, adding: boolean): string {
  const parts = [q(c.name), type];
  const d = c.default !== undefined ? mssqlDefault(c.default, type) : adding && !c.nullable ? implicitDefault(type) : undefined;
  if (d !== undefined && d !== 'NULL') parts.push(`DEFAULT ${d}`);
  parts.push(c.nullable ? 'NULL' : 'NOT NULL');
  return parts.join(' ');
}

/** Drops the default constraint of `column`, when it has one (its name is generated by the server). */
function dropDefault(t: Qualified, column: string): string {
  return exec(
    `DECLARE @d sysname = (SELECT dc.name FROM sys.default_constraints dc JOIN sys.columns c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id` +
      ` WHERE dc.parent_object_id = OBJECT_ID(${mssqlString(qualified(t))}) AND c.name = ${mssqlString(column)});` +
      ` IF @d IS NOT NULL EXEC(N'ALTER TABLE ${qualified(t).replace(/'/g, "''")} DROP CONSTRAINT ' + QUOTENAME(@d))`,
  );
}

/** A default constraint for `column`, none for NULL (a column's default when it has none). */
function addDefault(t: Qualified, column: string, d: string | undefined): string[] {
  return d !== undefined && d !== 'NULL' ? [`ALTER TABLE ${qualified(t)} ADD DEFAULT ${d} FOR ${q(column)}`] : [];
}

function dropPrimaryKey(t: Qualified): string {
  return exec(
    `DECLARE @k sysname = (SELECT name FROM sys.key_constraints WHERE type = 'PK' AND parent_object_id = OBJECT_ID(${mssqlString(qualified(t))}));` +
      ` IF @k IS NOT NULL EXEC(N'ALTER TABLE ${qualified(t).replace(/'/g, "''")} DROP CONSTRAINT ' + QUOTENAME(@k))`,
  );
}

const pkName = (t: Qualified): string => q(`PK_${t.table}`.slice(0, 128));

/** MySQL names an unnamed index after its first column. */
const indexName = (idx: Pick<IndexDef, 'name' | 'columns'>): string => (idx.name ?? idx.columns[0] ?? 'idx').slice(0, 128);

/** (max) types cannot be index keys in SQL Server (and T-SQL has no prefix index to fall back on). */
const indexable = (type: string): boolean => !/\(max\)$/.test(type);

/** A column that cannot be an index key, as sys.columns shows it: (max), or text, ntext, image, xml. */
const UNINDEXABLE_COLUMN = '(max_length = -1 OR system_type_id IN (34, 35, 99, 241))';

/**
 * CREATE INDEX unless the table has an index of that name. A key column of a (max) type
 * would make SQL Server refuse the statement (and with it the DDL): when the column types
 * are known here (a table being created) the index is left out with a warning; when they
 * are not (ADD INDEX on a table that exists) the statement asks sys.columns and PRINTs a
 * 'synctl:' message instead of creating it, which the session logs as a warning.
 */
function createIndex(t: Qualified, idx: IndexDef, typeOfColumn: (name: string) => string | undefined): string | undefined {
  const name = indexName(idx);
  const types = idx.columns.map(typeOfColumn);
  const what = `index ${name} on ${qualified(t)}`;
  const bad = idx.columns.filter((_, i) => types[i] !== undefined && !indexable(types[i]!));
  if (bad.length > 0) {
    log.warn(`${what} left out: SQL Server cannot index ${bad.map((c) => `${c} (${typeOfColumn(c)})`).join(', ')}`);
    return undefined;
  }
  const object = `OBJECT_ID(${mssqlString(qualified(t))})`;
  const create =
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = ${object} AND name = ${mssqlString(name)}) ` +
    `CREATE ${idx.unique ? 'UNIQUE ' : ''}INDEX ${q(name)} ON ${qualified(t)} (${idx.columns.map(q).join(', ')})`;
  if (types.every((x) => x !== undefined)) return create;
  const message = `synctl: ${what} left out: SQL Server cannot index a (max) column among ${idx.columns.join(', ')}`;
  return `IF EXISTS (SELECT 1 FROM sys.columns WHERE object_id = ${object} AND name IN (${idx.columns.map(mssqlString).join(', ')}) AND ${UNINDEXABLE_COLUMN}) PRINT ${mssqlString(message)} ELSE ${create}`;
}

export function mssqlCreateSchema(schema: string): string {
  return `IF SCHEMA_ID(${mssqlString(schema)}) IS NULL ${exec(`CREATE SCHEMA ${q(schema)}`)}`;
}

const MSSQL_PARTS: DdlParts = {
  engine: 'SQL Server',
  quote: q,
  typeForMysql: mssqlTypeForMysql,
  column: columnSql,
  addColumn: 'ADD',
  primaryKey: (t, columns) => `CONSTRAINT ${pkName(t)} PRIMARY KEY (${columns.map(q).join(', ')})`,
  createTable: (t, defs, ifNotExists) => {
    const create = `CREATE TABLE ${qualified(t)} (${defs.join(', ')})`;
    return ifNotExists ? `IF OBJECT_ID(${mssqlString(qualified(t))}, 'U') IS NULL ${create}` : create;
  },
  createIndex,
  dropIndex: (t, name) => `DROP INDEX IF EXISTS ${q(name)} ON ${qualified(t)}`,
  beforeDropColumn: (t, name) => [dropDefault(t, name)],
  renameColumn: (t, from, to) => `EXEC sp_rename ${mssqlString(`${qualified(t)}.${q(from)}`)}, ${mssqlString(to)}, 'COLUMN'`,
  changeColumn: (t, c, type) => [
    dropDefault(t, c.name),
    `ALTER TABLE ${qualified(t)} ALTER COLUMN ${q(c.name)} ${type} ${c.nullable ? 'NULL' : 'NOT NULL'}`,
    ...addDefault(t, c.name, c.default !== undefined ? mssqlDefault(c.default, type) : undefined),
  ],
  setDefault: (t, name, def) => [dropDefault(t, name), ...addDefault(t, name, def !== undefined ? mssqlDefaultUntyped(def) : undefined)],
  dropPrimaryKey,
  setSchema: (t, to) => `ALTER SCHEMA ${q(to)} TRANSFER ${qualified(t)}`,
  renameTo: (t, to) => [`EXEC sp_rename ${mssqlString(qualified(t))}, ${mssqlString(to)}`],
  createSchema: (schema) => mssqlCreateSchema(schema),
};

/** The SQL Server statements for a parsed MySQL DDL statement, in order. */
export function mysqlDdlToMssql(st: DdlStatement, ctx: MssqlDdlContext): string[] {
  return renderMysqlDdl(st, ctx, MSSQL_PARTS);
}
