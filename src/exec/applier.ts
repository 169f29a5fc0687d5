import type { BoundTable } from '../dialect/bound-table';
import { SynctlError } from '../errors';
import type { Logger } from '../log';
import type { Op, Row, TableDescriptor, Transaction } from '../model/change';
import { comparePositions, formatPosition, parsePosition, type Position } from '../model/position';
import { JsonDiff, UNCHANGED } from '../model/value';
import type { ResumeMap } from '../net/link';
import type { Frame } from '../wire/frame';
import { decodeDataFrame } from '../wire/batch';
import { tablesEmptiedBy } from '../dialect/mysql/mysql-ddl-parse';
import type { TableBinder } from './binder';
import { planNet, rowKeyOf, type NetStatement, type RowKey, type SqlStatement } from './net-change';
import { TableSeqids } from './table-seqid';
import { parseTrxidRows } from './system-rows';
import { createSystemTables, type ApplyTarget, type ErrorRecord, type TrxidRow } from './target';

export interface ApplierOptions {
  /** source operations grouped into one target transaction (whole source transactions only) */
  readonly execTrx: number;
  /** rows per multi-row INSERT / DELETE ... IN */
  readonly execRows: number;
  /** 0 discard the failed transaction, 1 stop, 2 skip the failed operation */
  readonly execPolicy: 0 | 1 | 2;
  /** an UPDATE or DELETE that hits no row is a conflict */
  readonly affectRow: boolean;
  /** go on after a DDL statement that cannot be applied (recorded) instead of stopping */
  readonly ddlContinue: boolean;
  /** keep a copy of a table before a DROP or TRUNCATE empties it */
  readonly softOp?: boolean;
  /** row of DMHS_TRXID_TABLE this applier owns, per origin */
  readonly worker?: number;
  /** this exec's siteid: one exec per site and worker may write to a target (a session lock says so) */
  readonly site: number;
  /** seconds to wait for the target's exec lock at start (default 60) */
  readonly lockWaitSec?: number;
  /** bytes of SQL per round trip (default 1 MiB) */
  readonly tripBytes?: number;
  readonly log: Logger;
  /** counters to add to (kept across reconnects); a fresh set when absent */
  readonly stats?: ApplyStats;
}

export interface ApplyStats {
  transactions: number;
  rows: number;
  conflicts: number;
  errors: number;
  /** source commit time of the last applied transaction, µs */
  lastCommitUs: number;
  lastPosition: string;
}

interface Unit {
  readonly tx: Transaction;
  readonly origin: number;
  /**
   * The frame sequence that is wholly applied once this transaction is: its frame's own
   * when it is the last one taken from that frame, else the one before.
   */
  doneSeq: bigint;
}

/** A failure that ends a source transaction (exec_policy 0 or 1), with what the error table gets. */
interface Failure {
  readonly record: ErrorRecord;
  readonly stop: boolean;
  readonly op: Op;
  readonly error: unknown;
}

/**
 * A large source transaction that capture sends in parts (`continued`; 10,000 row
 * changes each). It is applied part by part in one target transaction on a lane of its
 * own, so exec holds one part at a time, whatever the transaction's size.
 */
interface Stream {
  readonly origin: number;
  /** the frame of its first part */
  readonly startSeq: bigint;
  /** already applied (a replay): its parts are dropped */
  readonly skip: boolean;
  /** the lane whose target transaction holds the parts applied so far */
  lane?: Lane;
  /** conflicts and skipped operations, recorded with the commit */
  readonly errors: ErrorRecord[];
  /** exec_policy 0 discarded it: the rest of its parts are dropped; recorded at its end */
  discarded?: Failure;
  /** row changes applied, for the counters */
  rows: number;
}

/** From this many rows, a table's inserts in a group take the target's bulk path. */
const BULK_MIN_ROWS = 500;

/** A source engine family, for deciding whether DDL can run on the target as it is. */
function engineOf(p: Position): 'mysql' | 'pg' | 'mssql' {
  return p.kind === 'binlog' ? 'mysql' : p.kind;
}

const isDataOp = (op: Op) => op.kind === 'insert' || op.kind === 'update' || op.kind === 'delete';

/**
 * Applies source transactions to the target in source commit order, exactly once.
 *
 * Whole source transactions are grouped into one target transaction up to `execTrx`
 * operations; its statements travel as SQL text, many per round trip, and the group's
 * DMHS_TRXID_TABLE rows are written in the same transaction, so a crash at any instant
 * leaves the target at a group boundary that the table names. A group that fails (an
 * error, or a row count that shows a conflict) is rolled back and replayed one source
 * transaction and one operation at a time, where conflicts are resolved ("source wins")
 * and failures handled by exec_policy.
 *
 * exec_thr: groups run on up to exec_thr target connections at once but commit strictly
 * in order, each with the checkpoint row, so the checkpoint always names a prefix of the
 * source's transactions (a crash loses or repeats nothing, as with one connection). A
 * group writes the rows that earlier groups in flight also change (by source key; keyless
 * tables as a whole) only once those have committed, just before its own commit; the
 * rest at once. Whatever that tracking misses is still safe: rows an earlier group touches later are locked by the later group until it
 * commits, which it cannot do first; a ready group that has waited COMMIT_WAIT_MS for
 * the one before it rolls back (freeing its locks) and runs again after it; a row count
 * that shows a missed change sends the group to the one-by-one path, after its
 * predecessors.
 */
