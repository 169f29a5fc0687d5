import { tableKey, type BoundTable } from '../dialect/bound-table';
import type { SqlWriter } from '../dialect/sql-writer';
import type { Op, Row } from '../model/change';
import { JsonDiff, UNCHANGED, type Value } from '../model/value';

/**
 * A group's row changes reduced to their net effect per row key, then written as a few
 * statements per table: one DELETE ... IN, multi-row UPDATEs, multi-row INSERTs. A busy
 * OLTP source interleaves kinds in every transaction (sysbench: update, update, delete,
 * insert), so statement-per-change apply costs the target one statement per row; the net
 * form costs it a few per table per group (bench/apply measured 2-3x).
 *
 * Order inside one target transaction: every table's deletes first, then table by table
 * its updates and then its inserts. Tables whose foreign keys on the target reference
 * other tables of the group (children) have their deletes written before their parents'
 * and their updates and inserts after them; otherwise tables keep the order they first
 * appear in. Rows of different tables
 * may thus apply in another order than the source's, which only foreign keys can tell;
 * one the order does not satisfy (a cycle, a parent deleted after its children moved
 * away) fails the group, which then goes change by change in source order. Whatever the
 * reduction cannot express exactly (a key that changes, a partial
 * JSON update, a row image with unsent columns where a whole row is needed, an
 * impossible history) makes planNet return undefined, and the group is applied change by
 * change instead.
 */

export interface SqlStatement {
  readonly sql: string;
  /** rows the statement must report affected (undefined: not checked) */
  readonly expect?: number;
}

/** Rows inserted through the target's bulk path (ApplyTarget.bulkInsert): all must land. */
export interface BulkInsert {
  readonly bulk: BoundTable;
  readonly rows: readonly Row[];
}

export type NetStatement = SqlStatement | BulkInsert;

interface RowState {
  /** the row's key values before the group (for DELETE/UPDATE) */
  readonly keyRow: Row;
  /** did the row exist before the group (its first change was an update or delete) */
  readonly existed: boolean;
  /** it was deleted at some point and inserted again */
  replaced: boolean;
  /** present after the group, with this image (UNCHANGED = keep the target's value) */
  after: Row | undefined;
}

interface TablePlan {
  readonly table: BoundTable;
  readonly rows: Map<RowKey, RowState>;
}

const NOT_NET = undefined;

/**
 * A row's key inside its table's map or set: a one-column number, bigint or string key as
 * the value itself (no string to build and hash per change), else keyValuesText. Values
 * of one key column have one JS type for one value, so a row always gets the same RowKey;
 * kinds never equal each other, so two rows can only share one by having the same key.
 */
export type RowKey = string | number | bigint;

export function rowKeyOf(key: readonly number[], row: Row): RowKey | undefined {
  if (key.length === 1) {
    const v = row[key[0]!];
    if (typeof v === 'number' || typeof v === 'bigint') return v;
    // prefixed: never equal to the keyValuesText of another value type
    if (typeof v === 'string') return '\u0002' + v;
  }
  return keyValuesText(key, row);
}

function keyText(t: BoundTable, r: Row): RowKey | undefined {
  return rowKeyOf(t.key, r);
}

/** The values of a row's key columns as one string, or undefined when one was not sent. */
function keyValuesText(key: readonly number[], r: Row): string | undefined {
  let s = '';
  for (const i of key) {
    const v = r[i];
    if (v === undefined || v === UNCHANGED || v instanceof JsonDiff) return undefined;
    s += valueText(v) + '\u0000';
  }
  return s;
}

function valueText(v: Value): string {
  if (v === null) return '\u0001null';
  if (Buffer.isBuffer(v)) return 'b' + v.toString('hex');
  if (typeof v === 'object') return 'o' + String(v);
  return typeof v + String(v);
}

function sameKey(t: BoundTable, a: Row, b: Row): boolean {
  return keyText(t, a) === keyText(t, b);
}

/** Which columns an update sets ('' when all of them: the usual full row image, no string built). */
function setSignature(t: BoundTable, after: Row): string {
  let all = true;
  for (let i = 0; i < after.length; i++) {
    if (after[i] === UNCHANGED || t.columns[i] === undefined) {
      all = false;
      break;
    }
  }
  return all ? '' : after.map((v, i) => (v === UNCHANGED || t.columns[i] === undefined ? '-' : '+')).join('');
}

function complete(r: Row): boolean {
  return !r.some((v) => v === UNCHANGED || v instanceof JsonDiff);
}

/** `next` over `prev`: columns the source did not send keep their earlier value. */
function overlay(prev: Row | undefined, next: Row): Row {
  if (!prev || !next.includes(UNCHANGED)) return next;
  return next.map((v, i) => (v === UNCHANGED ? prev[i]! : v));
}

/**
 * The net statements for a group, or undefined when it must be applied change by change.
 * `bind` gives the binding of an op's table (already bound for every op of the group).
 */
