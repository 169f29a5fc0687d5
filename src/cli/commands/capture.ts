import * as path from 'node:path';
import { CaptureState } from '../../capture/capture-state';
import { transactionToJsonLines } from '../../capture/change-json';
import { FrameBatcher } from '../../capture/frame-batcher';
import { TimedPull } from '../../capture/timed-pull';
import { withDdlSubject } from '../../capture/mysql/ddl-subject';
import { captureLive } from '../../capture/mysql/live-capture';
import { captureOffline, DictionaryView } from '../../capture/mysql/offline-capture';
import { loadSiteConfig } from '../../config/load';
import type { SendConfig } from '../../config/types';
import { renameQualifiedTables } from '../../dialect/mysql/mysql-ddl-names';
import { SQL_PREAMBLE, deleteSql, insertSql, truncateSql, updateSql } from '../../dialect/mysql/mysql-sql';
import { DictStore, dictDirFor } from '../../dict/store';
import { SynctlError, usageError } from '../../errors';
import { compileSendFilter, type SendFilter } from '../../filter';
import { logger } from '../../log';
import type { Transaction } from '../../model/change';
import { parsePosition } from '../../model/position';
import { parseSendSpec } from '../../net/address';
import { createOutbound } from '../../net/factory';
import type { OutboundLink } from '../../net/link';

export interface CaptureCliOptions {
  readonly config?: string;
  readonly offline?: string[];
  readonly to?: string[];
  readonly format: string;
  readonly start?: string;
  readonly state?: string;
  readonly dict?: string;
  readonly siteid: string;
  readonly keyFile?: string;
  readonly autoPosition?: boolean;
}

const log = logger('capture');
const DRAIN_WAIT_MS = 10_000;

/**
 * `synctl capture`: decode live or archived binlogs into transactions, apply the
 * send's filter and map, and hand them on: as frames to the send's link (resuming where
 * the next hop stands), or as JSON lines / SQL on stdout. Without --offline it dumps the
 * live binlog of the config's source until SIGTERM.
 */