export class Applier {
  private readonly checkpoints = new Map<number, TrxidRow>();
  private group: Unit[] = [];
  /** groups dispatched and not yet committed, oldest first */
  private inflight: InFlight[] = [];
  /** settles when the last dispatched group has committed (or failed) */
  private lastCommit: Promise<unknown> = Promise.resolve();
  private groupOps = 0;
  /** a large transaction arriving in parts, applied part by part (see streamPart) */
  private stream: Stream | undefined;
  /** per origin: the last frame whose transactions are all in the group or applied */
  private consumed = new Map<number, bigint>();
  readonly stats: ApplyStats;
  private readonly worker: number;
  private readonly tripBytes: number;
  private readonly seqids: TableSeqids;
  private readonly lanes: readonly Lane[];
  private readonly freeLanes: Lane[];
  private readonly laneWaiters: ((l: Lane) => void)[] = [];
  /** source tables whose target key is not the source key: their groups depend on each other whole */
  private readonly keyMismatch = new Set<string>();
  private lastParsed: { text: string; at: Position } | undefined;

  /**
   * `lanes`: one target connection (and its binder) per exec_thr worker. Lane 0 holds the
   * exec lock and runs DDL and the slow path; every lane applies whole groups.
   */
  constructor(
    lanes: readonly Lane[],
    private readonly opts: ApplierOptions,
  ) {
    if (lanes.length === 0) throw new SynctlError('INTERNAL', 'Applier needs at least one target connection');
    this.lanes = lanes;
    this.freeLanes = [...lanes];
    this.worker = opts.worker ?? 0;
    this.stats = opts.stats ?? { transactions: 0, rows: 0, conflicts: 0, errors: 0, lastCommitUs: 0, lastPosition: '' };
    this.tripBytes = opts.tripBytes ?? 1 << 20;
    this.seqids = new TableSeqids(opts.log);
  }

  private get main(): Lane {
    return this.lanes[0]!;
  }

  /** Creates exec's tables when missing and reads where each origin stands. */
  async init(): Promise<void> {
    const t = this.main.target;
    const lock = `synctl-exec-${this.opts.site}-${this.worker}`;
    if (!(await t.lock(lock, this.opts.lockWaitSec ?? 60))) {
      throw new SynctlError('STATE', `${t.label}: another synctl exec of site ${this.opts.site} is applying to this target (it holds the lock ${lock}); stop it first`);
    }
    await createSystemTables(t);
    // a killed exec's lanes end their sessions independently: the lock above says its
    // main session is gone, the locking read waits for a commit another one still makes
    await t.run(['BEGIN']);
    for (const r of parseTrxidRows(await t.query(t.system.read(true)))) {
      if (r.worker === this.worker) this.checkpoints.set(r.siteid, r);
    }
    await t.run(['COMMIT']);
    // the first group is planned from this read (openAndApply), not from an empty table
    await this.seqids.refresh(t);
  }

  /** Where to resume each origin: after the last frame fully applied, at the last applied transaction. */
  resumeMap(): ResumeMap {
    const m: ResumeMap = new Map();
    for (const [origin, c] of this.checkpoints) m.set(origin, { origin, seq: c.seq, position: c.position });
    return m;
  }

  checkpoint(origin: number): TrxidRow | undefined {
    return this.checkpoints.get(origin);
  }

  get pendingOps(): number {
    return this.groupOps;
  }