export function planNet(
  ops: Iterable<Op>,
  bind: (op: Exclude<Op, { kind: 'ddl' | 'truncate' }>) => BoundTable,
  w: SqlWriter,
  opts: {
    execRows: number;
    affectRow: boolean;
    /** a table's inserts go by the bulk path from this many rows (undefined: the target has none) */
    bulkMin?: number;
  },
): NetStatement[] | undefined {
  const tables = new Map<BoundTable, TablePlan>();
  for (const op of ops) {
    if (op.kind === 'ddl' || op.kind === 'truncate') return NOT_NET;
    const t = bind(op);
    if (t.keyless) return NOT_NET; // rows without a key cannot be told apart
    let plan = tables.get(t);
    if (!plan) tables.set(t, (plan = { table: t, rows: new Map() }));
    const row = op.kind === 'insert' ? op.after : op.before;
    const key = keyText(t, row);
    if (key === undefined) return NOT_NET;
    const st = plan.rows.get(key);
    switch (op.kind) {
      case 'insert':
        if (!complete(op.after)) return NOT_NET;
        if (st === undefined) plan.rows.set(key, { keyRow: op.after, existed: false, replaced: false, after: op.after });
        else if (st.after !== undefined) return NOT_NET; // an insert over a present row: not a valid history
        else {
          st.after = op.after;
          if (st.existed) st.replaced = true;
        }
        break;
      case 'update':
        if (!sameKey(t, op.before, op.after) && op.after.some((v, i) => t.key.includes(i) && v !== UNCHANGED)) return NOT_NET; // key change
        if (op.after.some((v) => v instanceof JsonDiff)) return NOT_NET;
        if (st === undefined) plan.rows.set(key, { keyRow: op.before, existed: true, replaced: false, after: op.after });
        else if (st.after === undefined) return NOT_NET; // update of a row deleted earlier in the group
        else st.after = overlay(st.after, op.after);
        break;
      case 'delete':
        if (st === undefined) plan.rows.set(key, { keyRow: op.before, existed: true, replaced: false, after: undefined });
        else {
          if (st.after === undefined) return NOT_NET; // deleted twice
          st.after = undefined;
          st.replaced = false;
          if (!st.existed) plan.rows.delete(key); // inserted and deleted inside the group: nothing
        }
        break;
    }
  }
  const deletesOut: NetStatement[] = [];
  const rest: NetStatement[] = [];
  const ordered = parentsFirst([...tables.values()]);
  for (const { table: t, rows } of ordered) {
    const deletes: Row[] = [];
    const updates: { before: Row; after: Row }[] = [];
    const inserts: Row[] = [];
    for (const st of rows.values()) {
      if (st.after === undefined) {
        if (st.existed) deletes.push(st.keyRow);
      } else if (!st.existed) inserts.push(st.after);
      else if (st.replaced) {
        deletes.push(st.keyRow);
        inserts.push(st.after);
      } else updates.push({ before: st.keyRow, after: st.after });
    }
    if (inserts.some((r) => !complete(r))) return NOT_NET;
    const tableDeletes: NetStatement[] = [];
    for (let i = 0; i < deletes.length; i += opts.execRows) {
      const part = deletes.slice(i, i + opts.execRows);
      tableDeletes.push({ sql: w.delete(t, part), ...(opts.affectRow ? { expect: part.length } : {}) });
    }
    // children's deletes before their parents'
    deletesOut.unshift(...tableDeletes);
    // rows that set the same columns go in one statement
    const bySet = new Map<string, { before: Row; after: Row }[]>();
    for (const u of updates) {
      const sig = setSignature(t, u.after);
      let list = bySet.get(sig);
      if (!list) bySet.set(sig, (list = []));
      list.push(u);
    }
    for (const list of bySet.values()) {
      for (let i = 0; i < list.length; i += opts.execRows) {
        const part = list.slice(i, i + opts.execRows);
        for (const sql of w.updateMany(t, part)) rest.push({ sql: sql.sql, ...(opts.affectRow ? { expect: sql.rows } : {}) });
      }
    }
    if (opts.bulkMin !== undefined && inserts.length >= opts.bulkMin) {
      rest.push({ bulk: t, rows: inserts });
      continue;
    }
    for (let i = 0; i < inserts.length; i += opts.execRows) {
      const part = inserts.slice(i, i + opts.execRows);
      rest.push({ sql: w.insert(t, part), expect: part.length });
    }
  }
  return [...deletesOut, ...rest];
}

/**
 * The group's tables with every table after the tables it references (its parents in
 * the group), else in first-appearance order; a cycle keeps first-appearance order.
 */
function parentsFirst(plans: readonly TablePlan[]): TablePlan[] {
  if (!plans.some((p) => p.table.parents?.length)) return [...plans];
  const byKey = new Map(plans.map((p) => [tableKey(p.table.schema, p.table.table), p]));
  const out: TablePlan[] = [];
  const placed = new Set<TablePlan>();
  const visiting = new Set<TablePlan>();
  const place = (p: TablePlan) => {
    if (placed.has(p) || visiting.has(p)) return;
    visiting.add(p);
    for (const parent of p.table.parents ?? []) {
      const q = byKey.get(parent);
      if (q) place(q);
    }
    visiting.delete(p);
    placed.add(p);
    out.push(p);
  };
  for (const p of plans) place(p);
  return out;
}

