/**
 * A send's filter and map, compiled once and applied to every transaction.
 *
 * Tables (DMHS semantics):
 *   - enable is the whitelist (empty = '*.*'), disable the blacklist; disable wins.
 *   - A table no enable item matches is dropped. A table an unconditional disable item
 *     matches is dropped.
 * Rows, when items carry conditions:
 *   - a row passes when some enable item that matches its table accepts it (an item without
 *     a condition accepts every row, so '*.*' plus 'APP.T(X > 1)' keeps all of APP.T) and no
 *     disable item with a condition accepts it (TRUE only: a NULL comparison is UNKNOWN and
 *     neither enables nor disables).
 *   - insert tests its after image, delete its before image.
 *   - update tests both, so the target ends up holding exactly the rows that pass:
 *       before passes, after passes  -> UPDATE
 *       before fails,  after passes  -> INSERT of the after image (the row moved INTO the filter)
 *       before passes, after fails   -> DELETE of the before image (the row moved OUT)
 *       neither passes               -> dropped
 *     Columns UNCHANGED in the after image are read from the before image (and the INSERT
 *     carries that merged image). When a needed column is UNCHANGED in both, the update is
 *     kept as it is and a warning is logged once per table.
 *   - truncate and ddl follow the table-level decision; a ddl with no table is kept.
 * Map (after filtering; conditions use the source's column names):
 *   - the first map item whose SRC matches the table wins, so list specific items before
 *     wildcards ('APP.T == X.T' before 'APP.* == BAK.*'); a table no item matches keeps its name.
 *   - column renames/drops change the descriptor and every row image of the op.
 *   - toggleCase (exec's toggle_case: 0 keep, 1 lower, 2 upper) applies to every outgoing
 *     schema, table and column name except parts written in double quotes in a map item.
 *   - a ddl op's `table` is renamed and its `schema` follows the table's; in its SQL text
 *     the schema-qualified table names the map renames are rewritten (renameDdlTables),
 *     unqualified ones are not (exec runs the statement in the mapped default schema).
 * Names:
 *   - case-sensitive unless caseInsensitive (exec's case_sensitive=0); quoted parts are exact.
 *   - 3-part items (DB.SCH.TAB) need opts.database, the source database (PostgreSQL or SQL
 *     Server capture); they match only when DB matches it. MySQL has no third level (its
 *     schema is the database): there, and on relays, 3-part items with a named DB are refused.
 *
 * Hot path: each op costs one WeakMap lookup on its TableDescriptor object, then the row
 * conditions as pre-bound closures. Per-table work (matching items, binding columns,
 * building the renamed descriptor) happens once per descriptor. A row condition naming a
 * column the table lacks is a CONFIG_INVALID error, thrown by apply() when that table first
 * appears, since columns are only known at run time.
 */

import { configError } from '../errors';
import { logger, type Logger } from '../log';
import type { ColumnDescriptor, Op, Row, TableDescriptor, Transaction } from '../model/change';
import { UNCHANGED, type Value } from '../model/value';
import type { FilterConfig } from '../config/types';
import { parseFilterItem, parseMapItem, type FilterItem, type MapItem } from './items';
import { partMatches, toggle, type NamePart, type ObjectName, type ToggleCase } from './object-name';
import { BindProblem, bindCondition, columnIndexer, Tri, type Predicate } from './predicate';

export interface SendFilterOptions {
  /** exec's case_sensitive=0: unquoted names match ignoring case */
  readonly caseInsensitive?: boolean;
  /** exec's toggle_case: 0 keep, 1 lower, 2 upper (outgoing names) */
  readonly toggleCase?: ToggleCase;
  /** config path of the send element, for error messages (default 'send'), e.g. 'dmhs/cpt/send' */
  readonly itemPath?: string;
  /** source database name, for 3-part items (PostgreSQL/SQL Server capture) */
  readonly database?: string;
  /** where the once-per-table warnings go (default: logger 'filter') */
  readonly log?: Logger;
  /**
   * The source engine's rewrite of a DDL statement's qualified table names through the
   * map (capture passes its dialect's); without it the SQL text goes as it is.
   */
  readonly renameDdlTables?: (sql: string, rename: (schema: string, table: string) => { schema: string; table: string } | undefined) => string;
}

export interface SendFilter {
  /** The filtered, mapped transaction; undefined when no op is left. Origin, position,
   *  commit time and xid are kept, and so is op order. Unchanged input is returned as is. */
  apply(tx: Transaction): Transaction | undefined;
  /** Table-level decision (source names), for capture to skip decoding excluded tables. */
  tableAllowed(schema: string, table: string): boolean;
}

