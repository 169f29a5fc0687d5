import type { Transaction } from '../../model/change';
import { binlogPosition, type BinlogPosition } from '../../model/position';
import { TransactionAssembler } from './assembler';
import type { BinlogColumn } from './column';
import type { TableMapEvent } from './events';
import { BinlogDecoder } from './decoder';
import { describeTable, DictionaryView, mergeColumns } from './dictionary-columns';
import { DdlDictionaryTracker } from './dictionary-ddl';
import { BinlogFileReader, type BinlogStart } from './file-reader';
import { readColumnValue } from './values';

export interface OfflineCaptureOptions {
  /** binlog files, a directory of them, or an index file */
  readonly inputs: string | readonly string[];
  readonly origin: number;
  readonly ddl: boolean;
  readonly dictionary: DictionaryView;
  /** where to start (a checkpoint); undefined = the first file's beginning */
  readonly start?: BinlogStart;
  /** GTID state at `start` */
  readonly gtid?: string;
  readonly tableAllowed?: (schema: string, table: string) => boolean;
  /** row operations per part of a large transaction (default 10,000) */
  readonly maxOpsPerPart?: number;
  /** stop quietly at an incomplete last event (a file the server is still writing) */
  readonly allowTruncatedTail?: boolean;
}

/**
 * Decodes archived binlog files into committed transactions, in commit order. The
 * dictionary supplies names, signedness, charsets and labels the binlog may lack; a row
 * that does not match its dictionary stops with the table, position and fix named.
 */
export async function* captureOffline(opts: OfflineCaptureOptions): AsyncGenerator<Transaction, BinlogPosition | undefined> {
  // the dictionary version is looked up at the TABLE_MAP's own position (events are decoded
  // a buffer ahead of the assembler, so "the last event handled" would lag behind)
  const at = (map: TableMapEvent): BinlogPosition => binlogPosition(decoder.source, map.header.offset);
  const decoder: BinlogDecoder = new BinlogDecoder({
    decodeValue: readColumnValue,
    resolveColumns: (map): BinlogColumn[] | undefined =>
      mergeColumns(map, opts.dictionary.entryAt(map.schema, map.table, () => at(map)), () => `${decoder.source} at ${map.header.offset}`),
    ...(opts.tableAllowed ? { skipRowsOf: (map: TableMapEvent) => !opts.tableAllowed!(map.schema, map.table) } : {}),
  });
  const ddlTracker = new DdlDictionaryTracker(opts.dictionary);
  const assembler = new TransactionAssembler({
    onDdl: (schema, sql, after) => ddlTracker.onDdl(schema, sql, after),
    origin: opts.origin,
    ddl: opts.ddl,
    describe: (map) => describeTable(map, opts.dictionary.entryAt(map.schema, map.table, () => at(map))),
    ...(opts.gtid ? { gtid: opts.gtid } : {}),
    ...(opts.tableAllowed ? { tableAllowed: opts.tableAllowed } : {}),
    ...(opts.maxOpsPerPart ? { maxOpsPerPart: opts.maxOpsPerPart } : {}),
  });
  const reader = new BinlogFileReader(opts.inputs, {
    decoder,
    ...(opts.allowTruncatedTail ? { allowTruncatedTail: true } : {}),
  });
  for await (const batch of reader.eventBatches(opts.start)) {
    for (const fe of batch) for (const tx of assembler.push(fe)) yield tx;
  }
  return assembler.position;
}

export { DictionaryView };