  /**
   * Takes a DATA frame's transactions into the current group (apply with flush()). The
   * parts of a large transaction are applied as they come (streamPart).
   */
  async add(frame: Frame): Promise<void> {
    let last: Unit | undefined;
    const txs = decodeDataFrame(frame);
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i]!;
      if (this.stream || tx.continued) {
        // the transaction's last part is the frame's last transaction: the frame is done with it
        await this.streamPart(tx, frame, i === txs.length - 1 ? frame.seq : frame.seq - 1n);
        continue;
      }
      if (this.applied(frame.origin, tx.position, false)) continue;
      last = { tx, origin: frame.origin, doneSeq: frame.seq - 1n };
      await this.take(last);
    }
    const open = this.stream !== undefined && this.stream.origin === frame.origin;
    if (last && !open) last.doneSeq = frame.seq;
    this.consumed.set(frame.origin, open ? this.stream!.startSeq - 1n : frame.seq);
  }

  /**
   * One part of a large transaction (or its last, without `continued`). The first waits
   * until every group before it has committed and no initial load is running, takes a
   * lane and opens a target transaction holding the gate row (so no load can start until
   * it commits); each part goes in as a group would, in a savepoint, and change by change
   * after a conflict or an error; the last commits with the checkpoint. A crash before
   * then rolls it all back, and the sender replays it from its first part.
   */
  private async streamPart(tx: Transaction, frame: Frame, doneSeq: bigint): Promise<void> {
    let s = this.stream;
    if (!s) {
      s = { origin: frame.origin, startSeq: frame.seq, skip: this.applied(frame.origin, tx.position, true), errors: [], rows: 0 };
      this.stream = s;
      if (!s.skip) {
        await this.flush();
        const lane = await this.takeLane();
        s.lane = lane;
        await this.beginGated(lane, [], true);
      }
    }
    const u: Unit = { tx, origin: s.origin, doneSeq };
    if (s.lane && !s.discarded) await this.streamOps(s, s.lane, u);
    if (tx.continued) return;
    this.stream = undefined;
    if (s.lane) await this.endStream(s, s.lane, u);
    else if (s.discarded) await this.endStream(s, await this.takeLane(), u);
  }

  private async streamOps(s: Stream, l: Lane, whole: Unit): Promise<void> {
    const [u] = this.uncovered(l, [whole]) as [Unit];
    const ops = u.tx.ops;
    if (ops.length === 0) return;
    const t = l.target;
    const special = ops.some((o) => o.kind === 'ddl' || o.kind === 'truncate');
    // as a group goes: its net form, else in source order, else change by change
    const attempt = (inOrder: boolean): Promise<boolean | 'error'> =>
      t.guarded(() => this.runOps(l, ops, inOrder).then((ok) => ok || Promise.reject(CONFLICT))).then(
        () => true,
        (e: unknown) => {
          if (e === CONFLICT) return false;
          this.opts.log.debug(`part of a large transaction at ${formatPosition(u.tx.position)} failed ${inOrder ? 'in source order' : 'in its net form'} (${errorText(e)})`);
          return 'error';
        },
      );
    let fast: boolean | 'error' = !special && (await attempt(false));
    if (fast === 'error') fast = await attempt(true);
    if (fast !== true) {
      const failure = await this.oneByOne(l, u, ops, s.errors);
      if (failure) {
        this.releaseLane(l);
        s.lane = undefined;
        if (failure.stop) {
          await t.run(['BEGIN', t.system.recordError(failure.record), 'COMMIT']);
          this.failed(u, failure);
        }
        s.discarded = failure;
        return;
      }
    }
    s.rows += ops.filter(isDataOp).length;
  }

  private async endStream(s: Stream, l: Lane, last: Unit): Promise<void> {
    const t = l.target;
    const rows = this.advance([last]);
    try {
      if (s.discarded) {
        // the transaction is rolled back already; the failure and the checkpoint past it
        await t.run(['BEGIN', t.system.recordError(s.discarded.record), t.system.save(rows), 'COMMIT']);
        this.failed(last, s.discarded);
        this.commitDone([], rows);
        return;
      }
      await t.run([...s.errors.map((e) => t.system.recordError(e)), t.system.save(rows), 'COMMIT']);
      this.commitDone([{ ...last, tx: { ...last.tx, ops: [] } }], rows);
      this.stats.rows += s.rows;
    } finally {
      this.releaseLane(l);
    }
  }

  /** The transaction at `p` is already on the target (a replay after a restart). */
  private applied(origin: number, p: Position, isBegin: boolean): boolean {
    const c = this.checkpoints.get(origin);
    if (!c || !c.position) return false;
    const at = this.parsedCheckpoint(c.position);
    if (at.kind !== p.kind) return false;
    const cmp = comparePositions(p, at);
    return isBegin ? cmp < 0 : cmp <= 0;
  }

  /** The checkpoint's position parsed (asked per transaction; it changes once per group). */
  private parsedCheckpoint(text: string): Position {
    if (this.lastParsed?.text !== text) this.lastParsed = { text, at: parsePosition(text) };
    return this.lastParsed.at;
  }

  private async take(u: Unit): Promise<void> {
    const special = u.tx.ops.some((o) => o.kind === 'ddl' || o.kind === 'truncate');
    if (special) {
      // DDL and TRUNCATE commit implicitly on MySQL: they go alone, after what came before
      await this.flush();
      await this.applyAlone(this.main, u);
      this.invalidateAll();
      return;
    }
    this.group.push(u);
    this.groupOps += u.tx.ops.length;
  }

  /**
   * Applies what is grouped so far on a free lane, while earlier groups may still be
   * applying on others (a caller keeps at most one group per lane in flight and may go on
   * decoding meanwhile). Groups commit strictly in the order they were flushed; rows (or
   * keyless tables) that a group still in flight also changes are written after it has
   * committed. Resolves once this group is committed, with, per origin, the
   * frame sequence now wholly applied (for acks).
   */
  flush(): Promise<Map<number, { seq: bigint; position: string }>> {
    // taken now: frames added while this group is applied belong to the next one
    const group = this.group;
    const consumed = new Map(this.consumed);
    // a large transaction holds a lane between its parts: nothing to apply meanwhile
    if (this.stream && group.length === 0) return this.lastCommit.then(() => this.ackable(consumed));
    this.group = [];
    this.groupOps = 0;
    // one lane: a group starts only after the one before it has committed, nothing to track
    const entry: InFlight = { footprint: this.lanes.length > 1 ? this.footprint(group) : NO_FOOTPRINT, done: Promise.resolve() };
    const contended = this.lanes.length > 1 ? this.inflight.filter((f) => overlaps(f.footprint, entry.footprint)).map((f) => f.footprint) : [];
    const prev = this.lastCommit;
    const p = (async () => {
      const lane = await this.takeLane();
      try {
        return await this.applyGroup(lane, group, consumed, prev, contended);
      } finally {
        this.releaseLane(lane);
      }
    })();
    entry.done = p.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.push(entry);
    void entry.done.then(() => {
      this.inflight = this.inflight.filter((f) => f !== entry);
    });
    this.lastCommit = p;
    p.catch(() => undefined); // whoever awaits it sees the error
    return p;
  }

  private takeLane(): Promise<Lane> {
    const l = this.freeLanes.shift();
    if (l) return Promise.resolve(l);
    return new Promise((resolve) => this.laneWaiters.push(resolve));
  }

  private releaseLane(l: Lane): void {
    const waiter = this.laneWaiters.shift();
    if (waiter) waiter(l);
    else this.freeLanes.push(l);
  }

  /** After DDL every lane reads the catalog again. */
  private invalidateAll(): void {
    for (const l of this.lanes) l.binder.invalidate();
  }

  /** The rows a group changes, as dependency keys (source table and key values). */
  private footprint(group: readonly Unit[]): Footprint {
    const f: Footprint = { rows: new Map(), whole: new Set() };
    // a transaction's ops come in runs of one table: its entry is looked up once per run
    let table: TableDescriptor | undefined;
    let text = '';
    let key: readonly number[] = [];
    let rows = new Set<RowKey>();
    const keys: [RowKey, RowKey] = [0, 0];
    for (const u of group) {
      for (const op of u.tx.ops) {
        if (op.kind !== 'insert' && op.kind !== 'update' && op.kind !== 'delete') continue;
        if (op.table !== table) {
          table = op.table;
          text = tableKeyText(table);
          key = this.trackedKey(table, text);
          const known = f.rows.get(text);
          if (known === undefined) f.rows.set(text, (rows = new Set()));
          else rows = known;
        }
        if (!changedKeys(op, key, keys)) f.whole.add(text);
        else {
          rows.add(keys[0]);
          if (keys[1] !== keys[0]) rows.add(keys[1]);
        }
      }
    }
    return f;
  }

  /** The source key columns a table's rows are tracked by; empty: the table counts as a whole. */
  private trackedKey(t: TableDescriptor, text: string): readonly number[] {
    return this.keyMismatch.has(text) ? NO_KEY : sourceKey(t);
  }

  /** The op changes a row (or a whole table) that one of `footprints` changes. */
  private touchesAny(op: Op, footprints: readonly Footprint[]): boolean {
    if (op.kind !== 'insert' && op.kind !== 'update' && op.kind !== 'delete') return false;
    const text = tableKeyText(op.table);
    const key = this.trackedKey(op.table, text);
    const keys: [RowKey, RowKey] = [0, 0];
    const named = changedKeys(op, key, keys);
    for (const f of footprints) {
      const rows = f.rows.get(text);
      if (rows === undefined) continue;
      if (!named || f.whole.has(text)) return true;
      if (rows.has(keys[0]) || rows.has(keys[1])) return true;
    }
    return false;
  }

  /**
   * One group on lane `l`: its statements run while earlier groups may still run on other
   * lanes; it commits only after `prev` (the group before it) has committed, so the
   * checkpoint row always names a prefix of the source's transactions.
   */
  private async applyGroup(
    l: Lane,
    group: Unit[],
    consumed: ReadonlyMap<number, bigint>,
    prev: Promise<unknown>,
    contended: Footprint[],
  ): Promise<Map<number, { seq: bigint; position: string }>> {
    if (group.length > 0) {
      let ok: boolean | 'retry' = 'retry';
      // an error in the net form (a foreign key its table order does not satisfy, a
      // trigger) gets one more try in source order before the slow one-by-one path
      let inOrder = false;
      while (ok === 'retry') {
        ok = await this.openAndApply(l, group, consumed, prev, contended, inOrder)
          .catch(async (e: unknown): Promise<boolean | 'retry'> => {
            await l.target.rollback().catch(() => undefined);
            // an earlier group failed: this one must not commit either
            if ((await settled(prev)) === 'rejected') throw e;
            if (!inOrder) {
              this.opts.log.debug(`group of ${group.length} transactions failed in its net form (${errorText(e)}); applying it again in source order`);
              inOrder = true;
              return 'retry';
            }
            this.opts.log.debug(`group of ${group.length} transactions failed as a whole (${errorText(e)}); applying them one by one`);
            return false;
          });
      }
      if (!ok) {
        await l.target.rollback().catch(() => undefined);
        await prev;
        for (const u of group) await this.applyAlone(l, u);
      }
    }
    await prev;
    await this.saveConsumed(l, consumed);
    return this.ackable(consumed);
  }

  /**
   * A group's first round trip opens the transaction, takes the gate row, reads
   * DMHS_TABLE_SEQID and carries the group's first statements, planned from the last read
   * of that table. When this read shows the table changed since (a copy marked or
   * finished a table), the transaction is rolled back and the group planned again from
   * the new read (beginGated). A group thus costs two round trips, not four: on a
   * loaded machine every round trip waits to be scheduled at both ends, and that wait,
   * not the statements, is most of a small group's time (bench/apply's lag phase).
   */
  private async openAndApply(
    l: Lane,
    group: Unit[],
    consumed: ReadonlyMap<number, bigint>,
    prev: Promise<unknown>,
    contended: Footprint[],
    inOrder: boolean,
  ): Promise<boolean | 'retry'> {
    const slow = () =>
      this.beginGated(l, group)
        .then((units) => this.applyGroupFast(l, units, consumed, prev, contended, inOrder))
        .then((r) => {
          // only a group opened by `opening` can find its plan stale
          if (r === STALE) throw new SynctlError('INTERNAL', 'a group without an opening was found stale');
          return r;
        });
    // a loading table makes the group wait outside any transaction: beginGated does that
    if (this.seqids.anyLoading) return slow();
    const planned = this.seqids.version;
    const sys = l.target.system;
    const opening: Opening = {
      statements: ['BEGIN', sys.gateShared(), sys.readTableSeqids()],
      readAt: 2,
      stillPlanned: (rows) => {
        this.seqids.update(rows);
        return this.seqids.version === planned;
      },
    };
    const r = await this.applyGroupFast(l, this.uncovered(l, group), consumed, prev, contended, inOrder, opening);
    if (r !== STALE) return r;
    this.opts.log.debug('DMHS_TABLE_SEQID changed since the group was planned (a copy marked or finished a table): planning it again');
    await l.target.rollback();
    return slow();
  }

  /**
   * Opens the target transaction for `units` and returns them without the changes an
   * initial load already holds (DMHS_TABLE_SEQID). The seqid rows are read after taking
   * the gate row shared, inside the transaction: a copy marking a table 'loading' either
   * waits for this transaction or is seen by it. While a touched table is loading, waits
   * outside any transaction and tries again.
   */
  private async beginGated(l: Lane, units: readonly Unit[], anyLoad = false): Promise<Unit[]> {
    for (;;) {
      await l.target.run(['BEGIN', l.target.system.gateShared()]);
      await this.seqids.refresh(l.target);
      if (this.seqids.empty) return [...units];
      // anyLoad: the tables of parts still to come are not known yet
      const busy = anyLoad ? this.seqids.loadingTables() : this.touchedTables(l, units).filter((t) => this.seqids.loading(t.schema, t.table));
      if (busy.length > 0) {
        await l.target.rollback();
        await this.seqids.waitLoaded(l.target, busy);
        continue;
      }
      return this.uncovered(l, units);
    }
  }

  private touchedTables(l: Lane, units: readonly Unit[]): { schema: string; table: string }[] {
    const touched = new Map<string, { schema: string; table: string }>();
    for (const u of units) {
      for (const op of u.tx.ops) {
        if (!op.table) continue;
        const n = l.binder.targetName(op.table.schema, op.table.table);
        touched.set(`${n.schema}\u0000${n.table}`, n);
      }
    }
    return [...touched.values()];
  }

  /** `units` without the changes an initial load already holds (as of the last seqids read). */
  private uncovered(l: Lane, units: readonly Unit[]): Unit[] {
    if (this.seqids.empty) return [...units];
    return units.map((u) => {
      const ops = u.tx.ops.filter((op) => {
        if (op.kind === 'ddl') return true;
        const n = l.binder.targetName(op.table.schema, op.table.table);
        return !this.seqids.covers(n.schema, n.table, u.tx.position);
      });
      return ops.length === u.tx.ops.length ? u : { ...u, tx: { ...u.tx, ops } };
    });
  }

  /** Frames whose transactions were all replays (skipped) still move the saved sequence. */
  private async saveConsumed(l: Lane, consumed: ReadonlyMap<number, bigint>): Promise<void> {
    const rows: TrxidRow[] = [];
    for (const [origin, seq] of consumed) {
      const c = this.checkpoints.get(origin);
      if (c && seq > c.seq) rows.push({ ...c, seq });
    }
    if (rows.length === 0) return;
    await l.target.run([l.target.system.save(rows)]);
    for (const r of rows) this.checkpoints.set(r.siteid, r);
  }

  /** Per origin, the frame sequence saved as fully applied: what the link may acknowledge. */
  private ackable(consumed: ReadonlyMap<number, bigint>): Map<number, { seq: bigint; position: string }> {
    const out = new Map<number, { seq: bigint; position: string }>();
    for (const origin of consumed.keys()) {
      const c = this.checkpoints.get(origin);
      if (c) out.set(origin, { seq: c.seq, position: c.position });
    }
    return out;
  }

  /**
   * Checkpoint rows after `units` (in order) are applied. `whole`: the units are a whole
   * group and these are the frames taken into it, all done now; else each unit's own
   * doneSeq counts.
   */
  private advance(units: readonly Unit[], whole?: ReadonlyMap<number, bigint>): TrxidRow[] {
    // per origin its last unit, its highest doneSeq and how many units it has
    const last = new Map<number, { u: Unit; seq: bigint; n: bigint }>();
    for (const u of units) {
      const l = last.get(u.origin);
      if (l === undefined) last.set(u.origin, { u, seq: u.doneSeq, n: 1n });
      else {
        l.u = u;
        if (u.doneSeq > l.seq) l.seq = u.doneSeq;
        l.n++;
      }
    }
    const rows: TrxidRow[] = [];
    for (const [origin, { u, seq: unitsSeq, n }] of last) {
      const prev = this.checkpoints.get(origin);
      let seq = prev?.seq ?? 0n;
      // frames are acknowledged by seq only once their transactions are all applied
      if (unitsSeq > seq) seq = unitsSeq;
      const wholeSeq = whole?.get(origin);
      if (wholeSeq !== undefined && wholeSeq > seq) seq = wholeSeq;
      rows.push({
        siteid: origin,
        worker: this.worker,
        seq,
        position: formatPosition(u.tx.position),
        xid: u.tx.xid,
        commitTimeUs: u.tx.commitTimeUs,
        trxCount: (prev?.trxCount ?? 0n) + n,
      });
    }
    return rows;
  }

  private commitDone(units: readonly Unit[], rows: readonly TrxidRow[]): void {
    for (const r of rows) this.checkpoints.set(r.siteid, r);
    for (const u of units) {
      this.stats.transactions++;
      for (const op of u.tx.ops) if (isDataOp(op)) this.stats.rows++;
      this.stats.lastCommitUs = u.tx.commitTimeUs;
      this.stats.lastPosition = formatPosition(u.tx.position);
    }
  }

  /**
   * The whole group in one target transaction, statements batched; false on a conflict.
   * 'retry' when the group before it did not commit within COMMIT_WAIT_MS while this one
   * was ready: this one is rolled back (its locks may be what the earlier one waits for)
   * and run again once that one has committed.
   */
  private async applyGroupFast(
    l: Lane,
    units: readonly Unit[],
    consumed: ReadonlyMap<number, bigint>,
    prev: Promise<unknown>,
    contended: Footprint[],
    inOrder: boolean,
    opening?: Opening,
  ): Promise<boolean | 'retry' | typeof STALE> {
    // the transaction is open (beginGated), or `opening` opens it. Rows that groups still
    // in flight change too are written only once those have committed (after `prev`):
    // this group never holds a lock an earlier one waits for, and sees their rows.
    const now: Op[] = [];
    const late: Op[] = [];
    for (const u of units) for (const op of u.tx.ops) (contended.length > 0 && this.touchesAny(op, contended) ? late : now).push(op);
    const first = await this.runOps(l, now, inOrder, opening);
    if (first !== true) return first;
    if ((await settled(prev, COMMIT_WAIT_MS)) === 'pending') {
      await l.target.rollback();
      await prev;
      return 'retry';
    }
    await prev; // rethrows an earlier group's failure: this one is then rolled back
    if (late.length > 0 && !(await this.runOps(l, late, inOrder))) return false;
    // the checkpoint after the group before it (that one has committed now)
    const rows = this.advance(units, consumed);
    await l.target.run([l.target.system.save(rows), 'COMMIT']);
    this.commitDone(units, rows);
    return true;
  }

  /**
   * Writes `ops` (row changes only) in the open transaction, many statements per round
   * trip, as their net effect unless `inOrder`; false on a row count that shows a conflict.
   */
  private async runOps(l: Lane, ops: readonly Op[], inOrder: boolean, opening?: Opening): Promise<boolean | typeof STALE> {
    let trip: SqlStatement[] = [];
    let bytes = 0;
    let open = opening;
    const runTrip = async (): Promise<boolean | typeof STALE> => {
      if (trip.length === 0 && !open) return true;
      let counts: number[];
      if (open) {
        const o = open;
        open = undefined;
        const r = await l.target.runReading([...o.statements, ...trip.map((s) => s.sql)], o.readAt);
        if (!o.stillPlanned(r.rows)) return STALE;
        counts = r.counts.slice(o.statements.length);
      } else {
        counts = await l.target.run(trip.map((s) => s.sql));
      }
      const ok = trip.every((s, i) => s.expect === undefined || counts[i] === s.expect);
      trip = [];
      bytes = 0;
      return ok;
    };
    for (const s of await this.statementsFor(l, ops, inOrder)) {
      if ('bulk' in s) {
        const ok = await runTrip();
        if (ok !== true) return ok;
        if ((await l.target.bulkInsert!(s.bulk, s.rows)) !== s.rows.length) return false;
        continue;
      }
      trip.push(s);
      bytes += s.sql.length;
      if (bytes >= this.tripBytes) {
        const ok = await runTrip();
        if (ok !== true) return ok;
      }
    }
    return runTrip();
  }

  /** Statements for `ops`: their net effect per row where it can be expressed (unless `inOrder`), else change by change in source order. */
  private async statementsFor(l: Lane, ops: readonly Op[], inOrder: boolean): Promise<NetStatement[]> {
    // every table bound first, so the net plan can work synchronously
    for (const op of ops) if (op.kind !== 'ddl' && !l.binder.cached(op.table)) this.noteKey(await l.binder.bind(op.table));
    const net = inOrder ? undefined : planNet(ops, (op) => l.binder.cached(op.table)!, l.target.writer, {
      execRows: this.opts.execRows,
      affectRow: this.opts.affectRow,
      ...(l.target.bulkInsert ? { bulkMin: BULK_MIN_ROWS } : {}),
    });
    if (net) return net;
    const out: NetStatement[] = [];
    await this.buildStatements(l, ops, out);
    return out;
  }

  /** A table whose target key is not its source key cannot be tracked by source key values. */
  private noteKey(b: BoundTable): void {
    const src = sourceKey(b.source);
    if (b.keyless || src.length !== b.key.length || src.some((i, n) => b.key[n] !== i)) this.keyMismatch.add(`${b.source.schema}\u0000${b.source.table}`);
  }

  /** Consecutive inserts (and deletes) into one table become one multi-row statement. */
  private async buildStatements(l: Lane, ops: readonly Op[], out: NetStatement[]): Promise<void> {
    const w = l.target.writer;
    const check = this.opts.affectRow;
    let run: { kind: 'insert' | 'delete'; table: BoundTable; rows: Row[] } | undefined;
    const close = () => {
      if (!run) return;
      const r = run;
      run = undefined;
      if (r.kind === 'insert') out.push({ sql: w.insert(r.table, r.rows), expect: r.rows.length });
      else out.push({ sql: w.delete(r.table, r.rows), ...(check ? { expect: r.rows.length } : {}) });
    };
    for (const op of ops) {
      if (op.kind !== 'insert' && op.kind !== 'update' && op.kind !== 'delete') continue;
      const t = l.binder.cached(op.table) ?? (await l.binder.bind(op.table));
      if (op.kind === 'update') {
        close();
        out.push({ sql: w.update(t, op.before, op.after), ...(check ? { expect: 1 } : {}) });
        continue;
      }
      const kind = op.kind;
      const row = kind === 'insert' ? op.after : op.before;
      // a table without a key deletes one matching row per statement
      if (run && (run.kind !== kind || run.table !== t || run.rows.length >= this.opts.execRows || t.keyless)) close();
      if (!run) run = { kind, table: t, rows: [] };
      run.rows.push(row);
    }
    close();
  }

  /**
   * One source transaction in its own target transaction, one operation at a time:
   * conflicts resolved, failures handled by exec_policy and recorded.
   */
  private async applyAlone(l: Lane, whole: Unit): Promise<void> {
    const t = l.target;
    const errors: ErrorRecord[] = [];
    const [u] = (await this.beginGated(l, [whole])) as [Unit];
    const failure = await this.oneByOne(l, u, u.tx.ops, errors);
    const rows = this.advance([u]);
    if (failure) {
      // the failure is recorded; a discarded transaction also moves the checkpoint past it
      await t.run(['BEGIN', t.system.recordError(failure.record), ...(failure.stop ? [] : [t.system.save(rows)]), 'COMMIT']);
      this.failed(u, failure);
      this.commitDone([], rows);
      return;
    }
    await t.run([...errors.map((e) => t.system.recordError(e)), t.system.save(rows), 'COMMIT']);
    this.commitDone([u], rows);
  }

  /**
   * `ops` of `u` in the open target transaction, one at a time, each in a savepoint.
   * exec_policy 2 skips a failing operation (recorded in `errors`); otherwise the first
   * failure rolls the target transaction back and is returned, to be recorded by the
   * caller (and the checkpoint moved past the transaction unless exec stops).
   */
  private async oneByOne(l: Lane, u: Unit, ops: readonly Op[], errors: ErrorRecord[]): Promise<Failure | undefined> {
    const t = l.target;
    for (const op of ops) {
      try {
        await t.guarded(() => this.applyOne(l, u, op, errors));
      } catch (e) {
        this.stats.errors++;
        const skipOp = this.opts.execPolicy === 2 && op.kind !== 'ddl';
        const rec = await this.errorRecord(l, u, op, skipOp ? [op] : ops, e);
        if (skipOp) {
          this.opts.log.warn(`${describeOp(u, op)}: ${errorText(e)}; operation skipped (exec_policy 2), recorded in ${t.system.schema} error table`);
          errors.push({ ...rec, action: 'skipped' });
          continue;
        }
        await t.rollback().catch(() => undefined);
        const stop = this.opts.execPolicy === 1 || (op.kind === 'ddl' && !this.opts.ddlContinue);
        return { record: { ...rec, action: stop ? 'stopped' : 'discarded' }, stop, op, error: e };
      }
    }
    return undefined;
  }

  /** After a failure is recorded: exec stops (throws) or logs the discarded transaction. */
  private failed(u: Unit, f: Failure): void {
    if (f.stop) {
      throw new SynctlError('APPLY_FAILED', `${describeOp(u, f.op)}: ${errorText(f.error)} (exec stopped: exec_policy ${this.opts.execPolicy}${f.op.kind === 'ddl' ? ', ddl_continue 0' : ''})`, {
        position: f.record.position,
      });
    }
    this.opts.log.warn(`${describeOp(u, f.op)}: ${errorText(f.error)}; transaction discarded (exec_policy 0), recorded in ${this.main.target.system.schema} error table`);
  }

  private async applyOne(l: Lane, u: Unit, op: Op, errors: ErrorRecord[]): Promise<void> {
    const t = l.target;
    const w = t.writer;
    switch (op.kind) {
      case 'ddl': {
        const engine = engineOf(u.tx.position);
        if (this.opts.softOp && engine === 'mysql') {
          for (const t of tablesEmptiedBy(op.sql)) await this.keepCopy(l, u, l.binder.targetName(t.schema ?? op.schema, t.table));
        }
        const statements =
          engine === t.sameEngineDdl
            ? t.ddl(op.schema, op.sql, op.table ? l.binder.targetName(op.table.schema, op.table.table) : undefined)
            : t.translateDdl(engine, op.sql, {
                defaultSchema: op.schema,
                ...(op.table ? { subject: l.binder.targetName(op.table.schema, op.table.table) } : {}),
                name: (schema, table) => l.binder.targetName(schema, table),
              });
        if (statements.length) await t.run(statements);
        l.binder.invalidate();
        return;
      }
      case 'truncate': {
        const target = await l.binder.targetTable(op.table.schema, op.table.table);
        if (this.opts.softOp) await this.keepCopy(l, u, target);
        await t.run([w.truncate({ source: op.table, schema: target.schema, table: target.table, columns: [], key: [], keyless: true })]);
        return;
      }
      case 'insert': {
        const b = await l.binder.bind(op.table);
        const ignoring = w.insertIgnoringDuplicate(b, op.after);
        let inserted: boolean;
        if (ignoring !== undefined) inserted = (await t.run([ignoring]))[0] === 1;
        else {
          try {
            await t.run([w.insert(b, [op.after])]);
            inserted = true;
          } catch (e) {
            if (!t.isDuplicateKey(e)) throw e;
            inserted = false;
          }
        }
        if (!inserted) {
          this.conflict(u, op, 'the row already exists: overwritten with the source row');
          await t.run([w.upsert(b, op.after)]);
        }
        return;
      }
      case 'update': {
        const b = await l.binder.bind(op.table);
        const n = (await t.run([w.update(b, op.before, op.after)]))[0];
        if (n !== 0 || !this.opts.affectRow) return;
        if (op.after.some((v) => v === UNCHANGED || v instanceof JsonDiff)) {
          throw new SynctlError('APPLY_FAILED', 'update of a row missing on the target, and the source sent only part of the row: cannot insert it');
        }
        this.conflict(u, op, 'update of a row missing on the target: inserted the source row');
        await t.run([w.upsert(b, op.after)]);
        return;
      }
      case 'delete': {
        const b = await l.binder.bind(op.table);
        const n = (await t.run([w.delete(b, [op.before])]))[0];
        if (n === 0 && this.opts.affectRow) {
          this.conflict(u, op, 'delete of a row missing on the target: skipped');
          errors.push({ ...(await this.errorRecord(l, u, op, [op], new Error('delete of a row missing on the target'))), action: 'conflict' });
        }
        return;
      }
    }
  }

  /** soft_op: a copy of the table, rows included, before a DROP or TRUNCATE empties it (tables that are not there are left alone) */
  private async keepCopy(l: Lane, u: Unit, t: { schema: string; table: string }): Promise<void> {
    if (!(await l.target.table(t.schema, t.table, true))) return;
    const stamp = new Date(u.tx.commitTimeUs / 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const copy = `${t.table}_bak_${stamp}`;
    await l.target.run(l.target.copyTable(t.schema, t.table, copy));
    this.opts.log.info(`soft_op: kept ${t.schema}.${t.table} as ${t.schema}.${copy} before it is emptied (${formatPosition(u.tx.position)})`);
  }

  private conflict(u: Unit, op: Op, what: string): void {
    this.stats.conflicts++;
    this.opts.log.warn(`${describeOp(u, op)}: ${what}`);
  }

  /**
   * What the error table keeps of a failure: the statements that would apply `ops` on
   * this target (so `synctl exec --reapply` can run them once the cause is fixed), the
   * failing one marked; an op that cannot be written as SQL is kept as a comment.
   */
  private async errorRecord(l: Lane, u: Unit, failed: Op, ops: readonly Op[], e: unknown): Promise<Omit<ErrorRecord, 'action'>> {
    const lines: string[] = [];
    for (const op of ops) {
      if (op === failed && ops.length > 1) lines.push(`-- failed: ${errorText(e).replace(/\n/g, ' ')}`);
      lines.push(await this.statementOf(l, u, op).catch((err: unknown) => `-- ${op.kind} ${describeRow(op)} (not written as SQL: ${errorText(err)})`));
    }
    return {
      siteid: u.origin,
      position: formatPosition(u.tx.position),
      xid: u.tx.xid,
      table: failed.kind === 'ddl' ? (failed.table ? `${failed.table.schema}.${failed.table.table}` : failed.schema) : `${failed.table.schema}.${failed.table.table}`,
      op: failed.kind,
      statement: lines.join(';\n').slice(0, 1_000_000),
      error: errorText(e).slice(0, 4000),
    };
  }

  private async statementOf(l: Lane, u: Unit, op: Op): Promise<string> {
    const w = l.target.writer;
    switch (op.kind) {
      case 'ddl': {
        const engine = engineOf(u.tx.position);
        if (this.opts.softOp && engine === 'mysql') {
          for (const t of tablesEmptiedBy(op.sql)) await this.keepCopy(l, u, l.binder.targetName(t.schema ?? op.schema, t.table));
        }
        const list = engine === l.target.sameEngineDdl ? l.target.ddl(op.schema, op.sql) : [op.sql];
        return list.join(';\n');
      }
      case 'truncate': {
        const t = await l.binder.targetTable(op.table.schema, op.table.table);
        return w.truncate({ source: op.table, schema: t.schema, table: t.table, columns: [], key: [], keyless: true });
      }
      case 'insert':
        return w.insert(await l.binder.bind(op.table), [op.after]);
      case 'update':
        return w.update(await l.binder.bind(op.table), op.before, op.after);
      case 'delete':
        return w.delete(await l.binder.bind(op.table), [op.before]);
    }
  }
}

