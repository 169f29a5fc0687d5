import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSiteConfig } from '../../config/load';
import type { ExecConfig, RecvConfig } from '../../config/types';
import { isTargetConnectionError, openApplyTarget } from '../../dialect/apply-target';
import { usageError } from '../../errors';
import { Applier, type ApplyStats } from '../../exec/applier';
import { TableBinder } from '../../exec/binder';
import { ProgressReporter } from '../../exec/progress';
import { logger } from '../../log';
import Table from 'cli-table3';
import { listErrors, reapplyError } from '../../exec/error-admin';
import type { ApplyTarget } from '../../exec/target';
import { parseRecvSpec } from '../../net/address';
import { createInbound } from '../../net/factory';
import type { InboundLink } from '../../net/link';
import type { Frame } from '../../wire/frame';

export interface ExecCliOptions {
  readonly config: string;
  /** list the failures recorded on the target instead of applying */
  readonly errors?: boolean;
  readonly json?: boolean;
  /** run a recorded failure's statements again (after the cause is fixed) */
  readonly reapply?: string;
  readonly from?: string;
  readonly keyFile?: string;
  readonly state?: string;
}

const log = logger('exec');

/**
 * `synctl exec`: receive frames (TCP, dir or stdin) and apply their transactions to the
 * target in source commit order, exactly once (DMHS_TRXID_TABLE), until SIGTERM or the
 * end of a finite input (stdin).
 */
