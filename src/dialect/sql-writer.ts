import type { Row } from '../model/change';
import { JsonDiff, UNCHANGED, valuesEqual, type Value } from '../model/value';
import type { BoundColumn, BoundTable } from './bound-table';

/**
 * What differs between engines when writing row changes as SQL text. Everything else
 * (which columns go in SET, how a row is addressed, multi-row VALUES and IN lists) is
 * the same everywhere and lives in SqlWriter.
 */
export interface DialectParts {
  quoteIdent(name: string): string;
  /** the literal for `v` stored into target column `col` (converting between engines' types) */
  literal(v: Value, col: BoundColumn): string;
  /** an expression applying a partial JSON update to the column's current value */
  jsonDiff(columnSql: string, d: JsonDiff, col: BoundColumn): string;
  /** UPDATE (set given) or DELETE of exactly one row matching `where` (tables without a key) */
  oneRow(table: string, where: string, set?: string): string;
  /**
   * A statement inserting one row (`columns`, `values` already SQL) that overwrites the
   * row with the same key instead (source wins); `set` lists the non-key columns.
   */
  upsert(table: string, t: BoundTable, columns: readonly string[], values: string, set: readonly string[]): string;
  /** A statement inserting one row unless its key exists (affected rows 0); undefined when the engine reports a duplicate as an error instead */
  insertUnlessExists(table: string, t: BoundTable, columns: readonly string[], values: string): string | undefined;
  /**
   * One UPDATE of many rows given as literal tuples (key columns first, then the set
   * columns). Undefined: the engine updates row by row.
   */
  updateFromValues?(table: string, keyColumns: readonly string[], setColumns: readonly string[], rows: readonly (readonly string[])[]): string;
  /** `literal` cast to the column's type, for the first row of a VALUES list (undefined: not needed) */
  cast?(literal: string, col: BoundColumn): string;
}

/**
 * Row-change statements as SQL text with literals inlined. Text (not bound parameters)
 * lets exec send many statements in one round trip, which is what makes apply fast; the
 * literals come from the dialect, which escapes them for a session it configured itself.
 */
export class SqlWriter {
  constructor(private readonly d: DialectParts) {}

  tableName(t: BoundTable): string {
    return `${this.d.quoteIdent(t.schema)}.${this.d.quoteIdent(t.table)}`;
  }

  /** One multi-row INSERT. Rows must come from the same table; UNCHANGED values become DEFAULT. */
  insert(t: BoundTable, rows: readonly Row[]): string {
    const idx = boundIndexes(t);
    const cols = idx.map((i) => this.d.quoteIdent(t.columns[i]!.name));
    return `INSERT INTO ${this.tableName(t)} (${cols.join(', ')}) VALUES ${rows.map((r) => this.tuple(idx, r, t)).join(', ')}`;
  }

  /** INSERT that replaces the row holding the same key (conflict strategy "source wins"). */
  upsert(t: BoundTable, after: Row): string {
    const idx = boundIndexes(t).filter((i) => after[i] !== UNCHANGED);
    const cols = idx.map((i) => this.d.quoteIdent(t.columns[i]!.name));
    const set = idx.filter((i) => !t.key.includes(i)).map((i) => this.d.quoteIdent(t.columns[i]!.name));
    return this.d.upsert(this.tableName(t), t, cols, this.tuple(idx, after, t), set);
  }

  /** INSERT that leaves an existing row with the same key alone (affected rows 0), where the engine can. */
  insertIgnoringDuplicate(t: BoundTable, after: Row): string | undefined {
    const idx = boundIndexes(t).filter((i) => after[i] !== UNCHANGED);
    const cols = idx.map((i) => this.d.quoteIdent(t.columns[i]!.name));
    return this.d.insertUnlessExists(this.tableName(t), t, cols, this.tuple(idx, after, t));
  }

  private tuple(idx: readonly number[], r: Row, t: BoundTable): string {
    // built in place: one per row of every multi-row INSERT (exec's hot path)
    let s = '(';
    for (let n = 0; n < idx.length; n++) {
      const i = idx[n]!;
      s += (n === 0 ? '' : ', ') + this.value(r[i]!, t.columns[i]!);
    }
    return s + ')';
  }

