import { SynctlError } from '../../errors';
import type { ColumnDef, DdlStatement, IndexDef, TableName } from '../mysql/mysql-ddl-parse';
import { mssqlQuoteIdent as q, mssqlString } from './mssql-sql';

/**
 * MySQL DDL (parsed by mysql-ddl-parse) rendered as SQL Server statements through the type
 * map below, the SQL Server twin of pg-ddl.ts. Differences that shape the output:
 *  - AUTO_INCREMENT is not carried: SQL Server's IDENTITY refuses explicit values (without
 *    IDENTITY_INSERT, one table per session), and a replica always inserts the source's ids.
 *  - Defaults are named constraints in SQL Server: dropping or changing a column's default,
 *    and dropping the column, first drop its default constraint by looking up its name.
 *  - Index names are per table (as in MySQL), so they are kept as they are.
 */

const BASE = /^([a-z0-9_]+)(?:\(([^)]*)\))?(.*)$/;

/** SQL Server's largest DECIMAL precision (MySQL allows 65). */
const MAX_PRECISION = 38;

/** The SQL Server type for a MySQL column type text ('int unsigned', 'varchar(40)', 'datetime(6)'). */
export function mssqlTypeForMysql(type: string): string {
  const m = BASE.exec(type.trim().toLowerCase());
  if (!m) return 'nvarchar(max)';
  const [, base, args, rest] = m as unknown as [string, string, string | undefined, string];
  const unsigned = /\bunsigned\b/.test(rest);
  const n = args !== undefined && /^\d+$/.test(args) ? Number(args) : undefined;
  const chars = (kind: 'nchar' | 'nvarchar', len: number) => (len > 4000 ? 'nvarchar(max)' : `${kind}(${len})`);
  const bytes = (kind: 'binary' | 'varbinary', len: number) => (len > 8000 ? 'varbinary(max)' : `${kind}(${len})`);
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
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
    case 'vector':
      return 'varbinary(max)';
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
  if (def.toUpperCase() === 'NULL') return 'NULL';
  if (def === 'CURRENT_TIMESTAMP') {
    if (type.startsWith('datetimeoffset')) return 'SYSDATETIMEOFFSET()';
    return /^(datetime2|date|time)/.test(type) ? `CAST(SYSUTCDATETIME() AS ${type})` : undefined;
  }
  if (def.startsWith('(')) return undefined;
  let text: string;
  if (def.startsWith("'")) {
    text = def.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[c] ?? c);
  } else if (/^[+-]?\d/.test(def)) text = def;
  else return undefined;
  if (/^0000-00-00/.test(text) || /-00-|-00( |$)/.test(text)) return undefined;
  if (type === 'bit') return /^0+$/.test(text) ? '0' : '1';
  if (/^(tinyint|smallint|int|bigint|decimal|real|float)/.test(type) && /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return text;
  if (/binary/.test(type)) return undefined;
  return mssqlString(text);
}

export interface MssqlDdlContext {
  /** the target schema and table for a name in the statement (unqualified names are in the statement's schema) */
  readonly target: (t: TableName) => { schema: string; table: string };
  /** per-column type override (the exec site's type map); undefined: the default mapping */
  readonly typeFor?: (table: { schema: string; table: string }, column: ColumnDef) => string | undefined;
}

type Qualified = { schema: string; table: string };

const qualified = (t: Qualified): string => `${q(t.schema)}.${q(t.table)}`;

/** A statement run through EXEC, so it may declare its own variables (several can share one batch). */
const exec = (sql: string): string => `EXEC(${mssqlString(sql)})`;

function typeOf(t: Qualified, c: ColumnDef, ctx: MssqlDdlContext): string {
  return ctx.typeFor?.(t, c) ?? mssqlTypeForMysql(c.type);
}

/**
 * The default a NOT NULL column gets when added to a table that may hold rows: MySQL fills
 * existing rows with the type's implicit default, SQL Server refuses the ADD instead.
 */
function implicitDefault(type: string): string | undefined {
  if (/^(tinyint|smallint|int|bigint|decimal|real|float|bit)/.test(type)) return '0';
  if (/char/.test(type)) return "N''";
  return undefined;
}

