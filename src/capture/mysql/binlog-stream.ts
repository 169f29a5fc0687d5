import { EventEmitter } from 'node:events';
import * as mysql from 'mysql2';
import { SynctlError } from '../../errors';
import { logger } from '../../log';
import type { BinlogDecoder } from './decoder';
import type { BinlogFileEvent } from './file-reader';
import { binlogDumpGtidCommand } from './gtid-binary';
import { GATHER_MS, gatherTrickle, type TrickleSocket } from './trickle';

const log = logger('binlog-dump');

/*
 * mysql2 has no usable replication API (its BinlogDump decodes four event kinds and
 * fails on MariaDB), but its connection does the handshake, auth plugins and TLS. So we
 * queue one command object of our own on that connection, as zongji does: mysql2 calls
 * `execute(packet, connection)` with no packet to start it, then once per reply packet,
 * until it returns true. The connection methods used here (addCommand, writePacket,
 * _resetSequenceId, stream) are mysql2 internals; the live capture test exercises them
 * against the harness server, so an upgrade that changes them fails there first.
 */
interface Mysql2Packet {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
  isEOF(): boolean;
  isError(): boolean;
  asError(encoding?: string): Error;
}
interface Mysql2Internals {
  addCommand(cmd: RawCommand): void;
  writePacket(packet: OutgoingPacket): void;
  _resetSequenceId(): void;
}

/** The shape writePacket needs: a buffer with 4 bytes reserved for the packet header. */
class OutgoingPacket {
  readonly buffer: Buffer;
  constructor(body: Buffer) {
    this.buffer = Buffer.alloc(4 + body.length);
    body.copy(this.buffer, 4);
  }
  length(): number {
    return this.buffer.length - 4;
  }
  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer.writeUInt8(sequenceId & 0xff, 3);
  }
}

/** Writes one command packet, then hands reply packets to `onPacket` while it returns true. */
class RawCommand extends EventEmitter {
  private started = false;
  constructor(
    private readonly body: Buffer,
    private readonly onPacket: (p: Mysql2Packet) => boolean,
  ) {
    super();
  }
  execute(packet: Mysql2Packet | null | undefined, connection: Mysql2Internals): boolean {
    if (!this.started) {
      this.started = true;
      connection._resetSequenceId();
      connection.writePacket(new OutgoingPacket(this.body));
      return false;
    }
    if (!packet) return false;
    if (packet.isError()) {
      this.emit('error', packet.asError('utf8'));
      this.emit('end');
      return true;
    }
    if (this.onPacket(packet)) return false;
    this.emit('end');
    return true;
  }
}

const COM_BINLOG_DUMP = 0x12;
const COM_REGISTER_SLAVE = 0x15;

export interface BinlogStreamOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** server_id this reader registers as: must differ from every server and replica */
  readonly serverId: number;
  readonly decoder: BinlogDecoder;
  /** start file and offset */
  readonly file: string;
  readonly pos: number;
  /** MariaDB GTID position to start from instead of file:pos ('' = use file:pos) */
  readonly mariadbGtid?: string;
  /** MySQL executed-GTID set to start after (COM_BINLOG_DUMP_GTID, auto-position) instead of file:pos */
  readonly mysqlGtid?: string;
  /** seconds between server heartbeats when idle (default 5) */
  readonly heartbeatSec?: number;
  /** ends the stream (cleanly) when aborted */
  readonly signal?: AbortSignal;
  /** how long the socket rests after a trickle of events (default GATHER_MS; 0 = never) */
  readonly gatherMs?: number;
}

/** Facts about the source the dump needs, read over an ordinary connection. */
export interface SourceInfo {
  readonly mariadb: boolean;
  readonly version: string;
  readonly checksum: 'crc32' | 'off';
  readonly file: string;
  readonly pos: number;
  readonly gtid: string;
  /** the source's clock minus ours, in seconds (±1: binlog timestamps are whole seconds) */
  readonly clockAheadSec: number;
}

function q<T>(conn: mysql.Connection, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) =>
    conn.query(sql, (err, rows) => (err ? reject(err) : resolve(rows as unknown as T[]))),
  );
}

function connect(o: Pick<BinlogStreamOptions, 'host' | 'port' | 'user' | 'password'>): Promise<mysql.Connection> {
  const conn = mysql.createConnection({ host: o.host, port: o.port, user: o.user, password: o.password, supportBigNumbers: true, bigNumberStrings: true });
  return new Promise((resolve, reject) => {
    conn.connect((err) => (err ? reject(new SynctlError('NET', `cannot connect to the source ${o.host}:${o.port}: ${err.message}`)) : resolve(conn)));
  });
}