/** A target connection and its table bindings: one per exec_thr worker. */
export interface Lane {
  readonly target: ApplyTarget;
  readonly binder: TableBinder;
}

/** What a group changes: rows by source key, and tables changed as a whole (no usable key). */
interface Footprint {
  /** per source table (schema NUL table) the keys of the rows it changes */
  readonly rows: Map<string, Set<RowKey>>;
  /** tables changed as a whole (no usable key) */
  readonly whole: Set<string>;
}


interface InFlight {
  readonly footprint: Footprint;
  /** settles when the group has committed or failed */
  done: Promise<void>;
}

const NO_FOOTPRINT: Footprint = { rows: new Map(), whole: new Set() };

/** A group's statements were planned from a DMHS_TABLE_SEQID read that is out of date. */
const STALE = Symbol('stale');

/** Statements that open a group's transaction in its first round trip (openAndApply). */
interface Opening {
  readonly statements: readonly string[];
  /** the statement whose rows are DMHS_TABLE_SEQID */
  readonly readAt: number;
  /** takes the rows; false when the group must be planned again */
  readonly stillPlanned: (rows: readonly Record<string, unknown>[]) => boolean;
}

/** A part's row counts showed a conflict (rejection value: it goes change by change). */
const CONFLICT = Symbol('conflict');

