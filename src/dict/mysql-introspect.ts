/**
 * Reads the MySQL/MariaDB catalog into dictionary entries, together with the binlog
 * position the read is valid at.
 *
 * Consistency. The session runs START TRANSACTION WITH CONSISTENT SNAPSHOT (the snapshot a
 * later row copy in the same session would use), but information_schema is not versioned
 * by that snapshot, so the position is established by observation: read the position, read
 * the catalog, read the position again; if nothing was logged in between (same file,
 * offset and GTID state), no DDL can have slipped in and the catalog is valid at that
 * position. On a busy server the fallback is: read the catalog, read the position, read
 * the catalog again; equal catalogs around the position make it valid there.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { isDeepStrictEqual } from 'node:util';
import { SynctlError } from '../errors';
import { binlogPosition, type BinlogPosition } from '../model/position';
import { MysqlType } from '../capture/mysql/column';
import type { Condition } from './condition';
import type { DictColumn, DictionaryEntry, DictUniqueKey } from './entry';

export { toTableDescriptor } from './entry';

export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'] as const;

export interface IntrospectOptions {
  /** 'MYSQL' or 'MARIADB' as configured (recorded in the entries) */
  readonly source: string;
  /** tries of the quiet-window protocol before the compare-twice fallback (default 5) */
  readonly attempts?: number;
}

export interface CatalogSnapshot {
  readonly position: BinlogPosition;
  readonly serverVersion: string;
  readonly flavor: 'mysql' | 'mariadb';
  readonly entries: DictionaryEntry[];
}

// ---------------------------------------------------------------------------------------------
// type mapping

const STRING_LIKE = new Set(['char', 'binary', 'inet6', 'inet4', 'uuid']);
const BLOB_LIKE = new Set(['tinytext', 'text', 'mediumtext', 'longtext', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);
/**
 * MariaDB's compressed columns (`/*M!100301 COMPRESSED*\/`) have their own binlog types
 * (mysql_com.h: MYSQL_TYPE_BLOB_COMPRESSED 140, MYSQL_TYPE_VARCHAR_COMPRESSED 141; checked
 * against what MariaDB 10.11 writes in TABLE_MAP).
 */
const MARIADB_BLOB_COMPRESSED = 140;
const MARIADB_VARCHAR_COMPRESSED = 141;

/**
 * The TABLE_MAP type of a column (and the real type for STRING), from its data type.
 * `oldTemporal`: a pre-5.6 / MariaDB 5.3 TIME/DATETIME/TIMESTAMP (MariaDB shows
 * `/* mariadb-5.3 *\/` in COLUMN_TYPE with show_old_temporals=ON), logged as TIME/DATETIME/TIMESTAMP.
 */
export function mysqlTypeCodeOf(dataType: string, opts: { compressed?: boolean; oldTemporal?: boolean; flavor?: 'mysql' | 'mariadb' } = {}): {
  code: number;
  realType: number;
} {
  const t = dataType.toLowerCase();
  const same = (code: number) => ({ code, realType: code });
  switch (t) {
    case 'tinyint':
    case 'bool':
    case 'boolean':
      return same(MysqlType.TINY);
    case 'smallint':
      return same(MysqlType.SHORT);
    case 'mediumint':
      return same(MysqlType.INT24);
    case 'int':
    case 'integer':
      return same(MysqlType.LONG);
    case 'bigint':
      return same(MysqlType.LONGLONG);
    case 'float':
      return same(MysqlType.FLOAT);
    case 'double':
    case 'real':
    case 'double precision':
      return same(MysqlType.DOUBLE);
    case 'decimal':
    case 'numeric':
      return same(MysqlType.NEWDECIMAL);
    case 'date':
      return same(MysqlType.DATE);
    case 'time':
      return same(opts.oldTemporal ? MysqlType.TIME : MysqlType.TIME2);
    case 'datetime':
      return same(opts.oldTemporal ? MysqlType.DATETIME : MysqlType.DATETIME2);
    case 'timestamp':
      return same(opts.oldTemporal ? MysqlType.TIMESTAMP : MysqlType.TIMESTAMP2);
    case 'year':
      return same(MysqlType.YEAR);
    case 'varchar':
    case 'varbinary':
      return same(opts.compressed ? MARIADB_VARCHAR_COMPRESSED : MysqlType.VARCHAR);
    case 'bit':
      return same(MysqlType.BIT);
    case 'enum':
      return { code: MysqlType.STRING, realType: MysqlType.ENUM };
    case 'set':
      return { code: MysqlType.STRING, realType: MysqlType.SET };
    case 'json':
      // MySQL's binary JSON; MariaDB reports its JSON alias as longtext
      return same(opts.flavor === 'mariadb' ? MysqlType.BLOB : MysqlType.JSON);
    case 'vector':
      return same(opts.flavor === 'mariadb' ? MysqlType.VARCHAR : MysqlType.VECTOR);
  }
  if (STRING_LIKE.has(t)) return same(MysqlType.STRING);
  if (BLOB_LIKE.has(t)) return same(opts.compressed ? MARIADB_BLOB_COMPRESSED : MysqlType.BLOB);
  if (GEOMETRY.has(t)) return same(MysqlType.GEOMETRY);
  throw new SynctlError('STATE', `unknown MySQL data type '${dataType}': synctl cannot tell its binlog type`, { dataType });
}

/**
 * Labels of an ENUM or SET from its COLUMN_TYPE: enum('a','b,c','it''s').
 * The server writes ' as '' and escapes \ (and \0 \n \r \Z) with a backslash.
 */
export function parseEnumLabels(columnType: string): string[] {
  const m = /^\s*(?:enum|set)\s*\(/i.exec(columnType);
  if (!m) throw new SynctlError('STATE', `not an ENUM/SET column type: ${columnType}`);
  const out: string[] = [];
  let i = m[0].length;
  const s = columnType;
  const bad = (): SynctlError => new SynctlError('STATE', `cannot parse the labels of ${columnType}`);
  for (;;) {
    while (s[i] === ' ') i++;
    if (s[i] === ')' && out.length === 0) return out;
    if (s[i] !== "'") throw bad();
    i++;
    let v = '';
    for (;;) {
      if (i >= s.length) throw bad();
      const c = s[i]!;
      if (c === "'") {
        if (s[i + 1] === "'") {
          v += "'";
          i += 2;
          continue;
        }
        i++;
        break;
      }
      if (c === '\\' && i + 1 < s.length) {
        const n = s[i + 1]!;
        v += n === '0' ? '\0' : n === 'n' ? '\n' : n === 'r' ? '\r' : n === 'Z' ? '\x1a' : n === 't' ? '\t' : n;
        i += 2;
        continue;
      }
      v += c;
      i++;
    }
    out.push(v);
    while (s[i] === ' ') i++;
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === ')') return out;
    throw bad();
  }
}

// ---------------------------------------------------------------------------------------------
// catalog rows

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}
function optStr(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : str(v);
}
function optNum(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = Number(str(v));
  return Number.isFinite(n) ? n : undefined;
}