function columnSql(t: Qualified, c: ColumnDef, ctx: MssqlDdlContext, adding: boolean): string {
  const type = typeOf(t, c, ctx);
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

function dropPrimaryKey(t: Qualified): string {
  return exec(
    `DECLARE @k sysname = (SELECT name FROM sys.key_constraints WHERE type = 'PK' AND parent_object_id = OBJECT_ID(${mssqlString(qualified(t))}));` +
      ` IF @k IS NOT NULL EXEC(N'ALTER TABLE ${qualified(t).replace(/'/g, "''")} DROP CONSTRAINT ' + QUOTENAME(@k))`,
  );
}

const pkName = (t: Qualified): string => q(`PK_${t.table}`.slice(0, 128));

/** MySQL names an unnamed index after its first column. */
const indexName = (idx: Pick<IndexDef, 'name' | 'columns'>): string => (idx.name ?? idx.columns[0] ?? 'idx').slice(0, 128);

/** max types cannot be index keys in SQL Server. */
const indexable = (type: string | undefined): boolean => type === undefined || !/\(max\)$/.test(type);

function createIndex(t: Qualified, idx: IndexDef, typeOfColumn: (name: string) => string | undefined = () => undefined): string | undefined {
  if (idx.columns.some((c) => c === '' || !indexable(typeOfColumn(c)))) return undefined; // functional or (max) key parts
  const name = indexName(idx);
  return (
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(${mssqlString(qualified(t))}) AND name = ${mssqlString(name)}) ` +
    `CREATE ${idx.unique ? 'UNIQUE ' : ''}INDEX ${q(name)} ON ${qualified(t)} (${idx.columns.map(q).join(', ')})`
  );
}

function renameTable(from: Qualified, to: Qualified): string[] {
  const out: string[] = [];
  if (from.schema !== to.schema) out.push(`ALTER SCHEMA ${q(to.schema)} TRANSFER ${qualified(from)}`);
  if (from.table !== to.table) out.push(`EXEC sp_rename ${mssqlString(qualified({ schema: to.schema, table: from.table }))}, ${mssqlString(to.table)}`);
  return out;
}

/** The SQL Server statements for a parsed MySQL DDL statement, in order. */
export function mysqlDdlToMssql(st: DdlStatement, ctx: MssqlDdlContext): string[] {
  switch (st.kind) {
    case 'createTable': {
      const t = ctx.target(st.table);
      const types = new Map(st.columns.map((c) => [c.name, typeOf(t, c, ctx)]));
      const defs = st.columns.map((c) => columnSql(t, c, ctx, false));
      if (st.primaryKey.length) defs.push(`CONSTRAINT ${pkName(t)} PRIMARY KEY (${st.primaryKey.map(q).join(', ')})`);
      const create = `CREATE TABLE ${qualified(t)} (${defs.join(', ')})`;
      const out = [st.ifNotExists ? `IF OBJECT_ID(${mssqlString(qualified(t))}, 'U') IS NULL ${create}` : create];
      for (const idx of st.indexes) {
        const s = createIndex(t, idx, (c) => types.get(c));
        if (s) out.push(s);
      }
      return out;
    }
    case 'alterTable': {
      let t = ctx.target(st.table);
      const out: string[] = [];
      for (const a of st.actions) {
        const qt = qualified(t);
        switch (a.kind) {
          case 'addColumn':
            out.push(`ALTER TABLE ${qt} ADD ${columnSql(t, a.column, ctx, true)}`);
            if (a.column.primaryKey) out.push(`ALTER TABLE ${qt} ADD CONSTRAINT ${pkName(t)} PRIMARY KEY (${q(a.column.name)})`);
            break;
          case 'dropColumn':
            out.push(dropDefault(t, a.name), `ALTER TABLE ${qt} DROP COLUMN ${q(a.name)}`);
            break;
          case 'renameColumn':
            out.push(`EXEC sp_rename ${mssqlString(`${qt}.${q(a.from)}`)}, ${mssqlString(a.to)}, 'COLUMN'`);
            break;
          case 'changeColumn': {
            const c = a.column;
            if (a.from !== c.name) out.push(`EXEC sp_rename ${mssqlString(`${qt}.${q(a.from)}`)}, ${mssqlString(c.name)}, 'COLUMN'`);
            const type = typeOf(t, c, ctx);
            out.push(dropDefault(t, c.name), `ALTER TABLE ${qt} ALTER COLUMN ${q(c.name)} ${type} ${c.nullable ? 'NULL' : 'NOT NULL'}`);
            const d = c.default !== undefined ? mssqlDefault(c.default, type) : undefined;
            if (d !== undefined && d !== 'NULL') out.push(`ALTER TABLE ${qt} ADD DEFAULT ${d} FOR ${q(c.name)}`);
            break;
          }
          case 'setDefault': {
            out.push(dropDefault(t, a.name));
            const d = a.default !== undefined ? mssqlDefault(a.default, 'nvarchar') : undefined;
            if (d !== undefined && d !== 'NULL') out.push(`ALTER TABLE ${qt} ADD DEFAULT ${d} FOR ${q(a.name)}`);
            break;
          }
          case 'addIndex': {
            const s = createIndex(t, a.index);
            if (s) out.push(s);
            break;
          }
          case 'dropIndex':
            out.push(`DROP INDEX IF EXISTS ${q(a.name)} ON ${qt}`);
            break;
          case 'addPrimaryKey':
            out.push(`ALTER TABLE ${qt} ADD CONSTRAINT ${pkName(t)} PRIMARY KEY (${a.columns.map(q).join(', ')})`);
            break;
          case 'dropPrimaryKey':
            out.push(dropPrimaryKey(t));
            break;
          case 'renameTable': {
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
      throw new SynctlError('APPLY_SCHEMA', `DROP DATABASE ${st.name} is not replayed on SQL Server (drop the schema by hand if that is meant)`);
    case 'createSchema': {
      const s = ctx.target({ schema: st.name, table: '' }).schema;
      return [`IF SCHEMA_ID(${mssqlString(s)}) IS NULL ${exec(`CREATE SCHEMA ${q(s)}`)}`];
    }
    case 'createIndex': {
      const s = createIndex(ctx.target(st.table), st.index);
      return s ? [s] : [];
    }
    case 'dropIndex':
      return [`DROP INDEX IF EXISTS ${q(st.name)} ON ${qualified(ctx.target(st.table))}`];
  }
}
