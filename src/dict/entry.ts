/**
 * One offline-dictionary entry: what the capture needs to know about a source table to
 * decode its log records (DMHS `DICT/`). Plain JSON data (no bigint, no class), so it is
 * stored as-is and compared with deepEqual.
 */
import type { ColumnDescriptor, TableDescriptor } from '../model/change';

export const DICT_FORMAT = 1;

export interface DictColumn {
  readonly name: string;
  /** 1-based ORDINAL_POSITION; the binlog column index is ordinal - 1 */
  readonly ordinal: number;
  /** information_schema DATA_TYPE, lower case: 'int', 'varchar', 'enum', 'longtext' (MariaDB JSON)... */
  readonly dataType: string;
  /**
   * full COLUMN_TYPE without MariaDB version comments: 'int(10) unsigned', "enum('a','b')", 'varchar(10)';
   * 'json' for MariaDB's JSON (a longtext with a json_valid CHECK; dataType stays 'longtext')
   */
  readonly columnType: string;
  /**
   * The MYSQL_TYPE_* code the column has in a TABLE_MAP event (src/capture/mysql/column.ts
   * MysqlType): CHAR/BINARY/ENUM/SET/INET6/UUID are STRING (254), the real type being in the
   * metadata (see mysqlRealType); every TEXT/BLOB size (and MariaDB JSON) is BLOB (252).
   */
  readonly mysqlTypeCode: number;
  /** for STRING (254) columns the real type in the TABLE_MAP metadata: ENUM 247, SET 248, else 254 */
  readonly mysqlRealType: number;
  readonly unsigned: boolean;
  readonly nullable: boolean;
  /** text columns (incl. ENUM/SET) only */
  readonly charset?: string;
  readonly collation?: string;
  readonly collationId?: number;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  /** CHARACTER_MAXIMUM_LENGTH (characters for text, bytes for binary) */
  readonly charLength?: number;
  /** CHARACTER_OCTET_LENGTH */
  readonly octetLength?: number;
  /** NUMERIC_PRECISION (digits; bits for BIT) */
  readonly precision?: number;
  readonly scale?: number;
  /** fractional-second digits of TIME/DATETIME/TIMESTAMP (0..6) */
  readonly datetimePrecision?: number;
  /** part of the key used to address rows: the primary key, else the first UNIQUE key whose columns are NOT NULL */
  readonly key: boolean;
  /** 'virtual' or 'stored' for a generated column */
  readonly generated?: 'virtual' | 'stored';
  readonly invisible: boolean;
  /** AUTO_INCREMENT column */
  readonly autoIncrement: boolean;
}

export interface DictUniqueKey {
  readonly name: string;
  readonly columns: readonly string[];
  /** every column is NOT NULL and the key has no prefix parts: it identifies rows */
  readonly identifying: boolean;
}

export interface DictionaryEntry {
  readonly schema: string;
  readonly table: string;
  /** source database product: 'MYSQL' | 'MARIADB' (as configured) */
  readonly source: string;
  /** server version string the catalog was read from */
  readonly serverVersion: string;
  readonly engine?: string;
  readonly columns: readonly DictColumn[];
  /** primary key columns in key order; empty when the table has none */
  readonly primaryKey: readonly string[];
  /** every UNIQUE key except the primary key, in the server's key order */
  readonly uniqueKeys: readonly DictUniqueKey[];
  /** the key the `key` column flags come from: 'PRIMARY', a unique key name, or '' (none: rows are matched on all columns) */
  readonly rowKey: string;
}

/** The model's view of a dictionary entry (what changes carry). */
export function toTableDescriptor(e: DictionaryEntry): TableDescriptor {
  const columns: ColumnDescriptor[] = [...e.columns]
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((c) => ({
      name: c.name,
      type: c.columnType,
      key: c.key,
      nullable: c.nullable,
      ...(c.charset !== undefined ? { charset: c.charset } : {}),
    }));
  return { schema: e.schema, table: e.table, columns };
}