/** Server flavour, checksum setting and the current end of its binlog. */
export async function readSourceInfo(o: Pick<BinlogStreamOptions, 'host' | 'port' | 'user' | 'password'>): Promise<SourceInfo> {
  const conn = await connect(o);
  try {
    const [v] = await q<{ version: string; cs: string; fmt: string; now: string | number }>(
      conn,
      'SELECT @@version AS version, @@global.binlog_checksum AS cs, @@global.binlog_format AS fmt, UNIX_TIMESTAMP() AS now',
    );
    const clockAheadSec = Number(v!.now) - Math.floor(Date.now() / 1000);
    if (String(v!.fmt).toUpperCase() !== 'ROW') {
      throw new SynctlError('STATE', `source ${o.host}:${o.port} has binlog_format=${v!.fmt}: capture needs ROW (SET GLOBAL binlog_format=ROW)`);
    }
    const mariadb = /mariadb/i.test(v!.version);
    const status = await q<{ File: string; Position: number | string }>(conn, 'SHOW MASTER STATUS').catch(() =>
      q<{ File: string; Position: number | string }>(conn, 'SHOW BINARY LOG STATUS'),
    );
    if (!status[0]) throw new SynctlError('STATE', `source ${o.host}:${o.port} has no binary log (log_bin is off)`);
    const [g] = mariadb
      ? await q<{ g: string }>(conn, 'SELECT @@gtid_binlog_pos AS g')
      : await q<{ g: string }>(conn, 'SELECT @@gtid_executed AS g');
    return {
      mariadb,
      version: v!.version,
      checksum: String(v!.cs).toUpperCase() === 'CRC32' ? 'crc32' : 'off',
      file: status[0].File,
      pos: Number(status[0].Position),
      gtid: String(g?.g ?? ''),
      clockAheadSec,
    };
  } finally {
    conn.destroy();
  }
}

/**
 * The live binlog: registers as a replica and streams events from file:pos (or a MariaDB
 * GTID position), in the same shape as the file reader's eventBatches so one assembler
 * serves both. Yields runs of the events that have arrived, each decoded only when the
 * consumer takes it (so a DDL's dictionary refresh still precedes the next TABLE_MAP's
 * decoding): one await per run, not per event, whose generator machinery was 14 % of live capture's CPU
 * (bench/apply --lag-profile). A run must be taken whole before the next is asked for.
 * Ends with an error when the connection drops; the caller reconnects from its last
 * committed position.
 */