export async function captureCommand(opts: CaptureCliOptions): Promise<number> {
  const live = !opts.offline?.length;
  if (live && !opts.config) throw usageError('capture: give -c <config> (its <cpt> names the source to dump) or --offline <binlog files>');
  const format = opts.format;
  if (!['frames', 'json', 'sql'].includes(format)) throw usageError(`--format ${format}: expected frames, json or sql`);

  let siteid = Number(opts.siteid);
  let send: Pick<SendConfig, 'target' | 'gateway' | 'tls' | 'compress' | 'netPackSize'> | undefined;
  let filter: SendFilter | undefined;
  let ddl = true;
  let dictDir = opts.dict;
  let stateDir = opts.state;
  let db: { server: string; port: number; user: string; password: string } | undefined;
  let ckptIntervalSec = 60;
  if (opts.config) {
    const { config, warnings } = loadSiteConfig(opts.config, opts.keyFile ? { keyFile: opts.keyFile } : {});
    for (const w of warnings) log.warn(`${w.path}: ${w.message}`);
    if (!config.cpt) throw usageError(`${opts.config}: has no <cpt> element (dmhs/cpt)`);
    if (config.cpt.db.dbType !== 'MYSQL' && config.cpt.db.dbType !== 'MARIADB') {
      throw usageError(`dmhs/cpt/db_type: ${config.cpt.db.dbType} capture is not implemented yet; --offline reads MySQL/MariaDB binlogs`);
    }
    siteid = config.base.siteid;
    ckptIntervalSec = config.base.ckptInterval;
    db = config.cpt.db;
    send = config.cpt.send;
    filter = compileSendFilter(config.cpt.send.filter, config.cpt.send.map, { itemPath: 'dmhs/cpt/send', log, renameDdlTables: renameQualifiedTables });
    ddl = config.cpt.ddlMask.trim() !== '0';
    dictDir ??= dictDirFor(opts.config);
    stateDir ??= path.join(path.dirname(path.resolve(opts.config)), '.synctl', `capture-${siteid}`);
  } else if (!Number.isInteger(siteid) || siteid < 1 || siteid > 30000) {
    throw usageError(`--siteid ${opts.siteid}: must be an integer in 1..30000`);
  }
  if (opts.to) {
    if (opts.to.length > 1) throw usageError('capture has one send: give one --to');
    send = { target: parseSendSpec(opts.to[0]!), gateway: false, compress: false, netPackSize: 256 };
  }
  if (format !== 'frames' && send && send.target.kind !== 'stdio') {
    throw usageError(`--format ${format} writes text to stdout: use --to - (or leave --to out)`);
  }
  if (format === 'frames' && !send) throw usageError('capture: nowhere to send frames: give -c <config> with a <cpt><send>, or --to');

  const dictionary = dictDir ? await DictionaryView.load(new DictStore(dictDir)) : DictionaryView.empty();
  if (dictionary.size === 0) {
    log.warn(`no offline dictionary${dictDir ? ` in ${dictDir}` : ''}: column names, signedness and charsets come only from the binlog's row metadata; run synctl copy 0 "SCH.NAME='...'" DICT first`);
  }
  // text output is an audit: it reads from --start (or the first file) and keeps no progress
  const state = stateDir && format === 'frames' ? new CaptureState(path.resolve(stateDir)) : undefined;
  const checkpoint = state ? await state.load() : { seq: 0n, position: '' };

  let link: OutboundLink | undefined;
  let seq = checkpoint.seq;
  let startPos = checkpoint.position;
  if (format === 'frames') {
    link = createOutbound(send!, { siteid, role: 'capture', stateDir: path.join(state?.dir ?? '.', 'link') });
    const resume = (await link.open()).get(siteid);
    if (resume && resume.seq > 0n) {
      const pos = resume.position || (resume.seq === checkpoint.seq ? checkpoint.position : await state?.positionOf(resume.seq));
      if (pos === undefined) {
        throw new SynctlError('STATE', `${link.name} holds seq ${resume.seq} of origin ${siteid}, but this capture has no record of where that frame ended (checkpoint seq ${checkpoint.seq}); was the state directory ${state?.dir ?? '(none)'} replaced?`);
      }
      seq = resume.seq;
      startPos = pos;
    } else if (checkpoint.seq > 0n && send!.target.kind === 'tcp') {
      throw new SynctlError('STATE', `${link.name} has nothing from origin ${siteid}, but this capture's checkpoint is at seq ${checkpoint.seq} (${checkpoint.position}): the next hop's state was reset. Remove ${state?.dir} to start over from the first file, or give --start`);
    }
  }
  if (opts.start) startPos = opts.start.startsWith('binlog:') ? opts.start : `binlog:${opts.start}`;
  const start = startPos ? parsePosition(startPos) : undefined;
  if (start && start.kind !== 'binlog') throw usageError(`start position ${startPos} is not a binlog position`);
  if (start) log.info(`starting at ${startPos}`);

  const out = process.stdout;
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  if (format === 'sql') await write(SQL_PREAMBLE);
  const batcher = new FrameBatcher(siteid, seq, { maxBytes: (send?.netPackSize ?? 256) * 1024, compress: send?.compress ?? false });
  let lastSent = { seq, position: startPos };
  // acknowledged frames move the checkpoint (saved every ckpt_interval and at the end)
  const sentPositions = new Map<bigint, string>();
  let acked = { seq, position: startPos };
  link?.onAck((entries) => {
    for (const e of entries) {
      const p = e.origin === siteid ? sentPositions.get(e.seq) : undefined;
      if (p === undefined || e.seq <= acked.seq) continue;
      acked = { seq: e.seq, position: p };
      for (const k of sentPositions.keys()) if (k <= e.seq) sentPositions.delete(k);
    }
  });
  const sendFrame = async (b: ReturnType<FrameBatcher['flush']>) => {
    if (!b || !link) return;
    await state?.willSend(b.frame.seq, b.position);
    sentPositions.set(b.frame.seq, b.position);
    const t0 = Date.now();
    await link.send(b.frame, b.position);
    // what end-to-end lag is made of, for --debug
    if (Date.now() - t0 > SLOW_MS) log.debug(`frame ${b.frame.seq}: ${link.name} took ${Date.now() - t0} ms to take it`);
    lastSent = { seq: b.frame.seq, position: b.position };
  };
  let count = 0;
  const abort = new AbortController();
  const onSignal = (sig: string) => {
    log.info(`${sig}: stopping after the current transaction (progress is saved; a restart resumes)`);
    abort.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const tableAllowed = filter ? (sch: string, t: string) => filter!.tableAllowed(sch, t) : undefined;
  const source: AsyncGenerator<Transaction> = live
    ? captureLive({
        host: db!.server,
        port: db!.port,
        user: db!.user,
        password: db!.password,
        origin: siteid,
        ddl,
        dictionary,
        ...(start && start.kind === 'binlog' ? { start } : {}),
        ...(tableAllowed ? { tableAllowed } : {}),
        signal: abort.signal,
        ...(dictDir ? { store: new DictStore(dictDir) } : {}),
        ...(opts.autoPosition ? { autoPosition: true } : {}),
      })
    : captureOffline({
        inputs: opts.offline!,
        origin: siteid,
        ddl,
        dictionary,
        // the newest file may still be written: stop at its last whole event, resume there next run
        allowTruncatedTail: true,
        ...(start && start.kind === 'binlog' ? { start: { file: start.file, pos: start.pos }, gtid: start.gtid } : {}),
        ...(tableAllowed ? { tableAllowed } : {}),
      });
  const pull = new TimedPull(source[Symbol.asyncIterator](), abort.signal);
  /** the longest a captured transaction waits in a batch while the source stays busy (lag) */
  const MAX_BATCH_WAIT_MS = 100;
  /** a send or checkpoint slower than this is logged (--debug) */
  const SLOW_MS = 200;
  let lastCheckpoint = Date.now();
  let checkpointing: Promise<void> | undefined;
  let checkpointFailure: { error: unknown } | undefined;
  let partsOut = false;
  try {
    for (;;) {
      // a live source goes quiet: send what is batched after 50 ms without a new transaction
      const r = await pull.take(50);
      if (r === 'stop') break;
      if (r === 'idle') {
        await sendFrame(batcher.flush());
      } else {
        if (r.done) break;
        const raw = withDdlSubject(r.value);
        let tx: Transaction | undefined = filter ? filter.apply(raw) : raw;
        // the last part of a transaction whose earlier parts went out must go too: it commits them
        if (!tx && partsOut && !raw.continued) tx = { ...raw, ops: [] };
        partsOut = tx ? !!tx.continued || (partsOut && !!raw.continued) : partsOut && !!raw.continued;
        if (tx) {
          count++;
          if (format === 'json') await write(transactionToJsonLines(tx));
          else if (format === 'sql') await write(transactionToSql(tx));
          else {
            await sendFrame(batcher.add(tx));
            // a busy source is never quiet for 50 ms: its batch goes out once it has waited this long
            if (batcher.ageMs() >= MAX_BATCH_WAIT_MS) await sendFrame(batcher.flush());
          }
        }
      }
      if (checkpointFailure) throw checkpointFailure.error;
      if (state && acked.position && !checkpointing && Date.now() - lastCheckpoint > ckptIntervalSec * 1000) {
        // written while capture goes on reading and sending: its fsyncs took 200+ ms on a busy machine
        const t0 = (lastCheckpoint = Date.now());
        checkpointing = state
          .commit(acked)
          .then(
            () => {
              if (Date.now() - t0 > SLOW_MS) log.debug(`checkpoint took ${Date.now() - t0} ms`);
            },
            (error: unknown) => void (checkpointFailure = { error }),
          )
          .finally(() => (checkpointing = undefined));
      }
    }
    await checkpointing;
    if (checkpointFailure) throw checkpointFailure.error;
    await sendFrame(batcher.flush());
    // wait for the next hop to take what was sent, but not forever: a stop must stop even
    // when the next hop is down (what it has not acknowledged is sent again after a restart)
    const drained = link ? await Promise.race([link.drain().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), DRAIN_WAIT_MS).unref())]) : true;
    if (!drained) log.warn(`${link!.name} did not acknowledge everything within ${DRAIN_WAIT_MS / 1000} s; the rest is sent again on the next run`);
    const done = drained ? lastSent : acked;
    if (state && done.position) await state.commit(done);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    abort.abort();
    await link?.close();
    await checkpointing; // never rejects: a failure is kept in checkpointFailure
    await state?.close();
  }
  log.info(`captured ${count} transactions${lastSent.position ? `; now at ${lastSent.position}` : ''}`);
  return 0;
}

function transactionToSql(tx: Transaction): string {
  // DDL commits implicitly in MySQL: only data changes get BEGIN/COMMIT around them
  const data = tx.ops.some((o) => o.kind !== 'ddl');
  const lines = [`-- ${tx.position.kind === 'binlog' ? `${tx.position.file}:${tx.position.pos}` : ''}${tx.xid ? ` xid ${tx.xid}` : ''}`];
  if (data) lines.push('BEGIN;');
  for (const op of tx.ops) {
    switch (op.kind) {
      case 'insert':
        lines.push(insertSql(op.table, op.after));
        break;
      case 'update':
        lines.push(updateSql(op.table, op.before, op.after));
        break;
      case 'delete':
        lines.push(deleteSql(op.table, op.before));
        break;
      case 'truncate':
        lines.push(truncateSql(op.table));
        break;
      case 'ddl':
        lines.push(`USE \`${op.schema.replace(/`/g, '``')}\`;`, `${op.sql.replace(/;\s*$/, '')};`);
        break;
    }
  }
  if (data) lines.push('COMMIT;');
  lines.push('');
  return lines.join('\n');
}
