import * as fs from 'node:fs';
import { binlogPath, readAll } from '../../../test/support/corpora';
import { readColumnValue } from './values';
import { encodeMysqlVarlenUint, mysqlVarlenUint } from './codec';
import { binlogDumpGtidCommand, encodeGtidSet, gtidSetEntries } from './gtid-binary';
import { BufferReader } from '../../wire/buffer-reader';

/** Re-encoding each real PREVIOUS_GTIDS event's set gives back the server's exact bytes. */
test.each([
  'mysql-found/rust_mysql_common/binlog_transaction_with_GTID_TAG.000001', // tagged (9.6)
  'mysql-found/rust_mysql_common/binlog_transaction_previous_GTID_no_tag.000001', // untagged (8.0.40)
  'mysql-found/rust_mysql_common/binlog_transaction_with_GTID.000001', // 5.6
])('%s: PREVIOUS_GTIDS bytes round-trip', async (rel) => {
  const file = binlogPath(rel);
  const { items } = await readAll(file, readColumnValue);
  const ev = items.map((i) => i.event).find((e) => e.kind === 'previousGtids');
  if (!ev || ev.kind !== 'previousGtids') throw new Error('no PREVIOUS_GTIDS event');
  const raw = fs.readFileSync(file);
  const checksum = raw.length >= ev.header.offset + ev.header.eventSize && items[0]!.event.kind === 'formatDescription' && items[0]!.event.checksumAlg === 'crc32' ? 4 : 0;
  const body = raw.subarray(ev.header.offset + 19, ev.header.offset + ev.header.eventSize - checksum);
  expect(encodeGtidSet(ev.sets).equals(body)).toBe(true);
});

test('GTID set text → binary entries, end-exclusive', () => {
  const u = '55778904-0299-11f1-b1b8-4ef0c4956feb';
  expect(gtidSetEntries(`${u}:1-13:mytag:1-2`)).toEqual([
    { uuid: u, tag: '', intervals: [{ start: 1n, end: 14n }] },
    { uuid: u, tag: 'mytag', intervals: [{ start: 1n, end: 3n }] },
  ]);
  const cmd = binlogDumpGtidCommand(7, `${u}:1-5`);
  expect(cmd[0]).toBe(0x1e);
  expect(cmd.readUInt32LE(3)).toBe(7);
  const dataLen = cmd.readUInt32LE(1 + 2 + 4 + 4 + 8);
  expect(dataLen).toBe(8 + 16 + 8 + 16);
  expect(cmd.subarray(cmd.length - dataLen).equals(encodeGtidSet(gtidSetEntries(`${u}:1-5`)))).toBe(true);
});

test('varlen integers round-trip at every width', () => {
  for (const v of [0n, 1n, 127n, 128n, 16383n, 16384n, (1n << 56n) - 1n, 1n << 56n, (1n << 64n) - 1n]) {
    const b = encodeMysqlVarlenUint(v);
    expect(mysqlVarlenUint(new BufferReader(b, { what: 'varlen' }))).toBe(v);
  }
});
