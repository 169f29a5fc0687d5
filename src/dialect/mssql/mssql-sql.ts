import { SynctlError } from '../../errors';
import type { Row } from '../../model/change';
import { JsonDiff, Temporal, UNCHANGED, type Value } from '../../model/value';
import { SEQID_GATE, type ErrorRecord, type SystemTables, type TrxidRow } from '../../exec/target';
import type { BoundColumn, BoundTable } from '../bound-table';
import { SqlWriter, type DialectParts } from '../sql-writer';
import { utcWallClock } from '../temporal-text';
import { isZeroDate, zeroDateValue, type ZeroDateRule } from '../zero-date';

/**
 * SQL Server statement text. Strings are N'...' (UTF-16 on the server, so every
 * character survives), binary is 0x..., DATETIME goes to datetime2 and TIMESTAMP (an
 * instant) to datetimeoffset with its zone. No SQL Server runs where synctl is tested:
 * this is covered by unit tests on the generated text, and live only when MSSQL_URL is set.
 */

export function mssqlQuoteIdent(name: string): string {
  return '[' + name.replace(/]/g, ']]') + ']';
}

export function mssqlString(s: string): string {
  return "N'" + s.replace(/'/g, "''") + "'";
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function bad(col: BoundColumn, what: string): SynctlError {
  return new SynctlError('APPLY_VALUE', `column ${col.name} (${col.type}): ${what}`, { column: col.name });
}

function temporal(v: Temporal, col: BoundColumn, zeroDate: ZeroDateRule): string {
  if (isZeroDate(v)) {
    const z = zeroDateValue(v, zeroDate);
    if (z === null) return 'NULL';
    v = z;
  }
  const t = col.type.toLowerCase();
  if (v.kind === 'time') {
    const h = /^(-?)(\d+):/.exec(v.text);
    if (h && (h[1] === '-' || Number(h[2]) > 23)) throw bad(col, `TIME ${v.text} is outside SQL Server's time range`);
    return `'${v.text}'`;
  }
  if (v.kind === 'timestamptz') {
    if (t.startsWith('datetimeoffset')) {
      const m = /^(.*?)([+-]\d\d:\d\d)$/.exec(v.text);
      return m ? `'${m[1]} ${m[2]}'` : `'${v.text}'`;
    }
    return `'${utcWallClock(v.text)}'`;
  }
  if (t.startsWith('datetimeoffset') && v.kind === 'datetime') return `'${v.text} +00:00'`;
  return `'${v.text}'`;
}

export function mssqlLiteral(v: Value, col: BoundColumn, opts: { zeroDate: ZeroDateRule }): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'boolean':
      return v ? '1' : '0';
    case 'number':
      if (!Number.isFinite(v)) throw bad(col, `${v} cannot be stored (SQL Server floats have no NaN or infinity)`);
      if (col.kind === 'bool') return v !== 0 ? '1' : '0';
      return Object.is(v, -0) ? '0' : String(v);
    case 'bigint':
      if (col.kind === 'bool') return v !== 0n ? '1' : '0';
      return v.toString();
    case 'string':
      if ((col.kind === 'int' || col.kind === 'decimal' || col.kind === 'float') && NUMBER_TEXT.test(v)) return v;
      if (col.kind === 'binary') return '0x' + Buffer.from(v, 'utf8').toString('hex');
      return mssqlString(v);
  }
  if (Buffer.isBuffer(v)) {
    if (col.kind === 'bool' && v.length === 1) return v[0] ? '1' : '0';
    if (col.kind === 'int' || col.kind === 'decimal') return v.length === 0 ? '0' : BigInt('0x' + v.toString('hex')).toString();
    return v.length === 0 ? '0x' : '0x' + v.toString('hex');
  }
  if (v instanceof Temporal) return temporal(v, col, opts.zeroDate);
  if (v === UNCHANGED) throw bad(col, 'an unchanged (not sent) value has no literal');
  if (v instanceof JsonDiff) throw bad(col, 'a partial JSON update has no literal');
  throw bad(col, `no SQL Server literal for ${String(v)}`);
}