/** How long a ready group waits for the group before it to commit before it yields its locks. */
const COMMIT_WAIT_MS = 3000;

function overlaps(a: Footprint, b: Footprint): boolean {
  for (const t of a.whole) if (b.rows.has(t)) return true;
  for (const t of b.whole) if (a.rows.has(t)) return true;
  for (const [t, mine] of a.rows) {
    const theirs = b.rows.get(t);
    if (theirs === undefined) continue;
    const [small, big] = mine.size < theirs.size ? [mine, theirs] : [theirs, mine];
    for (const k of small) if (big.has(k)) return true;
  }
  return false;
}

/**
 * The keys of the rows `op` changes into `out`: its row, and for an update that changes
 * its key the new one (else the same again). False when a row cannot be named (no
 * tracked key, or the key was not sent): its table then counts as a whole. One place for
 * a group's footprint and the contention check, which must agree.
 */
function changedKeys(op: Op & { kind: 'insert' | 'update' | 'delete' }, key: readonly number[], out: [RowKey, RowKey]): boolean {
  if (key.length === 0) return false;
  const first = rowKeyOf(key, op.kind === 'insert' ? op.after : op.before);
  if (first === undefined) return false;
  const second = op.kind === 'update' ? rowKeyOf(key, op.after) : first;
  if (second === undefined) return false;
  out[0] = first;
  out[1] = second;
  return true;
}

