import { SynctlError } from '../../errors';
import type { ColumnDescriptor, Op, TableDescriptor, Transaction } from '../../model/change';
import { MariadbGtidPos, MysqlGtidSet } from '../../model/gtid';
import { binlogPosition, type BinlogPosition } from '../../model/position';
import { applyJsonDiff } from '../../model/json-diff';
import { JsonDiff } from '../../model/value';
import type { BinlogColumn } from './column';
import { isBegin, isCommit, isRollback, xaVerb, type BinlogEvent, type QueryEvent, type TableMapEvent } from './events';
import { ddlEffect, wholeTableDelete, type TableRef } from './ddl-tables';
import { jsonBinaryToText } from './values/json-binary';

const JSON_DIFF_OPS = ['replace', 'insert', 'remove'] as const;

function jsonText(v: Buffer | undefined, col: BinlogColumn): string {
  return v && v.length > 0 ? jsonBinaryToText(v, 0, v.length, col) : 'null';
}

/**
 * Turns the binlog event stream into committed transactions of the change model, in
 * commit order, each with the position just after its commit (file:pos plus the GTID
 * state there). Rolled-back work never comes out; XA transactions come out at XA COMMIT.
 */

export interface PositionedEvent {
  readonly event: BinlogEvent;
  /** binlog file the event is in */
  readonly file: string;
  /** file offset where the event starts (for errors) */
  readonly offset: number;
  /** file offset after the event */
  readonly nextPos: number;
}

export interface AssemblerOptions {
  /** siteid of this capture: every transaction's origin */
  readonly origin: number;
  /** replicate DDL statements (ddl_mask != '0') */
  readonly ddl: boolean;
  /** builds the model's table descriptor for a TABLE_MAP (names and keys from the dictionary when the binlog has none) */
  readonly describe: (map: TableMapEvent) => TableDescriptor;
  /** GTID state at the start (from a checkpoint); '' = take it from the file */
  readonly gtid?: string;
  /** skip rows of tables the send filter excludes, before building ops */
  readonly tableAllowed?: (schema: string, table: string) => boolean;
  /** told of every DDL statement (replicated or not) with the position just after it */
  readonly onDdl?: (schema: string, sql: string, after: BinlogPosition) => void;
  /** a transaction with more row operations than this is handed out in parts (default 10,000) */
  readonly maxOpsPerPart?: number;
}

interface OpenTx {
  ops: Op[];
  /** where the transaction's first event starts: resuming there replays all of it */
  start: BinlogPosition;
  /** XA transactions are held whole until XA COMMIT (they may still roll back) */
  xa: boolean;
  /** parts already handed out (a large transaction travels in parts) */
  parts: number;
}

const NONE: readonly Transaction[] = Object.freeze([]);

const DML_RE = /^\s*(insert|update|delete|replace|load\s+data)\b/i;
const IGNORED_IN_TX_RE = /^\s*(savepoint|rollback\s+to|release\s+savepoint)\b/i;

export class TransactionAssembler {
  private open: OpenTx | undefined;
  private pendingGtid: (() => void) | undefined;
  /** start of the transaction announced by a GTID event */
  private pendingStart: BinlogPosition | undefined;
  private pendingCommitUs: number | undefined;
  private readonly preparedXa = new Map<string, OpenTx>();
  private mysqlGtid: MysqlGtidSet | undefined;
  private mariaGtid: MariadbGtidPos | undefined;
  /** by table id: the server repeats a TABLE_MAP before every rows event, a new id after DDL */
  private readonly descriptors = new Map<number, { map: TableMapEvent; table: TableDescriptor }>();
  private readonly byName = new Map<string, TableDescriptor>();
  private last: BinlogPosition | undefined;
  private gtidTextCache: string | undefined;
  /** transactions completed by the event being handled */
  private readonly done: Transaction[] = [];

  constructor(private readonly opts: AssemblerOptions) {
    const g = opts.gtid ?? '';
    if (/^\d+-\d+-\d+/.test(g)) this.mariaGtid = MariadbGtidPos.parse(g);
    else if (g) this.mysqlGtid = MysqlGtidSet.parse(g);
  }

  /** Position after the last transaction handed out (undefined before the first). */
  get position(): BinlogPosition | undefined {
    return this.last;
  }

  /** Feeds one event; returns the transactions it completes (usually none or one). */
  push(pe: PositionedEvent): readonly Transaction[] {
    if (this.done.length !== 0) this.done.length = 0; // left by an event that threw
    this.handle(pe.event, pe, this.done);
    // most events complete nothing: no array per event for those
    return this.done.length === 0 ? NONE : this.done.splice(0);
  }

  /** the GTID state as text; kept until the state changes (asked for at each transaction's start and end) */
  private gtidText(): string {
    return (this.gtidTextCache ??= this.mariaGtid?.toString() ?? this.mysqlGtid?.toString() ?? '');
  }