/** JSON_MODIFY chain: objects and arrays go in through JSON_QUERY so they stay JSON, not a quoted string. */
function jsonDiffExpr(column: string, d: JsonDiff): string {
  let expr = column;
  for (const st of d.steps) {
    const path = mssqlString(st.path);
    if (st.op === 'remove') {
      expr = `JSON_MODIFY(${expr}, ${path}, NULL)`;
      continue;
    }
    const text = (st.value ?? 'null').trim();
    let value: string;
    if (text.startsWith('{') || text.startsWith('[')) value = `JSON_QUERY(${mssqlString(text)})`;
    else if (text.startsWith('"')) value = mssqlString(JSON.parse(text) as string);
    else if (text === 'true' || text === 'false') value = `CAST(${text === 'true' ? 1 : 0} AS bit)`;
    else value = text; // number or null
    expr = `JSON_MODIFY(${expr}, ${st.op === 'insert' ? path : mssqlString(`strict ${st.path}`)}, ${value})`;
  }
  return expr;
}

export function mssqlParts(opts: { zeroDate: ZeroDateRule }): DialectParts {
  const onKey = (t: Parameters<DialectParts['upsert']>[1]) => t.key.map((i) => `d.${mssqlQuoteIdent(t.columns[i]!.name)} = s.${mssqlQuoteIdent(t.columns[i]!.name)}`).join(' AND ');
  return {
    quoteIdent: mssqlQuoteIdent,
    literal: (v, col) => mssqlLiteral(v, col, opts),
    jsonDiff: (column, d) => jsonDiffExpr(column, d),
    oneRow: (table, where, set) => (set === undefined ? `DELETE TOP (1) FROM ${table} WHERE ${where}` : `UPDATE TOP (1) ${table} SET ${set} WHERE ${where}`),
    // no INSERT ... ON CONFLICT: MERGE, with HOLDLOCK so two sessions cannot both insert
    upsert: (table, t, cols, values, set) =>
      `MERGE INTO ${table} WITH (HOLDLOCK) AS d USING (VALUES ${values}) AS s (${cols.join(', ')}) ON ${onKey(t)}` +
      (set.length ? ` WHEN MATCHED THEN UPDATE SET ${set.map((c) => `d.${c} = s.${c}`).join(', ')}` : '') +
      ` WHEN NOT MATCHED THEN INSERT (${cols.join(', ')}) VALUES (${cols.map((c) => `s.${c}`).join(', ')});`,
    insertUnlessExists: (table, t, cols, values) =>
      `MERGE INTO ${table} WITH (HOLDLOCK) AS d USING (VALUES ${values}) AS s (${cols.join(', ')}) ON ${onKey(t)}` +
      ` WHEN NOT MATCHED THEN INSERT (${cols.join(', ')}) VALUES (${cols.map((c) => `s.${c}`).join(', ')});`,
    // UPDATE ... FROM a VALUES list: one statement for many rows; @@ROWCOUNT = rows matched
    updateFromValues: (table, keys, set, rows) =>
      `UPDATE d SET ${(set.length ? set : [keys[0]!]).map((c) => `d.${c} = ${set.length ? 's' : 'd'}.${c}`).join(', ')} FROM ${table} AS d JOIN (VALUES ` +
      rows.map((r) => `(${r.join(', ')})`).join(', ') +
      `) AS s (${[...keys, ...set].join(', ')}) ON ${keys.map((k) => `d.${k} = s.${k}`).join(' AND ')}`,
  };
}

/** SQL Server caps INSERT ... VALUES at 1000 rows; a VALUES derived table has no such cap. */
const INSERT_VALUES_MAX = 1000;

