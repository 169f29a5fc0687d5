import { SynctlError } from '../../errors';
import { MysqlGtidSet } from '../../model/gtid';
import { encodeMysqlVarlenUint } from './codec';
import type { GtidSetEntry } from './events';

/**
 * MySQL's binary GTID set (the PREVIOUS_GTIDS body, and the data of COM_BINLOG_DUMP_GTID):
 *   untagged: n_sids u64 | per sid: uuid(16) | n_intervals u64 | (start u64, end u64 exclusive)*
 *   tagged (8.3+): the u64 holds format byte | n_sids (6 bytes) | format byte, and each
 *   uuid is followed by its tag (varlen length + bytes)
 */
export function encodeGtidSet(sets: readonly GtidSetEntry[]): Buffer {
  const tagged = sets.some((s) => s.tag !== '');
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  const n = BigInt(sets.length);
  head.writeBigUInt64LE(tagged ? (1n << 56n) | (n << 8n) | 1n : n);
  parts.push(head);
  for (const s of sets) {
    const uuid = Buffer.from(s.uuid.replace(/-/g, ''), 'hex');
    if (uuid.length !== 16) throw new SynctlError('USAGE', `not a server uuid: ${s.uuid}`);
    parts.push(uuid);
    if (tagged) {
      const tag = Buffer.from(s.tag, 'utf8');
      parts.push(encodeMysqlVarlenUint(BigInt(tag.length)), tag);
    }
    const iv = Buffer.alloc(8 + 16 * s.intervals.length);
    iv.writeBigUInt64LE(BigInt(s.intervals.length), 0);
    s.intervals.forEach((x, i) => {
      iv.writeBigUInt64LE(x.start, 8 + 16 * i);
      iv.writeBigUInt64LE(x.end, 16 + 16 * i);
    });
    parts.push(iv);
  }
  return Buffer.concat(parts);
}

/** A GTID set text ('uuid:1-5:7,uuid2:tag:3') as binary-set entries (intervals end-exclusive). */
export function gtidSetEntries(text: string): GtidSetEntry[] {
  const set = MysqlGtidSet.parse(text);
  const out: GtidSetEntry[] = [];
  for (const [sid, intervals] of set.intervals()) {
    const [uuid, tag] = sid.split(':');
    out.push({ uuid: uuid!, tag: tag ?? '', intervals: intervals.map(([a, b]) => ({ start: a, end: b + 1n })) });
  }
  return out;
}

const COM_BINLOG_DUMP_GTID = 0x1e;
const BINLOG_THROUGH_GTID = 0x04;

/** COM_BINLOG_DUMP_GTID body: start after every GTID in `gtidSet` (MySQL auto-position). */
export function binlogDumpGtidCommand(serverId: number, gtidSet: string): Buffer {
  const data = encodeGtidSet(gtidSetEntries(gtidSet));
  const b = Buffer.alloc(1 + 2 + 4 + 4 + 8 + 4 + data.length);
  let at = b.writeUInt8(COM_BINLOG_DUMP_GTID, 0);
  at = b.writeUInt16LE(BINLOG_THROUGH_GTID, at);
  at = b.writeUInt32LE(serverId, at);
  at = b.writeUInt32LE(0, at); // no file name: the server finds the file from the GTIDs
  at = b.writeBigUInt64LE(4n, at);
  at = b.writeUInt32LE(data.length, at);
  data.copy(b, at);
  return b;
}