  private handle(ev: BinlogEvent, pe: PositionedEvent, out: Transaction[]): void {
    switch (ev.kind) {
      case 'previousGtids':
        if (!this.mysqlGtid) {
          this.gtidTextCache = undefined;
          this.mysqlGtid = new MysqlGtidSet();
          for (const s of ev.sets) {
            const sid = s.tag ? `${s.uuid}:${s.tag}` : s.uuid;
            for (const iv of s.intervals) if (iv.end > iv.start) this.mysqlGtid.addRange(sid, iv.start, iv.end - 1n); // end is exclusive
          }
        }
        return;
      case 'mariaGtidList':
        if (!this.mariaGtid) {
          this.gtidTextCache = undefined;
          this.mariaGtid = new MariadbGtidPos();
          for (const g of ev.gtids) this.mariaGtid.apply(g.domainId, g.serverId, g.seqNo);
        }
        return;
      case 'gtid': {
        this.pendingStart = binlogPosition(pe.file, pe.offset, this.gtidText());
        const sid = ev.tag ? `${ev.uuid}:${ev.tag}` : ev.uuid;
        this.pendingGtid = () => (this.mysqlGtid ??= new MysqlGtidSet()).add(sid, ev.gno);
        if (ev.originalCommitTimestamp) this.pendingCommitUs = Number(ev.originalCommitTimestamp);
        return;
      }
      case 'anonymousGtid':
        this.pendingStart = binlogPosition(pe.file, pe.offset, this.gtidText());
        return;
      case 'mariaGtid':
        this.pendingStart = binlogPosition(pe.file, pe.offset, this.gtidText());
        this.pendingGtid = () => (this.mariaGtid ??= new MariadbGtidPos()).apply(ev.domainId, ev.serverId, ev.seqNo);
        if (!ev.standalone) this.begin(pe, ev.xa !== undefined);
        return;
      case 'query':
        this.query(ev, pe, out);
        return;
      case 'rows':
        this.rows(ev, pe, out);
        return;
      case 'partialUpdateRows': {
        // MySQL PARTIAL_JSON: diffed JSON columns carry their changes, applied on the target
        const rows = ev.rows.map((r) => {
          if (r.jsonDiffs.size === 0) return r;
          const after = [...r.after];
          for (const [col, diffs] of r.jsonDiffs) {
            const column = ev.table.columns[col]!;
            const diff = new JsonDiff(
              diffs.map((d) => {
                const op = JSON_DIFF_OPS[d.operation];
                return op === 'remove' ? { op, path: d.path } : { op, path: d.path, value: jsonText(d.value, column) };
              }),
            );
            // with a full before image the new document is known here; else the target applies the diff
            const old = r.before[col];
            after[col] = typeof old === 'string' ? applyJsonDiff(old, diff) : diff;
          }
          return { before: r.before, after };
        });
        this.rows({ ...ev, kind: 'rows', action: 'update', version: 2, compressed: false, rows }, pe, out);
        return;
      }
      case 'xid':
        this.commit(pe, String(ev.xid), out);
        return;
      case 'xaPrepare': {
        const tx = this.open ?? { ops: [], start: binlogPosition(pe.file, pe.offset, this.gtidText()), xa: true, parts: 0 };
        this.open = undefined;
        this.preparedXa.set(xaKey(ev.formatId, ev.gtrid, ev.bqual), tx);
        this.applyGtid(); // the PREPARE has its own GTID
        this.last = binlogPosition(pe.file, pe.nextPos, this.gtidText());
        return;
      }
      case 'transactionPayload':
        for (const inner of ev.events) this.handle(inner, pe, out);
        return;
      case 'incident':
        throw new SynctlError('WIRE_DECODE', `${pe.file}: INCIDENT event at offset ${pe.offset}: the source lost changes here (${describeIncident(ev)}); resynchronise the affected tables`);
      default:
        return;
    }
  }

  /** A descriptor for a table known only by name (no TABLE_MAP seen for it): the last one mapped, else bare. */
  private describeByName(schema: string, table: string): TableDescriptor {
    return this.byName.get(`${schema}\u0000${table}`) ?? { schema, table, columns: [] };
  }

  private begin(pe: PositionedEvent, xa = false): void {
    if (this.open) {
      if (xa) this.open.xa = true;
      return;
    }
    const start = this.pendingStart ?? binlogPosition(pe.file, pe.offset, this.gtidText());
    this.pendingStart = undefined;
    this.open = { ops: [], start, xa, parts: 0 };
  }