interface Located<T> {
  readonly item: T;
  /** config path of the item, e.g. 'dmhs/cpt/send/filter/enable/item[2]' */
  readonly path: string;
}

/** What to do with ops on one table (descriptor). */
interface TablePlan {
  readonly drop: boolean;
  /** undefined = every row passes */
  readonly pass: ((row: Row, fill: Row | undefined) => Tri) | undefined;
  /** descriptor the ops leave with (the input object when nothing is renamed) */
  readonly out: TableDescriptor;
  /** source column index per output column; undefined = same columns */
  readonly project: readonly number[] | undefined;
  /** nothing changes for this table: ops pass through untouched */
  readonly identity: boolean;
  readonly key: string;
}

function itemPaths<T>(base: string, list: string, items: readonly T[]): Located<T>[] {
  return items.map((item, i) => ({ item, path: `${base}/${list}/${items.length > 1 ? `item[${i + 1}]` : 'item'}` }));
}

export function compileSendFilter(filter: FilterConfig, map: readonly string[], opts: SendFilterOptions = {}): SendFilter {
  const ci = opts.caseInsensitive === true;
  const toggleCase: ToggleCase = opts.toggleCase ?? 0;
  const base = opts.itemPath ?? 'send';
  const log = opts.log ?? logger('filter');
  const database = opts.database;

  const check3 = (name: ObjectName, path: string, text: string): void => {
    if (name.db !== undefined && !name.db.wild && database === undefined) {
      throw configError(path, `'${text}': a 3-part name needs a source with databases (PostgreSQL/SQL Server capture); write SCH.TAB`);
    }
  };
  const parseFilters = (list: string, texts: readonly string[]): Located<FilterItem>[] =>
    itemPaths(base, list, texts).map(({ item, path }) => {
      const r = parseFilterItem(item);
      if (typeof r === 'string') throw configError(path, r);
      check3(r.name, path, item);
      return { item: r, path };
    });
  const enable = parseFilters('filter/enable', filter.enable.length === 0 ? ['*.*'] : filter.enable);
  const disable = parseFilters('filter/disable', filter.disable);
  const maps = itemPaths(base, 'map', map).map(({ item, path }) => {
    const r = parseMapItem(item);
    if (typeof r === 'string') throw configError(path, r);
    check3(r.src, path, item);
    return { item: r, path };
  });

  const dbUpper = database?.toUpperCase() ?? '';
  const nameMatches = (n: ObjectName, schema: string, table: string, su: string, tu: string): boolean =>
    (n.db === undefined || database === undefined || partMatches(n.db, database, dbUpper, ci)) &&
    partMatches(n.schema, schema, su, ci) &&
    partMatches(n.table, table, tu, ci);

  /** '*.*' and nothing else that could change an op: apply() passes transactions through */
  const trivial =
    disable.length === 0 &&
    maps.length === 0 &&
    toggleCase === 0 &&
    enable.every((e) => e.item.condition === undefined) &&
    enable.some((e) => e.item.name.schema.wild && e.item.name.table.wild && (e.item.name.db === undefined || e.item.name.db.wild));

  interface TableLevel {
    readonly allowed: boolean;
    /** an enable item without a condition matched: every row is enabled */
    readonly unconditional: boolean;
    /** enable items with a condition that match the table */
    readonly enable: readonly Located<FilterItem>[];
    readonly disable: readonly Located<FilterItem>[];
  }
  /** the items that concern this table */
  const tableLevel = (schema: string, table: string): TableLevel => {
    const su = schema.toUpperCase();
    const tu = table.toUpperCase();
    const en = enable.filter((e) => nameMatches(e.item.name, schema, table, su, tu));
    const dis = disable.filter((e) => nameMatches(e.item.name, schema, table, su, tu));
    const allowed = en.length > 0 && !dis.some((d) => d.item.condition === undefined);
    const unconditional = en.some((e) => e.item.condition === undefined);
    return { allowed, unconditional, enable: en.filter((e) => e.item.condition !== undefined), disable: dis };
  };

  // by schema, then table: asked for every TABLE_MAP and rows event, where building a
  // joined key string per call was 4% of live capture's CPU (bench/apply --lag-profile)
  const allowedCache = new Map<string, Map<string, boolean>>();
  const tableAllowed = (schema: string, table: string): boolean => {
    if (trivial) return true;
    let tables = allowedCache.get(schema);
    if (tables === undefined) allowedCache.set(schema, (tables = new Map()));
    let v = tables.get(table);
    if (v === undefined) {
      v = tableLevel(schema, table).allowed;
      tables.set(table, v);
    }
    return v;
  };

  const bindAll = (items: readonly Located<FilterItem>[], t: TableDescriptor): Predicate[] =>
    items.map(({ item, path }) => {
      try {
        return bindCondition(item.condition!, t, columnIndexer(t, ci));
      } catch (e) {
        if (e instanceof BindProblem) throw configError(path, `${item.text}: ${e.message}`);
        throw e;
      }
    });

  const outName = (dst: NamePart | undefined, srcName: string): string => {
    if (dst === undefined || dst.wild) return toggle(srcName, toggleCase);
    return dst.quoted ? dst.text : toggle(dst.text, toggleCase);
  };

  const buildPlan = (t: TableDescriptor): TablePlan => {
    const key = `${t.schema}.${t.table}`;
    const level = tableLevel(t.schema, t.table);
    if (!level.allowed) return { drop: true, pass: undefined, out: t, project: undefined, identity: false, key };

    let pass: TablePlan['pass'];
    // bind every matching condition, even one an unconditional item makes moot, so a
    // wrong column name is reported whatever the other items say
    const enBound = bindAll(level.enable, t);
    const dis = bindAll(level.disable, t);
    const en = level.unconditional ? [] : enBound;
    if (en.length > 0 || dis.length > 0) {
      pass = (row, fill) => {
        let e: Tri = en.length === 0 ? Tri.TRUE : Tri.FALSE;
        for (const p of en) {
          const r = p(row, fill);
          if (r === Tri.TRUE) {
            e = r;
            break;
          }
          if (r === Tri.UNEVALUABLE) e = r;
        }
        if (e === Tri.FALSE) return Tri.FALSE;
        let d: Tri = Tri.FALSE;
        for (const p of dis) {
          const r = p(row, fill);
          if (r === Tri.TRUE) return Tri.FALSE;
          if (r === Tri.UNEVALUABLE) d = r;
        }
        return e === Tri.UNEVALUABLE || d === Tri.UNEVALUABLE ? Tri.UNEVALUABLE : Tri.TRUE;
      };
    }

    const su = t.schema.toUpperCase();
    const tu = t.table.toUpperCase();
    const m = maps.find((x) => nameMatches(x.item.src, t.schema, t.table, su, tu));
    const { out, project } = m === undefined ? renamed(t, undefined, '') : renamed(t, m.item, m.path);
    return { drop: false, pass, out, project, identity: pass === undefined && out === t && project === undefined, key };
  };

  /** the descriptor under its new names; the input object when nothing changes */
  const renamed = (t: TableDescriptor, item: MapItem | undefined, path: string): { out: TableDescriptor; project: number[] | undefined } => {
    const schema = outName(item?.dst.schema, t.schema);
    const table = outName(item?.dst.table, t.table);
    const index = columnIndexer(t, ci);
    const newNames: (string | undefined)[] = t.columns.map((c) => toggle(c.name, toggleCase));
    const fail = (rule: string): never => {
      throw configError(path, `${item!.text}: ${rule}`);
    };
    for (const cm of item?.columns ?? []) {
      const i = index({ name: cm.from.text, quoted: cm.from.quoted });
      if (i < 0) {
        if (item!.src.schema.wild || item!.src.table.wild) continue;
        fail(`table ${t.schema}.${t.table} has no column ${cm.from.text}`);
      }
      const col = t.columns[i]!;
      if (cm.to === undefined) {
        if (col.key) fail(`column ${col.name} of ${t.schema}.${t.table} is a key column and cannot be dropped (exec addresses rows by it)`);
        newNames[i] = undefined;
      } else newNames[i] = cm.to.quoted ? cm.to.text : toggle(cm.to.text, toggleCase);
    }
    const kept = newNames.filter((n): n is string => n !== undefined);
    if (item !== undefined) {
      // a DDL op's descriptor has no columns: nothing to drop
      if (kept.length === 0 && t.columns.length > 0) fail(`every column of ${t.schema}.${t.table} would be dropped`);
      const seen = new Set<string>();
      for (const n of kept) {
        const k = ci ? n.toUpperCase() : n;
        if (seen.has(k)) fail(`two columns of ${t.schema}.${t.table} would both be named ${n}`);
        seen.add(k);
      }
    }
    const project = kept.length === t.columns.length ? undefined : newNames.flatMap((n, i) => (n === undefined ? [] : [i]));
    const sameCols = project === undefined && newNames.every((n, i) => n === t.columns[i]!.name);
    if (schema === t.schema && table === t.table && sameCols) return { out: t, project: undefined };
    const columns: readonly ColumnDescriptor[] = sameCols
      ? t.columns
      : newNames.flatMap((n, i) => (n === undefined ? [] : [n === t.columns[i]!.name ? t.columns[i]! : { ...t.columns[i]!, name: n }]));
    return { out: Object.freeze({ schema, table, columns: sameCols ? columns : Object.freeze(columns) }), project };
  };

  const plans = new WeakMap<TableDescriptor, TablePlan>();
  const planFor = (t: TableDescriptor): TablePlan => {
    let p = plans.get(t);
    if (p === undefined) {
      p = buildPlan(t);
      plans.set(t, p);
    }
    return p;
  };

  const warned = new Set<string>();
  const unevaluable = (plan: TablePlan): void => {
    if (warned.has(plan.key)) return;
    warned.add(plan.key);
    log.warn(
      `row filter on ${plan.key} could not be evaluated: a column it reads was not sent (UNCHANGED in both images); such updates are kept as they are`,
    );
  };

  const proj = (row: Row, project: readonly number[] | undefined): Row => (project === undefined ? row : project.map((i) => row[i]!));

  /** the after image with UNCHANGED columns read from the before image */
  const merged = (before: Row, after: Row): Row => {
    if (!after.includes(UNCHANGED)) return after;
    return after.map((v: Value, i) => (v === UNCHANGED ? (before[i] ?? UNCHANGED) : v));
  };

  /** where the map sends a table named in DDL text (undefined: nowhere else) */
  const mappedName = (schema: string, table: string): { schema: string; table: string } | undefined => {
    // by name only, as renamed() names a table (its columns are not known here)
    const m = maps.find((x) => nameMatches(x.item.src, schema, table, schema.toUpperCase(), table.toUpperCase()));
    const to = { schema: outName(m?.item.dst.schema, schema), table: outName(m?.item.dst.table, table) };
    return to.schema === schema && to.table === table ? undefined : to;
  };

  /** the op after filter and map; undefined when dropped */
  const applyOp = (op: Op): Op | undefined => {
    const t = op.table;
    if (t === undefined) return op; // ddl with no table
    const plan = planFor(t);
    if (plan.drop) return undefined;
    if (plan.identity) return op;
    const { out, project, pass } = plan;
    switch (op.kind) {
      case 'insert': {
        const r = pass === undefined ? Tri.TRUE : pass(op.after, undefined);
        if (r === Tri.FALSE) return undefined;
        if (r === Tri.UNEVALUABLE) unevaluable(plan);
        return out === t && project === undefined ? op : { kind: 'insert', table: out, after: proj(op.after, project) };
      }
      case 'delete': {
        const r = pass === undefined ? Tri.TRUE : pass(op.before, undefined);
        if (r === Tri.FALSE) return undefined;
        if (r === Tri.UNEVALUABLE) unevaluable(plan);
        return out === t && project === undefined ? op : { kind: 'delete', table: out, before: proj(op.before, project) };
      }
      case 'update': {
        let b: Tri = Tri.TRUE;
        let a: Tri = Tri.TRUE;
        if (pass !== undefined) {
          b = pass(op.before, undefined);
          a = pass(op.after, op.before);
          if (b === Tri.UNEVALUABLE || a === Tri.UNEVALUABLE) {
            unevaluable(plan);
            b = a = Tri.TRUE;
          }
        }
        if (b === Tri.TRUE && a === Tri.TRUE) {
          return out === t && project === undefined
            ? op
            : { kind: 'update', table: out, before: proj(op.before, project), after: proj(op.after, project) };
        }
        if (a === Tri.TRUE) return { kind: 'insert', table: out, after: proj(merged(op.before, op.after), project) };
        if (b === Tri.TRUE) return { kind: 'delete', table: out, before: proj(op.before, project) };
        return undefined;
      }
      case 'truncate':
        return out === t ? op : { kind: 'truncate', table: out };
      case 'ddl': {
        const sql = opts.renameDdlTables ? opts.renameDdlTables(op.sql, mappedName) : op.sql;
        if (out === t && sql === op.sql) return op;
        return { ...op, sql, schema: op.schema === t.schema ? out.schema : op.schema, table: out };
      }
    }
  };

  const apply = (tx: Transaction): Transaction | undefined => {
    if (tx.ops.length === 0) return undefined;
    if (trivial) return tx;
    let ops: Op[] | undefined;
    for (let i = 0; i < tx.ops.length; i++) {
      const op = tx.ops[i]!;
      const r = applyOp(op);
      if (ops === undefined) {
        if (r === op) continue;
        ops = tx.ops.slice(0, i);
      }
      if (r !== undefined) ops.push(r);
    }
    if (ops === undefined) return tx;
    if (ops.length === 0) return undefined;
    return { ...tx, ops };
  };

  return { apply, tableAllowed };
}