const tableKey = (schema: string, table: string): string => `${schema}\u0000${table}`;

interface RawCatalog {
  readonly tables: { schema: string; table: string; engine?: string }[];
  readonly columns: Map<string, RowDataPacket[]>;
  readonly stats: Map<string, RowDataPacket[]>;
  /** MariaDB JSON columns: tableKey + NUL + column name (see jsonColumns) */
  readonly json: ReadonlySet<string>;
}

function groupBy(rows: RowDataPacket[]): Map<string, RowDataPacket[]> {
  const m = new Map<string, RowDataPacket[]>();
  for (const r of rows) {
    const k = tableKey(str(r.table_schema), str(r.table_name));
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(r);
  }
  return m;
}

/** a CHECK clause as MariaDB prints the one its JSON type adds: json_valid(`col`) */
const JSON_CHECK = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

/**
 * MariaDB's JSON is LONGTEXT with a CHECK (json_valid(`col`)): COLUMN_TYPE says only
 * 'longtext'; CHECK_CONSTRAINTS (MariaDB 10.2.22+, with TABLE_NAME) tells the JSON columns.
 * An older server without that table: none are told.
 */
async function jsonColumns(conn: Connection, cond: Condition, systemList: string): Promise<Set<string>> {
  const f = cond.toSql({ dialect: 'mysql', columns: { DB: 'k.CONSTRAINT_SCHEMA', SCH: 'k.CONSTRAINT_SCHEMA', TAB: 'k.TABLE_NAME' } });
  let rows: RowDataPacket[];
  try {
    [rows] = await conn.query<RowDataPacket[]>(
      `SELECT k.CONSTRAINT_SCHEMA AS table_schema, k.TABLE_NAME AS table_name, k.CHECK_CLAUSE AS clause
         FROM information_schema.CHECK_CONSTRAINTS k
        WHERE k.CONSTRAINT_SCHEMA NOT IN (${systemList}) AND ${f.sql}`,
      [...SYSTEM_SCHEMAS, ...f.params],
    );
  } catch {
    return new Set();
  }
  const out = new Set<string>();
  for (const r of rows) {
    const m = JSON_CHECK.exec(str(r.clause).trim());
    if (m) out.add(`${tableKey(str(r.table_schema), str(r.table_name))}\u0000${m[1]!.replace(/``/g, '`')}`);
  }
  return out;
}

async function readRaw(conn: Connection, cond: Condition, flavor: 'mysql' | 'mariadb'): Promise<RawCatalog> {
  const systemList = SYSTEM_SCHEMAS.map(() => '?').join(', ');
  const filter = (alias: string) =>
    cond.toSql({
      dialect: 'mysql',
      columns: { DB: `${alias}.TABLE_SCHEMA`, SCH: `${alias}.TABLE_SCHEMA`, TAB: `${alias}.TABLE_NAME` },
    });
  const tf = filter('t');
  const [tables] = await conn.query<RowDataPacket[]>(
    `SELECT t.TABLE_SCHEMA AS table_schema, t.TABLE_NAME AS table_name, t.ENGINE AS engine
       FROM information_schema.TABLES t
      WHERE t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND t.TABLE_SCHEMA NOT IN (${systemList}) AND ${tf.sql}
      ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME`,
    [...SYSTEM_SCHEMAS, ...tf.params],
  );
  const cf = filter('c');
  const [columns] = await conn.query<RowDataPacket[]>(
    `SELECT c.TABLE_SCHEMA AS table_schema, c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name,
            c.ORDINAL_POSITION AS ordinal_position, c.IS_NULLABLE AS is_nullable, c.DATA_TYPE AS data_type,
            c.COLUMN_TYPE AS column_type, c.CHARACTER_MAXIMUM_LENGTH AS char_length,
            c.CHARACTER_OCTET_LENGTH AS octet_length, c.NUMERIC_PRECISION AS numeric_precision,
            c.NUMERIC_SCALE AS numeric_scale, c.DATETIME_PRECISION AS datetime_precision,
            c.CHARACTER_SET_NAME AS charset, c.COLLATION_NAME AS collation, c.EXTRA AS extra,
            c.GENERATION_EXPRESSION AS generation_expression
       FROM information_schema.COLUMNS c
      WHERE c.TABLE_SCHEMA NOT IN (${systemList}) AND ${cf.sql}
      ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
    [...SYSTEM_SCHEMAS, ...cf.params],
  );
  // no ORDER BY on the index: the server lists a table's keys in its own key order
  // (PRIMARY, then UNIQUE NOT NULL keys...), which decides the "first" unique key
  const sf = filter('s');
  const [stats] = await conn.query<RowDataPacket[]>(
    `SELECT s.TABLE_SCHEMA AS table_schema, s.TABLE_NAME AS table_name, s.INDEX_NAME AS index_name,
            s.NON_UNIQUE AS non_unique, s.SEQ_IN_INDEX AS seq_in_index, s.COLUMN_NAME AS column_name,
            s.SUB_PART AS sub_part
       FROM information_schema.STATISTICS s
      WHERE s.TABLE_SCHEMA NOT IN (${systemList}) AND ${sf.sql}`,
    [...SYSTEM_SCHEMAS, ...sf.params],
  );
  // a small table: read whole rather than joined (no collation clash between I_S columns)
  const [collations] = await conn.query<RowDataPacket[]>(
    'SELECT COLLATION_NAME AS collation_name, ID AS id FROM information_schema.COLLATIONS',
  );
  const collationIds = new Map<string, number>(collations.map((r) => [str(r.collation_name), Number(r.id)]));
  for (const r of columns) {
    const id = r.collation === null || r.collation === undefined ? undefined : collationIds.get(str(r.collation));
    r.collation_id = id ?? null;
  }
  const keep = (r: RowDataPacket): boolean =>
    cond.matches({ db: str(r.table_schema), schema: str(r.table_schema), table: str(r.table_name) });
  return {
    tables: tables.filter(keep).map((r) => ({
      schema: str(r.table_schema),
      table: str(r.table_name),
      ...(optStr(r.engine) !== undefined ? { engine: str(r.engine) } : {}),
    })),
    columns: groupBy(columns),
    stats: groupBy(stats),
    json: flavor === 'mariadb' ? await jsonColumns(conn, cond, systemList) : new Set(),
  };
}

interface IndexInfo {
  name: string;
  unique: boolean;
  parts: { seq: number; column: string | undefined; subPart: number | undefined }[];
}

function indexesOf(rows: RowDataPacket[]): IndexInfo[] {
  const byName = new Map<string, IndexInfo>();
  for (const r of rows) {
    const name = str(r.index_name);
    let ix = byName.get(name);
    if (!ix) byName.set(name, (ix = { name, unique: Number(r.non_unique) === 0, parts: [] }));
    ix.parts.push({ seq: Number(r.seq_in_index), column: optStr(r.column_name), subPart: optNum(r.sub_part) });
  }
  for (const ix of byName.values()) ix.parts.sort((a, b) => a.seq - b.seq);
  return [...byName.values()];
}

/** MariaDB stores JSON as text: a text column with its json_valid CHECK is JSON */
const JSON_TEXT = new Set(['tinytext', 'text', 'mediumtext', 'longtext']);

function buildEntry(
  t: { schema: string; table: string; engine?: string },
  colRows: RowDataPacket[],
  statRows: RowDataPacket[],
  json: ReadonlySet<string>,
  ctx: { source: string; serverVersion: string; flavor: 'mysql' | 'mariadb' },
): DictionaryEntry {
  const indexes = indexesOf(statRows);
  const nullable = new Map<string, boolean>(colRows.map((r) => [str(r.column_name), str(r.is_nullable) === 'YES']));
  const pk = indexes.find((ix) => ix.name === 'PRIMARY');
  const primaryKey = pk ? pk.parts.map((p) => p.column ?? '') : [];
  const uniqueKeys: DictUniqueKey[] = indexes
    .filter((ix) => ix.unique && ix.name !== 'PRIMARY' && ix.parts.every((p) => p.column !== undefined))
    .map((ix) => ({
      name: ix.name,
      columns: ix.parts.map((p) => p.column!),
      identifying: ix.parts.every((p) => p.subPart === undefined && nullable.get(p.column!) === false),
    }));
  const firstUnique = uniqueKeys.find((k) => k.identifying);
  const rowKey = pk ? 'PRIMARY' : (firstUnique?.name ?? '');
  const keyCols = new Set(pk ? primaryKey : (firstUnique?.columns ?? []));

  const columns: DictColumn[] = colRows.map((r) => {
    const rawType = str(r.column_type);
    const oldTemporal = /\/\*\s*mariadb-5\.3\s*\*\//i.test(rawType);
    const compressed = /\/\*M?!?\d*\s*COMPRESSED\s*\*\//i.test(rawType);
    const dataType = str(r.data_type).toLowerCase();
    const name = str(r.column_name);
    // drop MariaDB version comments: 'varchar(10) /*M!100301 COMPRESSED*/', 'time /* mariadb-5.3 */';
    // MariaDB JSON is 'json' as written (its dataType stays the text type the binlog has)
    const isJson = JSON_TEXT.has(dataType) && json.has(`${tableKey(t.schema, t.table)}\u0000${name}`);
    const columnType = isJson ? 'json' : rawType.replace(/\s*\/\*.*?\*\//g, '').trim();
    const { code, realType } = mysqlTypeCodeOf(dataType, { compressed, oldTemporal, flavor: ctx.flavor });
    const extra = str(r.extra).toUpperCase();
    const genExpr = optStr(r.generation_expression) ?? '';
    const generated: 'virtual' | 'stored' | undefined = /\bVIRTUAL\b/.test(extra)
      ? 'virtual'
      : /\b(STORED|PERSISTENT)\b/.test(extra)
        ? 'stored'
        : genExpr !== ''
          ? 'virtual'
          : undefined;
    const charset = optStr(r.charset);
    const collation = optStr(r.collation);
    const collationId = optNum(r.collation_id);
    const charLength = optNum(r.char_length);
    const octetLength = optNum(r.octet_length);
    const precision = optNum(r.numeric_precision);
    const scale = optNum(r.numeric_scale);
    const datetimePrecision = optNum(r.datetime_precision);
    return {
      name,
      ordinal: Number(r.ordinal_position),
      dataType,
      columnType,
      mysqlTypeCode: code,
      mysqlRealType: realType,
      unsigned: /\bunsigned\b/i.test(columnType),
      nullable: str(r.is_nullable) === 'YES',
      ...(charset !== undefined ? { charset } : {}),
      ...(collation !== undefined ? { collation } : {}),
      ...(collationId !== undefined ? { collationId } : {}),
      ...(dataType === 'enum' ? { enumValues: parseEnumLabels(columnType) } : {}),
      ...(dataType === 'set' ? { setValues: parseEnumLabels(columnType) } : {}),
      ...(charLength !== undefined ? { charLength } : {}),
      ...(octetLength !== undefined ? { octetLength } : {}),
      ...(precision !== undefined ? { precision } : {}),
      ...(scale !== undefined ? { scale } : {}),
      ...(datetimePrecision !== undefined ? { datetimePrecision } : {}),
      key: keyCols.has(name),
      ...(generated !== undefined ? { generated } : {}),
      invisible: /\bINVISIBLE\b/.test(extra),
      autoIncrement: /\bAUTO_INCREMENT\b/.test(extra),
    };
  });
  columns.sort((a, b) => a.ordinal - b.ordinal);
  return {
    schema: t.schema,
    table: t.table,
    source: ctx.source,
    serverVersion: ctx.serverVersion,
    ...(t.engine !== undefined ? { engine: t.engine } : {}),
    columns,
    primaryKey,
    uniqueKeys,
    rowKey,
  };
}

// ---------------------------------------------------------------------------------------------
// position

/** The current binlog position with its GTID state. */
export async function readBinlogPosition(conn: Connection, flavor: 'mysql' | 'mariadb'): Promise<BinlogPosition> {
  let rows: RowDataPacket[];
  // rows as objects even on a connection that reads rows as arrays (copy's source sessions)
  try {
    [rows] = await conn.query<RowDataPacket[]>({ sql: 'SHOW MASTER STATUS', rowsAsArray: false });
  } catch {
    // MySQL 8.4+ removed SHOW MASTER STATUS
    [rows] = await conn.query<RowDataPacket[]>({ sql: 'SHOW BINARY LOG STATUS', rowsAsArray: false });
  }
  const r = rows[0];
  if (r === undefined || !r.File) {
    throw new SynctlError('STATE', 'the source has no binary log (log_bin is OFF, or the user lacks REPLICATION CLIENT / BINLOG MONITOR): COPY DICT needs it');
  }
  let gtid: string;
  if (flavor === 'mariadb') {
    const [g] = await conn.query<RowDataPacket[]>({ sql: 'SELECT @@GLOBAL.gtid_binlog_pos AS gtid', rowsAsArray: false });
    gtid = str(g[0]?.gtid);
  } else {
    gtid = str(r.Executed_Gtid_Set).replace(/\s+/g, '');
  }
  return binlogPosition(str(r.File), Number(r.Position), gtid);
}

function samePosition(a: BinlogPosition, b: BinlogPosition): boolean {
  return a.file === b.file && a.pos === b.pos && a.gtid === b.gtid;
}

/**
 * Reads every BASE TABLE matching `cond` (system schemas excluded) and the binlog position
 * the definitions are valid at. The connection is left outside any transaction.
 */
export async function introspectMysql(conn: Connection, cond: Condition, opts: IntrospectOptions): Promise<CatalogSnapshot> {
  const [v] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const serverVersion = str(v[0]?.v);
  const flavor: 'mysql' | 'mariadb' = /mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql';
  if (flavor === 'mariadb') {
    // old (5.3) temporal columns then show '/* mariadb-5.3 */': their binlog type differs
    await conn.query('SET SESSION show_old_temporals = ON').catch(() => undefined);
  }
  const ctx = { source: opts.source, serverVersion, flavor };
  const build = (raw: RawCatalog): DictionaryEntry[] =>
    raw.tables.map((t) => {
      const k = tableKey(t.schema, t.table);
      return buildEntry(t, raw.columns.get(k) ?? [], raw.stats.get(k) ?? [], raw.json, ctx);
    });

  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
  try {
    const attempts = opts.attempts ?? 5;
    for (let i = 0; i < attempts; i++) {
      const before = await readBinlogPosition(conn, flavor);
      const raw = await readRaw(conn, cond, flavor);
      const after = await readBinlogPosition(conn, flavor);
      if (samePosition(before, after)) return { position: before, serverVersion, flavor, entries: build(raw) };
    }
    // busy server: equal catalogs on both sides of a position make them valid there
    for (let i = 0; i < attempts; i++) {
      const first = build(await readRaw(conn, cond, flavor));
      const position = await readBinlogPosition(conn, flavor);
      const second = build(await readRaw(conn, cond, flavor));
      if (isDeepStrictEqual(first, second)) return { position, serverVersion, flavor, entries: second };
    }
    throw new SynctlError('STATE', `the catalog kept changing during ${attempts * 2} reads (DDL in progress?): try COPY DICT again`);
  } finally {
    await conn.query('COMMIT').catch(() => undefined);
  }
}