  private query(ev: QueryEvent, pe: PositionedEvent, out: Transaction[]): void {
    const s = ev.sql.trim();
    const schema = ev.schema;
    const xaWord = xaVerb(ev);
    if (isBegin(ev)) return this.begin(pe);
    if (xaWord === 'START') return this.begin(pe, true);
    if (isCommit(ev)) return this.commit(pe, '', out);
    if (isRollback(ev)) {
      // The server logs transactional changes only at commit, so rows before a logged
      // ROLLBACK belong to non-transactional tables and stayed changed on the source:
      // they are handed out like a commit (as a replica would apply them).
      if (this.open && (this.open.ops.length > 0 || this.open.parts > 0)) return this.commit(pe, '', out);
      this.open = undefined;
      this.pendingGtid = undefined;
      return;
    }
    if (xaWord === 'END') return;
    const xa = /^XA\s+(COMMIT|ROLLBACK)\s+(.+?)(\s+ONE\s+PHASE)?\s*$/i.exec(s);
    if (xa) {
      const key = xaKeyFromSql(xa[2]!);
      const held = key !== undefined ? this.preparedXa.get(key) : undefined;
      if (key !== undefined) this.preparedXa.delete(key);
      if (xa[1]!.toUpperCase() === 'COMMIT' && held) this.open = held;
      else this.open = undefined;
      if (xa[1]!.toUpperCase() === 'COMMIT' && held) this.commit(pe, `xa:${xa[2]}`, out);
      else this.finishWithoutData(pe);
      return;
    }
    if (this.open && IGNORED_IN_TX_RE.test(s)) return;
    // whole-table removals are data changes, whatever ddl_mask says
    const emptied = wholeTableDelete(s, schema) ?? truncated(s, schema);
    if (emptied) {
      if (this.opts.tableAllowed && !this.opts.tableAllowed(emptied.schema, emptied.table)) return this.finishWithoutData(pe);
      const inTx = this.open !== undefined; // inside BEGIN ... COMMIT it waits for the commit
      this.begin(pe);
      this.open!.ops.push({ kind: 'truncate', table: this.describeByName(emptied.schema, emptied.table) });
      if (!inTx) this.commit(pe, '', out);
      return;
    }
    if (DML_RE.test(s)) {
      throw new SynctlError(
        'WIRE_DECODE',
        `${pe.file}: statement-based DML at offset ${pe.offset} (${s.slice(0, 60)}): capture needs binlog_format=ROW on the source`,
      );
    }
    // DDL and other statements: a transaction of their own (MySQL/MariaDB commit DDL implicitly)
    this.opts.onDdl?.(schema, s, binlogPosition(pe.file, pe.nextPos));
    if (this.opts.ddl) {
      this.begin(pe);
      this.open!.ops.push({ kind: 'ddl', schema, sql: s });
      this.commit(pe, '', out);
    } else {
      this.open = undefined;
      this.finishWithoutData(pe);
    }
  }

  private rows(ev: Extract<BinlogEvent, { kind: 'rows' }>, pe: PositionedEvent, out: Transaction[]): void {
    const map = ev.table;
    if (this.opts.tableAllowed && !this.opts.tableAllowed(map.schema, map.table)) return;
    const known = this.descriptors.get(map.tableId);
    let table = known && (known.map === map || sameLayout(known.map, map)) ? known.table : undefined;
    if (!table) {
      this.descriptors.set(map.tableId, { map, table: (table = this.opts.describe(map)) });
      this.byName.set(`${map.schema}\u0000${map.table}`, table);
    }
    this.begin(pe);
    const open = this.open!;
    const ops = open.ops;
    for (const r of ev.rows) {
      if (ev.action === 'insert') ops.push({ kind: 'insert', table, after: r.after! });
      else if (ev.action === 'delete') ops.push({ kind: 'delete', table, before: r.before! });
      else ops.push({ kind: 'update', table, before: r.before!, after: r.after! });
    }
    this.pendingCommitUs ??= ev.header.timestamp * 1_000_000;
    // a large transaction goes on in parts, so memory stays bounded whatever its size;
    // XA is held whole: it may still roll back after its PREPARE
    if (!open.xa && ops.length >= (this.opts.maxOpsPerPart ?? 10_000)) {
      out.push({ origin: this.opts.origin, position: open.start, commitTimeUs: this.pendingCommitUs, xid: '', ops, continued: true });
      open.ops = [];
      open.parts++;
    }
  }

  private applyGtid(): void {
    if (this.pendingGtid === undefined) return;
    this.pendingGtid();
    this.pendingGtid = undefined;
    this.gtidTextCache = undefined;
  }

  /** A GTID-carrying statement that yields no data still moves the position. */
  private finishWithoutData(pe: PositionedEvent): void {
    this.applyGtid();
    this.pendingCommitUs = undefined;
    this.last = binlogPosition(pe.file, pe.nextPos, this.gtidText());
  }

