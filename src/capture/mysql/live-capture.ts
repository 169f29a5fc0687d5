import { isSynctlError } from '../../errors';
import { logger } from '../../log';
import type { Transaction } from '../../model/change';
import { binlogPosition, type BinlogPosition } from '../../model/position';
import { TransactionAssembler } from './assembler';
import { streamBinlog, readSourceInfo, type SourceInfo } from './binlog-stream';
import type { BinlogColumn } from './column';
import type { TableMapEvent } from './events';
import { BinlogDecoder } from './decoder';
import type { DictStore } from '../../dict/store';
import { describeTable, mergeColumns, type DictionaryView } from './dictionary-columns';
import { DdlDictionaryTracker } from './dictionary-ddl';
import { readColumnValue } from './values';

const log = logger('capture');

export interface LiveCaptureOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly origin: number;
  readonly ddl: boolean;
  readonly dictionary: DictionaryView;
  /** where to start; undefined = the source's current end of log */
  readonly start?: BinlogPosition;
  readonly tableAllowed?: (schema: string, table: string) => boolean;
  /** row operations per part of a large transaction (default 10,000) */
  readonly maxOpsPerPart?: number;
  readonly heartbeatSec?: number;
  readonly signal?: AbortSignal;
  /** dictionary store: DDL in the stream saves new table versions here */
  readonly store?: DictStore;
  /** 'MARIADB' or 'MYSQL', recorded in new dictionary versions */
  readonly dbType?: string;
  /**
   * Start from the GTID state of the start position rather than its file:pos (MariaDB:
   * slave_connect_state; MySQL: COM_BINLOG_DUMP_GTID), so capture can follow a failover
   * to another server whose file names differ.
   */
  readonly autoPosition?: boolean;
}

/** The server_id synctl registers with: 0x5A000000 + siteid, far from usual server ids. */
export function replicaServerId(siteid: number): number {
  return 0x5a000000 + siteid;
}

/**
 * Committed transactions from the live binlog, in commit order. A dropped connection is
 * retried with backoff from the position after the last transaction handed out, so
 * nothing is skipped or repeated.
 */
export async function* captureLive(opts: LiveCaptureOptions): AsyncGenerator<Transaction> {
  const conn = { host: opts.host, port: opts.port, user: opts.user, password: opts.password };
  let info: SourceInfo = await readSourceInfo(conn);
  let at: BinlogPosition = opts.start ?? binlogPosition(info.file, info.pos, info.gtid);
  if (!opts.start) log.info(`no checkpoint: starting at the source's current end of log ${at.file}:${at.pos}`);
  let backoff = 200;
  const ddlTracker = new DdlDictionaryTracker(opts.dictionary, {
    ...(opts.store ? { store: opts.store, source: { ...conn, dbType: opts.dbType ?? (info.mariadb ? 'MARIADB' : 'MYSQL') } } : {}),
    ...(opts.tableAllowed ? { tableAllowed: opts.tableAllowed } : {}),
  });
  try {
    for (;;) {
      let eventPos: BinlogPosition = at;
      const decoder: BinlogDecoder = new BinlogDecoder({
        decodeValue: readColumnValue,
        resolveColumns: (map): BinlogColumn[] | undefined =>
          mergeColumns(map, opts.dictionary.entryAt(map.schema, map.table, eventPos), () => `${decoder.source} at ${eventPos.pos}`),
        ...(opts.tableAllowed ? { skipRowsOf: (map: TableMapEvent) => !opts.tableAllowed!(map.schema, map.table) } : {}),
      });
      const assembler = new TransactionAssembler({
        onDdl: (schema, sql, after) => ddlTracker.onDdl(schema, sql, after),
        origin: opts.origin,
        ddl: opts.ddl,
        describe: (map) => describeTable(map, opts.dictionary.entryAt(map.schema, map.table, eventPos)),
        gtid: at.gtid,
        ...(opts.tableAllowed ? { tableAllowed: opts.tableAllowed } : {}),
        ...(opts.maxOpsPerPart ? { maxOpsPerPart: opts.maxOpsPerPart } : {}),
      });
      try {
        const stream = streamBinlog(
          {
            ...conn,
            serverId: replicaServerId(opts.origin),
            decoder,
            file: at.file,
            pos: at.pos,
            ...(opts.autoPosition && at.gtid ? (info.mariadb ? { mariadbGtid: at.gtid } : { mysqlGtid: at.gtid }) : {}),
            ...(opts.heartbeatSec ? { heartbeatSec: opts.heartbeatSec } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
          },
          info,
        );
        for await (const run of stream) {
          for (const fe of run) {
            for (const tx of assembler.push(fe)) {
              at = tx.position as BinlogPosition;
              backoff = 200;
              yield tx;
            }
            if (fe.nextPos > 0) eventPos = binlogPosition(fe.file, fe.nextPos);
            // before the next TABLE_MAP is decoded (the run decodes it when taken)
            if (ddlTracker.hasPending) await ddlTracker.refresh();
          }
        }
        return; // aborted
      } catch (e) {
        if (!isSynctlError(e, 'NET') || opts.signal?.aborted) throw e;
        log.warn(`${e.message}; reconnecting in ${backoff} ms from ${at.file}:${at.pos}`);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
        info = await readSourceInfo(conn).catch(() => info);
      }
    }
  } finally {
    await ddlTracker.close();
  }
}