/**
 * SqlWriter with the two statements SQL Server spells differently: no row-value IN for
 * composite keys (an OR of ANDs instead), and inserts of more than 1000 rows go through a
 * derived table.
 */
export class MssqlWriter extends SqlWriter {
  constructor(private readonly parts: DialectParts) {
    super(parts);
  }

  override insert(t: BoundTable, rows: readonly Row[]): string {
    const sql = super.insert(t, rows);
    // DEFAULT (an unsent value) is allowed in INSERT ... VALUES only
    if (rows.length <= INSERT_VALUES_MAX || rows.some((r) => r.includes(UNCHANGED))) return sql;
    const cols = t.columns.flatMap((c) => (c ? [this.parts.quoteIdent(c.name)] : [])).join(', ');
    const head = `INSERT INTO ${this.tableName(t)} (${cols}) VALUES `;
    return `INSERT INTO ${this.tableName(t)} (${cols}) SELECT * FROM (VALUES ${sql.slice(head.length)}) AS s (${cols})`;
  }

  override delete(t: BoundTable, befores: readonly Row[]): string {
    if (t.keyless || befores.length < 2 || t.key.length < 2) return super.delete(t, befores);
    const one = (r: Row) =>
      '(' +
      t.key
        .map((i) => {
          const v = r[i];
          if (v === undefined || v === UNCHANGED) throw new Error('a key column has no value in the row image');
          return `${this.parts.quoteIdent(t.columns[i]!.name)} = ${this.parts.literal(v, t.columns[i]!)}`;
        })
        .join(' AND ') +
      ')';
    return `DELETE FROM ${this.tableName(t)} WHERE ${befores.map(one).join(' OR ')}`;
  }
}

export function mssqlWriter(opts: { zeroDate: ZeroDateRule }): MssqlWriter {
  return new MssqlWriter(mssqlParts(opts));
}