export async function* streamBinlog(o: BinlogStreamOptions, info: SourceInfo): AsyncGenerator<Iterable<BinlogFileEvent>> {
  const conn = await connect(o);
  const internals = conn as unknown as Mysql2Internals;
  const hbNs = BigInt(o.heartbeatSec ?? 5) * 1_000_000_000n;
  await q(conn, `SET @master_binlog_checksum = @@global.binlog_checksum, @source_binlog_checksum = @@global.binlog_checksum`);
  await q(conn, `SET @master_heartbeat_period = ${hbNs}`);
  if (info.mariadb) {
    await q(conn, 'SET @mariadb_slave_capability = 4');
    if (o.mariadbGtid) {
      await q(conn, `SET @slave_connect_state = ${mysql.escape(o.mariadbGtid)}`);
      await q(conn, 'SET @slave_gtid_strict_mode = 1');
      await q(conn, 'SET @slave_gtid_ignore_duplicates = 0');
    }
  }
  o.decoder.setChecksum(info.checksum);

  // COM_REGISTER_SLAVE: server id, empty host/user/password, port, rank, master id
  const reg = Buffer.alloc(1 + 4 + 3 + 2 + 4 + 4);
  reg.writeUInt8(COM_REGISTER_SLAVE, 0);
  reg.writeUInt32LE(o.serverId, 1);
  await new Promise<void>((resolve, reject) => {
    const cmd = new RawCommand(reg, () => false);
    cmd.once('end', () => resolve());
    cmd.once('error', (e: Error) => reject(new SynctlError('NET', `COM_REGISTER_SLAVE refused: ${e.message}`)));
    internals.addCommand(cmd);
  });

  const gtidMode = info.mariadb && !!o.mariadbGtid;
  const mysqlGtidMode = !info.mariadb && !!o.mysqlGtid;
  let dump: Buffer;
  if (mysqlGtidMode) {
    dump = binlogDumpGtidCommand(o.serverId, o.mysqlGtid!);
  } else {
    const name = Buffer.from(gtidMode ? '' : o.file, 'utf8');
    dump = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
    dump.writeUInt8(COM_BINLOG_DUMP, 0);
    dump.writeUInt32LE(gtidMode ? 4 : o.pos, 1);
    dump.writeUInt16LE(0, 5); // blocking: wait for new events
    dump.writeUInt32LE(o.serverId, 7);
    name.copy(dump, 11);
  }

  // packets arrive faster than the consumer may take them: queue them, pause the socket when far ahead
  let queue: (Buffer | Error | null)[] = [];
  let wake: (() => void) | undefined;
  let paused = false;
  const stream = (conn as unknown as { stream: TrickleSocket & { destroy(): void } }).stream;
  /** source time (s) of the newest event read; heartbeats carry none */
  let newestEventSec = 0;
  const gather = gatherTrickle(stream, o.gatherMs ?? GATHER_MS, () => Date.now() / 1000 + info.clockAheadSec - newestEventSec);
  // counted, not timed: a clock read per packet was measurable at tens of thousands a second
  let packets = 0;
  const push = (item: Buffer | Error | null) => {
    queue.push(item);
    if (queue.length > 10_000 && !paused) {
      paused = true;
      gather.hold();
    }
    wake?.();
  };
  const cmd = new RawCommand(dump, (p) => {
    if (p.isEOF()) {
      push(null);
      return false;
    }
    // OK byte, then one whole event (mysql2 joins packets over 16 MiB). Copied, so a
    // decoded value that keeps a view of its event does not keep the socket's read alive
    packets++;
    const ts = p.buffer.readUInt32LE(p.start + 5); // the event header, after the OK byte
    if (ts !== 0) newestEventSec = ts;
    const ev = Buffer.allocUnsafe(p.end - p.start - 5);
    p.buffer.copy(ev, 0, p.start + 5, p.end);
    push(ev);
    return true;
  });
  cmd.on('error', (e: Error & { errno?: number }) =>
    push(
      e.errno === 1236
        ? // ER_MASTER_FATAL_ERROR_READING_BINLOG: the position is gone (purged) or invalid; retrying cannot help
          new SynctlError('STATE', `source ${o.host}:${o.port} cannot send the binlog from ${o.file}:${o.pos}: ${e.message} (purged? take a new dictionary and initial load, or choose --start)`)
        : new SynctlError('NET', `binlog dump from ${o.host}:${o.port} failed: ${e.message}`),
    ),
  );
  conn.on('error', (e: Error) => push(new SynctlError('NET', `binlog dump connection to ${o.host}:${o.port} lost: ${e.message}`)));
  conn.on('end', () => push(new SynctlError('NET', `binlog dump connection to ${o.host}:${o.port} closed`)));
  internals.addCommand(cmd);
  o.signal?.addEventListener('abort', () => push(null), { once: true });
  // the server sends a heartbeat every heartbeatSec when idle: silence for 3 of them is a dead link
  let lastPacketAt = Date.now();
  let seenPackets = 0;
  const watchdog = setInterval(() => {
    if (packets !== seenPackets) {
      seenPackets = packets;
      lastPacketAt = Date.now();
    } else if (Date.now() - lastPacketAt > 3000 * (o.heartbeatSec ?? 5)) {
      push(new SynctlError('NET', `binlog dump from ${o.host}:${o.port}: no event or heartbeat for ${Math.round((Date.now() - lastPacketAt) / 1000)} s`));
    }
  }, 1000);
  watchdog.unref();
  log.info(`dumping from ${gtidMode ? `GTID ${o.mariadbGtid}` : mysqlGtidMode ? `after GTID set ${o.mysqlGtid}` : `${o.file}:${o.pos}`} (${info.mariadb ? 'MariaDB' : 'MySQL'} ${info.version})`);

  let file = o.file;
  let ended = false;
  /** the queued packets as events, decoded one by one as the consumer takes them */
  function* decodeRun(items: readonly (Buffer | Error | null)[]): Generator<BinlogFileEvent> {
    for (const item of items) {
      if (item === null) {
        ended = true;
        return;
      }
      if (item instanceof Error) throw item;
      const logPos = item.readUInt32LE(13);
      const size = item.readUInt32LE(9);
      const offset = logPos === 0 ? 0 : logPos - size;
      o.decoder.source = file;
      const event = o.decoder.decode(item, offset);
      if (event.kind === 'rotate') {
        file = event.nextFile;
        o.decoder.source = file;
        if (event.artificial) continue;
      }
      if (event.kind === 'heartbeat') continue;
      yield { event, file, path: file, offset, nextPos: logPos === 0 ? offset : logPos };
    }
  }
  try {
    while (!ended) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const items = queue;
      queue = [];
      if (paused) {
        paused = false;
        gather.resume();
      }
      yield decodeRun(items);
    }
  } finally {
    clearInterval(watchdog);
    gather.stop();
    // mysql2's destroy() only half-closes; a server in binlog dump would keep the socket open
    stream.destroy();
    conn.destroy();
  }
}