export async function execCommand(opts: ExecCliOptions): Promise<number> {
  const { config, warnings } = loadSiteConfig(opts.config, opts.keyFile ? { keyFile: opts.keyFile } : {});
  for (const w of warnings) log.warn(`${w.path}: ${w.message}`);
  const exec = config.exec;
  if (!exec) throw usageError(`${opts.config}: has no <exec> element (dmhs/exec)`);
  const siteid = config.base.siteid;
  const recv: Pick<RecvConfig, 'source' | 'gateway' | 'tls'> = opts.from ? { source: parseRecvSpec(opts.from), gateway: false } : exec.recv;
  const stateDir = opts.state ?? path.join(path.dirname(path.resolve(opts.config)), '.synctl', `exec-${siteid}`);
  fs.mkdirSync(stateDir, { recursive: true });

  if (opts.errors || opts.reapply !== undefined) return errorAdmin(opts, await openApplyTarget(exec));
  const stats = newStats();
  const progress = new ProgressReporter(stats, { file: path.join(stateDir, 'progress.json'), log, intervalSec: Math.min(config.base.ckptInterval, 10) });
  const session: Session = { stopping: false };
  const onSignal = (sig: string) => {
    if (session.stopping) return;
    session.stopping = true;
    log.info(`${sig}: stopping after the current group (applied changes are committed; a restart resumes)`);
    void session.link?.close();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    // a lost target connection is a restart in place: what was not committed comes again
    // from the link (TCP and dir senders replay unacknowledged frames); stdin cannot
    // replay, so there it stops
    for (let backoffMs = 1000; ; backoffMs = Math.min(backoffMs * 2, 30_000)) {
      try {
        await applyUntilStopped(exec, recv, siteid, stats, progress, session);
        break;
      } catch (e) {
        if (session.stopping || recv.source.kind === 'stdio' || !isTargetConnectionError(exec.db.dbType, e)) throw e;
        log.warn(`target connection lost (${(e as Error).message.split('\n')[0]}); reconnecting in ${backoffMs / 1000} s`);
        await new Promise((r) => setTimeout(r, backoffMs));
      }
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    progress.stop();
  }
  log.info(`applied ${stats.transactions} transactions, ${stats.rows} rows${stats.lastPosition ? `; now at ${stats.lastPosition}` : ''}`);
  return 0;
}

async function errorAdmin(opts: ExecCliOptions, target: ApplyTarget): Promise<number> {
  try {
    if (opts.reapply !== undefined) {
      const id = Number(opts.reapply);
      if (!Number.isInteger(id) || id < 1) throw usageError(`--reapply ${opts.reapply}: expected the id of a recorded error`);
      const rec = await reapplyError(target, id);
      process.stdout.write(`reapplied error ${rec.id}: ${rec.op} ${rec.table} at ${rec.position}\n`);
      return 0;
    }
    const list = await listErrors(target);
    if (opts.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return 0;
    }
    if (list.length === 0) {
      process.stdout.write(`no errors recorded on ${target.label}\n`);
      return 0;
    }
    const t = new Table({ head: ['id', 'at', 'site', 'position', 'table', 'op', 'action', 'error'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, 28, 24, null, null, 50] });
    for (const e of list) t.push([e.id, e.at, e.siteid, e.position, e.table, e.op, e.action, e.error]);
    process.stdout.write(t.toString() + '\n');
    return 0;
  } finally {
    await target.close();
  }
}

interface Session {
  stopping: boolean;
  link?: InboundLink;
}

function newStats(): ApplyStats {
  return { transactions: 0, rows: 0, conflicts: 0, errors: 0, lastCommitUs: 0, lastPosition: '' };
}

/** One connection's worth of applying: open the target and the link, apply until the input ends or a stop. */
/** a group slower than this from its flush to its commit is logged (--debug) */
const SLOW_GROUP_MS = 300;

async function applyUntilStopped(
  exec: ExecConfig,
  recv: Pick<RecvConfig, 'source' | 'gateway' | 'tls'>,
  siteid: number,
  stats: ApplyStats,
  progress: ProgressReporter,
  session: Session,
): Promise<void> {
  // one connection per exec_thr worker: groups apply in parallel, commit in source order
  const targets: ApplyTarget[] = [];
  try {
    for (let i = 0; i < exec.execThr; i++) targets.push(await openApplyTarget(exec));
    const lanes = targets.map((target) => ({ target, binder: new TableBinder(target, { caseSensitive: exec.caseSensitive, toggleCase: exec.toggleCase }) }));
    const target = targets[0]!;
    const applier = new Applier(lanes, {
      execTrx: exec.execTrx,
      execRows: exec.execRows,
      execPolicy: exec.execPolicy,
      affectRow: exec.affectRow,
      ddlContinue: exec.ddlContinue,
      softOp: exec.softOp,
      site: siteid,
      stats,
      log,
    });
    await applier.init();
    for (const [origin, c] of applier.resumeMap()) log.info(`origin ${origin}: resuming after seq ${c.seq} at ${c.position || '(start)'}`);
    log.info(`applying to ${target.label}${targets.length > 1 ? ` (${targets.length} connections, exec_thr)` : ''}`);
    const link = await createInbound(recv, { siteid, resume: () => applier.resumeMap() });
    const applying: Promise<void>[] = [];
    session.link = link;
    try {
      if (session.stopping) return;
      const frames = link.frames()[Symbol.asyncIterator]();
      // groups apply on up to exec_thr connections while the next one is decoded and
      // built; they commit (and are acknowledged) in order
      const drain = async () => {
        while (applying.length > 0) await applying.shift();
      };
      const startFlush = async () => {
        const t0 = Date.now();
        while (applying.length >= targets.length) await applying.shift();
        const t1 = Date.now();
        const ops = applier.pendingOps;
        const p = applier.flush().then((acks) => {
          for (const [origin, a] of acks) link.ack(origin, a.seq, a.position);
          progress.tick();
          // what end-to-end lag is made of, for --debug
          const t2 = Date.now();
          if (t2 - t0 > SLOW_GROUP_MS) log.debug(`group of ${ops} operations: waited ${t1 - t0} ms for a connection, applied and committed in ${t2 - t1} ms`);
        });
        p.catch(() => undefined); // surfaced when awaited
        applying.push(p);
      };
      const SOON = Symbol('soon');
      let next = frames.next();
      for (;;) {
        // keep taking frames while they are already waiting; apply when the input pauses
        // or the group is full
        let r: IteratorResult<Frame> | typeof SOON = await Promise.race([next, new Promise<typeof SOON>((res) => setImmediate(() => res(SOON)))]);
        if (r === SOON) {
          await startFlush();
          await drain();
          r = await next;
        }
        if (r.done) break;
        next = frames.next();
        next.catch(() => undefined); // surfaced when awaited
        await applier.add(r.value);
        if (applier.pendingOps >= exec.execTrx) await startFlush();
        if (session.stopping) break;
      }
      await startFlush();
      await drain();
    } finally {
      // groups still in flight end (commit or roll back) before their connections close
      await Promise.allSettled(applying);
      session.link = undefined;
      await link.close().catch(() => undefined);
    }
  } finally {
    for (const t of targets) await t.close();
  }
}