  private commit(pe: PositionedEvent, xid: string, out: Transaction[]): void {
    const tx = this.open;
    this.open = undefined;
    this.applyGtid();
    this.last = binlogPosition(pe.file, pe.nextPos, this.gtidText());
    const commitTimeUs = this.pendingCommitUs ?? pe.event.header.timestamp * 1_000_000;
    this.pendingCommitUs = undefined;
    // the last part of a transaction already handed out in parts is sent even when empty: it commits them
    if (!tx || (tx.ops.length === 0 && tx.parts === 0)) return;
    out.push({ origin: this.opts.origin, position: this.last, commitTimeUs, xid, ops: tx.ops });
  }
}

function sameLayout(a: TableMapEvent, b: TableMapEvent): boolean {
  if (a.schema !== b.schema || a.table !== b.table || a.columns.length !== b.columns.length) return false;
  if (a.columns === b.columns) return true; // merged from the same dictionary version
  if (!a.rawMetadata.equals(b.rawMetadata) || !a.nullBitmap.equals(b.nullBitmap) || Buffer.compare(a.columnTypes, b.columnTypes) !== 0) return false;
  return a.columns.every((c, i) => {
    const d = b.columns[i]!;
    return c.name === d.name && c.unsigned === d.unsigned && c.charset === d.charset;
  });
}

/** TRUNCATE [TABLE] t as the table it empties. */
function truncated(sql: string, schema: string): TableRef | undefined {
  if (!/^\s*TRUNCATE\b/i.test(sql)) return undefined;
  return ddlEffect(sql, schema).changed[0];
}

function xaKey(formatId: number, gtrid: Buffer, bqual: Buffer): string {
  return `${formatId}:${gtrid.toString('hex')}:${bqual.toString('hex')}`;
}

/** XA COMMIT X'...',X'...',1 or 'gtrid','bqual',fmt as written in the binlog. */
function xaKeyFromSql(spec: string): string | undefined {
  const parts = spec.split(',').map((p) => p.trim());
  const bytes = (p: string | undefined): Buffer | undefined => {
    if (p === undefined || p === '') return Buffer.alloc(0);
    const hex = /^X'([0-9a-f]*)'$/i.exec(p);
    if (hex) return Buffer.from(hex[1]!, 'hex');
    const str = /^'((?:[^']|'')*)'$/.exec(p);
    return str ? Buffer.from(str[1]!.replace(/''/g, "'"), 'utf8') : undefined;
  };
  const g = bytes(parts[0]);
  const b = bytes(parts[1]);
  if (!g || !b) return undefined;
  return xaKey(parts[2] ? Number(parts[2]) : 1, g, b);
}

function describeIncident(ev: Extract<BinlogEvent, { kind: 'incident' }>): string {
  return ev.message ? `incident ${ev.incident}: ${ev.message}` : `incident ${ev.incident}`;
}

/** Source type text for a column the dictionary does not know, from its binlog type. */
export function binlogTypeName(c: BinlogColumn): string {
  const u = c.unsigned ? ' unsigned' : '';
  switch (c.type) {
    case 1: return `tinyint${u}`;
    case 2: return `smallint${u}`;
    case 9: return `mediumint${u}`;
    case 3: return `int${u}`;
    case 8: return `bigint${u}`;
    case 4: return 'float';
    case 5: return 'double';
    case 246: return `decimal(${c.meta >> 8},${c.meta & 0xff})`;
    case 13: return 'year';
    case 16: return `bit(${c.meta})`;
    case 10: case 14: return 'date';
    case 11: case 19: return c.meta ? `time(${c.meta})` : 'time';
    case 12: case 18: return c.meta ? `datetime(${c.meta})` : 'datetime';
    case 7: case 17: return c.meta ? `timestamp(${c.meta})` : 'timestamp';
    case 15: case 253: return c.charset && c.charset !== 'binary' ? 'varchar' : 'varbinary';
    case 254: return c.charset && c.charset !== 'binary' ? 'char' : 'binary';
    case 247: return 'enum';
    case 248: return 'set';
    case 245: return 'json';
    case 255: return 'geometry';
    case 242: return 'vector';
    case 249: case 250: case 251: case 252: case 140: case 141:
      return c.charset && c.charset !== 'binary' ? 'text' : 'blob';
    default: return `type${c.type}`;
  }
}

/** Descriptor straight from a TABLE_MAP (names from FULL row metadata, else col1..n). */
export function describeFromTableMap(map: TableMapEvent): TableDescriptor {
  const keys = new Set((map.primaryKey ?? []).map((k) => k.index));
  const columns: ColumnDescriptor[] = map.columns.map((c) => ({
    name: c.name || `@${c.index + 1}`,
    type: binlogTypeName(c),
    key: keys.has(c.index),
    nullable: c.nullable,
    ...(c.charset ? { charset: c.charset } : {}),
  }));
  return { schema: map.schema, table: map.table, columns };
}