  /**
   * UPDATE of one row by its key. Only columns that changed are set (unchanged TOAST
   * values and equal before/after images are left alone); a row with no change sets its
   * first key column to itself, so the statement still reports whether the row exists.
   */
  update(t: BoundTable, before: Row, after: Row): string {
    const sets: string[] = [];
    t.columns.forEach((c, i) => {
      const v = after[i]!;
      if (c === undefined || v === UNCHANGED) return;
      const b = before[i];
      if (b !== undefined && b !== UNCHANGED && !(v instanceof JsonDiff) && valuesEqual(b, v)) return;
      const name = this.d.quoteIdent(c.name);
      sets.push(`${name} = ${v instanceof JsonDiff ? this.d.jsonDiff(name, v, c) : this.d.literal(v, c)}`);
    });
    if (sets.length === 0) {
      const k = this.d.quoteIdent(t.columns[t.key[0]!]!.name);
      sets.push(`${k} = ${k}`);
    }
    const where = this.where(t, before, after);
    if (t.keyless) return this.d.oneRow(this.tableName(t), where, sets.join(', '));
    return `UPDATE ${this.tableName(t)} SET ${sets.join(', ')} WHERE ${where}`;
  }

  /**
   * UPDATE of several rows that set the same columns (those the first after image
   * carries), each addressed by its before image's key: one statement where the engine
   * can, else one per row. Returns each statement with the rows it must affect.
   */
  updateMany(t: BoundTable, rows: readonly { before: Row; after: Row }[]): { sql: string; rows: number }[] {
    const d = this.d;
    if (!d.updateFromValues || rows.length < 2 || t.keyless) return rows.map((r) => ({ sql: this.update(t, r.before, r.after), rows: 1 }));
    const first = rows[0]!.after;
    const set = t.columns.flatMap((c, i) => (c && first[i] !== UNCHANGED && !t.key.includes(i) ? [i] : []));
    const cols = [...t.key, ...set];
    const literals = rows.map((r, n) =>
      cols.map((i, j) => {
        const v = j < t.key.length ? keyValue(r.before, i) : r.after[i]!;
        const lit = this.value(v, t.columns[i]!);
        return n === 0 && d.cast ? d.cast(lit, t.columns[i]!) : lit;
      }),
    );
    const names = (idx: readonly number[]) => idx.map((i) => d.quoteIdent(t.columns[i]!.name));
    return [{ sql: d.updateFromValues(this.tableName(t), names(t.key), names(set), literals), rows: rows.length }];
  }

  /** DELETE of rows by key, several at once (`k IN (...)`); tables without a key: one row. */
  delete(t: BoundTable, befores: readonly Row[]): string {
    if (t.keyless) {
      if (befores.length !== 1) throw new Error('delete without a key takes one row at a time');
      return this.d.oneRow(this.tableName(t), this.where(t, befores[0]!));
    }
    if (befores.length === 1) return `DELETE FROM ${this.tableName(t)} WHERE ${this.where(t, befores[0]!)}`;
    const cols = t.key.map((i) => this.d.quoteIdent(t.columns[i]!.name));
    const tuple = (r: Row) => t.key.map((i) => this.d.literal(keyValue(r, i), t.columns[i]!));
    if (cols.length === 1) return `DELETE FROM ${this.tableName(t)} WHERE ${cols[0]} IN (${befores.map((r) => tuple(r)[0]).join(', ')})`;
    return `DELETE FROM ${this.tableName(t)} WHERE (${cols.join(', ')}) IN (${befores.map((r) => `(${tuple(r).join(', ')})`).join(', ')})`;
  }

  truncate(t: BoundTable): string {
    return `TRUNCATE TABLE ${this.tableName(t)}`;
  }

  /** Key columns equal to the before image (NULLs matched with IS NULL on keyless tables). */
  private where(t: BoundTable, before: Row, after?: Row): string {
    const parts: string[] = [];
    for (const i of t.key) {
      let v: Value | undefined = before[i];
      // a before image without the key (should not happen) falls back to the after image
      if (v === undefined || v === UNCHANGED) v = after?.[i];
      if (v === undefined || v === UNCHANGED) continue;
      const name = this.d.quoteIdent(t.columns[i]!.name);
      parts.push(v === null ? `${name} IS NULL` : `${name} = ${this.d.literal(v, t.columns[i]!)}`);
    }
    if (parts.length === 0) throw new Error(`no key value to address a row of ${t.schema}.${t.table}`);
    return parts.join(' AND ');
  }

  private value(v: Value, c: BoundColumn): string {
    if (v === UNCHANGED) return 'DEFAULT';
    if (v instanceof JsonDiff) throw new Error(`an INSERT cannot carry a partial JSON update (column ${c.name})`);
    return this.d.literal(v, c);
  }
}

function boundIndexes(t: BoundTable): number[] {
  return t.columns.flatMap((c, i) => (c ? [i] : []));
}

function keyValue(r: Row, i: number): Value {
  const v = r[i];
  if (v === undefined || v === UNCHANGED) throw new Error('a key column has no value in the row image');
  return v;
}
