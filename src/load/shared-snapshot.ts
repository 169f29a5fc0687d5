/**
 * One table read by several sessions at the same consistent snapshot (THREAD readers on
 * key ranges of one table). MariaDB cannot hand a snapshot to another session, so every
 * session starts its own, at an instant when the table cannot change:
 *
 *  - by default a separate session holds LOCK TABLES <table> READ (it waits for the
 *    table's writers in flight to commit, and holds new ones back for the few
 *    milliseconds it takes): each session starts its snapshot, the binlog position is read
 *    (MariaDB: the first snapshot's own Binlog_snapshot position), the lock is released. Transactions of other tables may commit meanwhile: they do not
 *    change this table, so every position read inside the lock is exact for it;
 *  - NOLOCK: the binlog position is read before and after starting the snapshots; when it
 *    did not move, they are all at it. Under steady writes it may keep moving: after a few
 *    tries the caller reads the table with one session.
 */
import { readBinlogPosition } from '../dict/mysql-introspect';
import { quoteIdent } from '../dialect/mysql/mysql-sql';
import type { BinlogPosition } from '../model/position';
import type { CptConfig } from '../config/types';
import { openSource, startSnapshot, type SourceSession } from './source-snapshot';

const same = (a: BinlogPosition, b: BinlogPosition): boolean => a.file === b.file && a.pos === b.pos && a.gtid === b.gtid;

async function startAll(sessions: readonly SourceSession[]): Promise<void> {
  await Promise.all(sessions.map((s) => s.conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT')));
}

/** Starts every session's snapshot at one position; undefined when that could not be had (NOLOCK under writes, or no LOCK TABLES grant). */
export async function startSharedSnapshot(
  cpt: CptConfig,
  sessions: readonly SourceSession[],
  table: { schema: string; table: string },
  nolock: boolean,
): Promise<BinlogPosition | undefined> {
  const first = sessions[0]!;
  if (nolock) {
    for (let i = 0; i < 10; i++) {
      const before = await readBinlogPosition(first.conn, first.flavor);
      await startAll(sessions);
      const after = await readBinlogPosition(first.conn, first.flavor);
      if (same(before, after)) return after;
      await Promise.all(sessions.map((s) => s.conn.query('ROLLBACK')));
      await new Promise((r) => setTimeout(r, 20 * (i + 1)));
    }
    return undefined;
  }
  const lock = await openSource(cpt, { geometry: false });
  try {
    try {
      await lock.conn.query(`LOCK TABLES ${quoteIdent(table.schema)}.${quoteIdent(table.table)} READ`);
    } catch {
      return undefined;
    }
    // the position is read by a reader (the locking session may read only the table it locked)
    if (first.flavor === 'mariadb') return (await Promise.all(sessions.map((x) => startSnapshot(x, true))))[0];
    await startAll(sessions);
    return await readBinlogPosition(first.conn, first.flavor);
  } finally {
    await lock.conn.query('UNLOCK TABLES').catch(() => undefined);
    await lock.conn.end().catch(() => undefined);
  }
}