export function mssqlSystemTables(schema: string): SystemTables {
  const s = mssqlQuoteIdent(schema);
  const trx = `${s}.[DMHS_TRXID_TABLE]`;
  const err = `${s}.[DMHS_ERROR_TSK_TABLE]`;
  const seq = `${s}.[DMHS_TABLE_SEQID]`;
  const str = (x: string) => mssqlString(x);
  return {
    schema,
    create: () => [
      `IF SCHEMA_ID(${str(schema)}) IS NULL EXEC(${str(`CREATE SCHEMA ${s}`)})`,
      `IF OBJECT_ID(${str(`${s}.[DMHS_TRXID_TABLE]`)}, 'U') IS NULL CREATE TABLE ${trx} (SITEID int NOT NULL, WORKER int NOT NULL, SEQ bigint NOT NULL,
        POS nvarchar(1024) NOT NULL, XID nvarchar(256) NOT NULL, COMMIT_TIME bigint NOT NULL, TRX_COUNT bigint NOT NULL,
        APPLIED_AT datetime2(6) NOT NULL DEFAULT SYSUTCDATETIME(), PRIMARY KEY (SITEID, WORKER))`,
      `IF OBJECT_ID(${str(`${s}.[DMHS_ERROR_TSK_TABLE]`)}, 'U') IS NULL CREATE TABLE ${err} (ID bigint IDENTITY PRIMARY KEY, SITEID int NOT NULL,
        POS nvarchar(1024) NOT NULL, XID nvarchar(256) NOT NULL, TABLE_NAME nvarchar(512) NOT NULL, OP nvarchar(16) NOT NULL,
        STMT nvarchar(max) NOT NULL, ERROR nvarchar(max) NOT NULL, ACTION nvarchar(16) NOT NULL, AT datetime2(6) NOT NULL DEFAULT SYSUTCDATETIME())`,
      `IF OBJECT_ID(${str(`${s}.[DMHS_TABLE_SEQID]`)}, 'U') IS NULL CREATE TABLE ${seq} (SCHEMA_NAME nvarchar(256) NOT NULL, TABLE_NAME nvarchar(256) NOT NULL,
        POS nvarchar(1024) NOT NULL, STATUS nvarchar(16) NOT NULL, CHUNKS_DONE nvarchar(max), UPDATED_AT datetime2(6) NOT NULL DEFAULT SYSUTCDATETIME(), PRIMARY KEY (SCHEMA_NAME, TABLE_NAME))`,
      // the gate row, added when absent: one MERGE WITH (HOLDLOCK) is atomic, so an exec and a copy creating it at once do not collide
      `MERGE INTO ${seq} WITH (HOLDLOCK) AS d USING (VALUES (${[SEQID_GATE.schema, SEQID_GATE.table, SEQID_GATE.pos, SEQID_GATE.status].map(str).join(', ')}))` +
        ` AS s (SCHEMA_NAME, TABLE_NAME, POS, STATUS) ON d.SCHEMA_NAME = s.SCHEMA_NAME AND d.TABLE_NAME = s.TABLE_NAME` +
        ` WHEN NOT MATCHED THEN INSERT (SCHEMA_NAME, TABLE_NAME, POS, STATUS) VALUES (s.SCHEMA_NAME, s.TABLE_NAME, s.POS, s.STATUS);`,
    ],
    readTableSeqids: () => `SELECT SCHEMA_NAME, TABLE_NAME, POS, STATUS FROM ${seq}`,
    // HOLDLOCK keeps the shared lock to the end of the transaction
    gateShared: () => `SELECT 1 FROM ${seq} WITH (HOLDLOCK, ROWLOCK) WHERE SCHEMA_NAME = ${str(SEQID_GATE.schema)} AND TABLE_NAME = ${str(SEQID_GATE.table)}`,
    read: (locked?: boolean) => `SELECT SITEID, WORKER, SEQ, POS, XID, COMMIT_TIME, TRX_COUNT FROM ${trx}${locked ? ' WITH (UPDLOCK, HOLDLOCK)' : ''}`,
    save: (rows: readonly TrxidRow[]) =>
      `MERGE INTO ${trx} WITH (HOLDLOCK) AS d USING (VALUES ` +
      rows.map((r) => `(${r.siteid}, ${r.worker}, ${r.seq}, ${str(r.position)}, ${str(r.xid)}, ${Math.trunc(r.commitTimeUs)}, ${r.trxCount})`).join(', ') +
      `) AS s (SITEID, WORKER, SEQ, POS, XID, COMMIT_TIME, TRX_COUNT) ON d.SITEID = s.SITEID AND d.WORKER = s.WORKER` +
      ` WHEN MATCHED THEN UPDATE SET SEQ = s.SEQ, POS = s.POS, XID = s.XID, COMMIT_TIME = s.COMMIT_TIME, TRX_COUNT = s.TRX_COUNT, APPLIED_AT = SYSUTCDATETIME()` +
      ` WHEN NOT MATCHED THEN INSERT (SITEID, WORKER, SEQ, POS, XID, COMMIT_TIME, TRX_COUNT) VALUES (s.SITEID, s.WORKER, s.SEQ, s.POS, s.XID, s.COMMIT_TIME, s.TRX_COUNT);`,
    recordError: (e: ErrorRecord) =>
      `INSERT INTO ${err} (SITEID, POS, XID, TABLE_NAME, OP, STMT, ERROR, ACTION) VALUES (${e.siteid}, ${str(e.position)}, ${str(e.xid)}, ` +
      `${str(e.table)}, ${str(e.op)}, ${str(e.statement)}, ${str(e.error)}, ${str(e.action)})`,
    listErrors: () => `SELECT ID, SITEID, POS, XID, TABLE_NAME, OP, STMT, ERROR, ACTION, AT FROM ${err} ORDER BY ID`,
    markReapplied: (id: number) => `UPDATE ${err} SET ACTION = N'reapplied' WHERE ID = ${id}`,
  };
}
