/**
 * The engine-neutral shapes verify works with: a table as both catalogs describe it, the
 * canonical kind of each column, and the report.
 */

/** What a column's values are, for choosing their canonical text. */
export type ColKind =
  | 'int'
  | 'decimal'
  | 'float'
  | 'text'
  | 'binary'
  | 'date'
  | 'time'
  | 'datetime'
  | 'timestamptz'
  | 'json'
  | 'bool'
  | 'other';

export type Engine = 'mysql' | 'pg' | 'mssql';

export interface VColumn {
  readonly name: string;
  readonly kind: ColKind;
  /** the engine's own type text, for messages */
  readonly type: string;
  /** DECIMAL/NUMERIC scale when declared */
  readonly scale?: number;
}

export interface VTable {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly VColumn[];
  /** primary key column names, in key order; empty when the table has none */
  readonly key: readonly string[];
  /** the tables its foreign keys reference (itself excluded), where the catalog reader reads them */
  readonly references?: readonly { readonly schema: string; readonly table: string }[];
}

/** JS step applied to the text a database returned, when SQL alone cannot make both engines agree. */
export type JsCanon = 'json' | 'float';

export interface TableReport {
  readonly source: string;
  readonly target: string;
  /** 'compared'; 'missing-target' / 'missing-source' when one side has no such table; 'skipped' with a reason */
  readonly status: 'compared' | 'missing-target' | 'missing-source' | 'skipped' | 'error';
  readonly reason?: string;
  /** 'chunk-hash' (key ranges hashed, differing ranges descended), 'rows' (every row streamed) */
  readonly method?: 'chunk-hash' | 'rows';
  /** --repair created this table on the target (then filled it as missing rows) */
  readonly createdOnTarget?: true;
  /** the send's row conditions this table was compared under (only rows they pass) */
  readonly rowFilter?: string;
  readonly rowsCompared: number;
  readonly missingOnTarget: number;
  readonly extraOnTarget: number;
  readonly differing: number;
  /** names of the (target) columns found differing, first seen first */
  readonly differingColumns: readonly string[];
  readonly chunks: number;
  readonly chunksDescended: number;
  /** rows fetched row by row (both sides): what hashing did not settle */
  readonly rowsRead: number;
  readonly seconds: number;
  /** with --rows: each differing key (canonical key text) */
  readonly keys?: readonly DiffKey[];
  /** more differing keys than the report keeps (maxKeys, default 100,000) */
  readonly keysTruncated?: boolean;
  /** with --repair: what was applied and the re-verification outcome */
  readonly repair?: RepairReport;
}

export interface DiffKey {
  readonly kind: 'missing' | 'extra' | 'differ';
  /** canonical key values (all columns for a table without a primary key) */
  readonly key: readonly (string | null)[];
  /** for 'differ': the differing target columns */
  readonly columns?: readonly string[];
}

export interface RepairReport {
  readonly inserted: number;
  readonly deleted: number;
  readonly updated: number;
  /** true when the re-verification found the table equal */
  readonly equalAfter: boolean;
}

export interface VerifyReport {
  readonly condition: string;
  readonly sourceType: string;
  readonly targetType: string;
  readonly equal: boolean;
  readonly tables: readonly TableReport[];
  readonly seconds: number;
}
