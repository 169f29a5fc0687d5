import { SynctlError } from '../errors';

/**
 * A source log position. One small immutable value per source kind, totally ordered
 * within its kind, serialisable to a short string (stored in checkpoints and on the wire).
 */
export type Position = BinlogPosition | PgLsnPosition | MssqlLsnPosition;

export interface BinlogPosition {
  readonly kind: 'binlog';
  /** binlog file name, e.g. 'mysql-bin.000042' */
  readonly file: string;
  /** byte offset of the next event in that file */
  readonly pos: number;
  /** GTID set executed up to here ('' when the source has no GTIDs) */
  readonly gtid: string;
}

export interface PgLsnPosition {
  readonly kind: 'pg';
  /** commit (or end) LSN of the last complete transaction */
  readonly lsn: bigint;
}

export interface MssqlLsnPosition {
  readonly kind: 'mssql';
  /** binary(10) CDC LSN as 20 hex digits (fixed width, so string order is LSN order) */
  readonly lsn: string;
}

export function binlogPosition(file: string, pos: number, gtid = ''): BinlogPosition {
  return { kind: 'binlog', file, pos, gtid };
}

export function pgPosition(lsn: bigint | string): PgLsnPosition {
  return { kind: 'pg', lsn: typeof lsn === 'bigint' ? lsn : parsePgLsn(lsn) };
}

export function mssqlPosition(lsn: string | Buffer): MssqlLsnPosition {
  const hex = (Buffer.isBuffer(lsn) ? lsn.toString('hex') : lsn.replace(/^0x/i, '')).toLowerCase();
  if (!/^[0-9a-f]{20}$/.test(hex)) throw bad(`SQL Server LSN must be 10 bytes (20 hex digits): ${hex}`);
  return { kind: 'mssql', lsn: hex };
}

/** 'X/Y' PostgreSQL text form → bigint. */
export function parsePgLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw bad(`not a PostgreSQL LSN: '${text}'`);
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

export function formatPgLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Binlog file names end in a numeric extension that grows across rotations
 * ('mysql-bin.000009' < 'mysql-bin.000010' < 'mysql-bin.1000000').
 */
function binlogFileIndex(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : -1;
}

/** Total order within a kind; comparing positions of different kinds is a bug. */
export function comparePositions(a: Position, b: Position): number {
  if (a.kind !== b.kind) throw bad(`cannot compare a ${a.kind} position with a ${b.kind} position`);
  switch (a.kind) {
    case 'binlog': {
      const o = b as BinlogPosition;
      const fa = binlogFileIndex(a.file);
      const fb = binlogFileIndex(o.file);
      if (fa !== fb) return fa < fb ? -1 : 1;
      if (a.file !== o.file) return a.file < o.file ? -1 : 1;
      return a.pos === o.pos ? 0 : a.pos < o.pos ? -1 : 1;
    }
    case 'pg': {
      const o = b as PgLsnPosition;
      return a.lsn === o.lsn ? 0 : a.lsn < o.lsn ? -1 : 1;
    }
    case 'mssql': {
      const o = b as MssqlLsnPosition;
      return a.lsn === o.lsn ? 0 : a.lsn < o.lsn ? -1 : 1;
    }
  }
}

/**
 * Serialised form, stable and human-readable:
 *   binlog:mysql-bin.000042:1234[:gtid-set]   pg:16/B374D848   mssql:0000002a000001f80003
 */
export function formatPosition(p: Position): string {
  switch (p.kind) {
    case 'binlog':
      return p.gtid ? `binlog:${p.file}:${p.pos}:${p.gtid}` : `binlog:${p.file}:${p.pos}`;
    case 'pg':
      return `pg:${formatPgLsn(p.lsn)}`;
    case 'mssql':
      return `mssql:${p.lsn}`;
  }
}

export function parsePosition(text: string): Position {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (kind) {
    case 'binlog': {
      // file names contain no ':'; a GTID set may (uuid:1-5,uuid2:1-3)
      const m = /^([^:]+):(\d+)(?::(.*))?$/.exec(rest);
      if (!m) break;
      return binlogPosition(m[1]!, Number(m[2]), m[3] ?? '');
    }
    case 'pg':
      return pgPosition(rest);
    case 'mssql':
      return mssqlPosition(rest);
  }
  throw bad(`not a position: '${text}'`);
}

function bad(message: string): SynctlError {
  return new SynctlError('WIRE_DECODE', message);
}