const keysOf = new WeakMap<TableDescriptor, number[]>();
const NO_KEY: readonly number[] = [];
const tableKeys = new WeakMap<TableDescriptor, string>();

/** schema NUL table (cached per descriptor) */
function tableKeyText(t: TableDescriptor): string {
  let k = tableKeys.get(t);
  if (k === undefined) tableKeys.set(t, (k = `${t.schema}\u0000${t.table}`));
  return k;
}

/** Indexes of the source table's key columns (cached per descriptor). */
function sourceKey(t: TableDescriptor): number[] {
  let k = keysOf.get(t);
  if (!k) {
    k = t.columns.flatMap((c, i) => (c.key ? [i] : []));
    keysOf.set(t, k);
  }
  return k;
}

/** Whether `p` has settled within `ms` (0: only if it already has). */
async function settled(p: Promise<unknown>, ms = 0): Promise<'resolved' | 'rejected' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([
      p.then(
        () => 'resolved' as const,
        () => 'rejected' as const,
      ),
      wait,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describeRow(op: Op): string {
  try {
    return JSON.stringify(rowOf(op), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? v.toString('hex') : v));
  } catch {
    return '';
  }
}

function rowOf(op: Op): unknown {
  switch (op.kind) {
    case 'insert':
      return op.after;
    case 'update':
      return { before: op.before, after: op.after };
    case 'delete':
      return op.before;
    default:
      return null;
  }
}

/** 'app.orders key (id=7) at binlog:mariadb-bin.000002:1234 xid 55' for messages. */
export function describeOp(u: Unit, op: Op): string {
  const where = `at ${formatPosition(u.tx.position)}${u.tx.xid ? ` xid ${u.tx.xid}` : ''}`;
  if (op.kind === 'ddl') return `DDL in ${op.schema} ${where}`;
  const t = op.table;
  const row = op.kind === 'insert' ? op.after : op.kind === 'truncate' ? undefined : op.before;
  const key = row
    ? t.columns
        .map((c, i) => (c.key ? `${c.name}=${String(row[i] === UNCHANGED ? '?' : Buffer.isBuffer(row[i]) ? (row[i] as Buffer).toString('hex') : row[i])}` : ''))
        .filter(Boolean)
        .join(', ')
    : '';
  return `${op.kind} ${t.schema}.${t.table}${key ? ` key (${key})` : ''} ${where}`;
}

function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!;
}
