/**
 * The logical replication slot and publication a copy from PostgreSQL leaves behind for
 * capture, and the snapshot the copy reads at.
 *
 * CREATE_REPLICATION_SLOT ... LOGICAL pgoutput (SNAPSHOT 'export') on a replication
 * connection returns the slot's consistent_point and the name of a snapshot in which
 * every transaction committed before that LSN is visible and none after it. Reader
 * sessions import it (SET TRANSACTION SNAPSHOT) for as long as the replication connection
 * runs no other command, so the connection stays open, idle, until the load ends.
 * Capture later streams the slot from consistent_point: every table copied at the
 * snapshot has POS = consistent_point, and exec skips its changes at or below it.
 *
 * Decisions for a slot that already exists (a second copy run):
 *  - CONTINUE of a table an earlier run left 'loading' needs no new snapshot: it keeps
 *    its recorded POS and reads the rest at a fresh snapshot (capture replays the slot's
 *    changes after POS over the rows, which converges as for MySQL sources);
 *  - tables loaded fresh while the slot exists read at the snapshot of a TEMPORARY slot
 *    created for this run (dropped when the run ends): its consistent_point is their POS.
 *    The permanent slot has confirmed no LSN past the current one, so capture from it
 *    still sees every change of those tables after their POS; the tables are added to
 *    the publication before the temporary slot is created so that capture decodes them.
 *
 * TRUNCATE is not MVCC-safe in PostgreSQL: a source table truncated while the copy reads
 * it reads as empty in the snapshot. Do not truncate source tables during a copy.
 */
import { Client } from 'pg';
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import { pgQuote } from './pg-literal';
import { pgQuoteIdent } from './postgres-normalize';

export interface ExportedSnapshot {
  /** the snapshot name readers import */
  readonly name: string;
  /** consistent_point, 'X/Y' */
  readonly lsn: string;
  readonly slot: string;
  readonly temporary: boolean;
}

export function pgClientConfig(db: DbConnection, extra: { replication?: 'database'; application_name?: string } = {}): ConstructorParameters<typeof Client>[0] {
  return { host: db.server, port: db.port, user: db.user, password: db.password, database: db.database || 'postgres', connectionTimeoutMillis: 10_000, ...extra };
}

export const pgSourceLabel = (db: DbConnection): string => `PostgreSQL source ${db.server}:${db.port}/${db.database || 'postgres'}`;

/** A connected client, or a NET error naming the source (never the password). */
export async function connectPg(db: DbConnection, extra: { replication?: 'database'; application_name?: string } = {}): Promise<Client> {
  const c = new Client(pgClientConfig(db, extra));
  c.on('error', () => undefined); // a broken connection surfaces as the next query's error
  try {
    await c.connect();
  } catch (e) {
    await c.end().catch(() => undefined);
    throw new SynctlError('NET', `cannot connect to the ${pgSourceLabel(db)}${extra.replication ? ' (replication connection)' : ''} as ${db.user}: ${(e as Error).message}`, {}, { cause: e });
  }
  return c;
}

/** Refuses a source that cannot have a logical slot: wal_level, the REPLICATION attribute. */
export async function checkSlotPrerequisites(client: Client, db: DbConnection): Promise<void> {
  const wal = String((await client.query<{ w: string }>('SELECT current_setting($1) AS w', ['wal_level'])).rows[0]?.w);
  if (wal !== 'logical') {
    throw new SynctlError('USAGE', `dmhs/cpt: the ${pgSourceLabel(db)} has wal_level = ${wal}: COPY from PostgreSQL creates a logical replication slot (set wal_level = logical and restart the server)`);
  }
  const r = await client.query<{ ok: boolean }>('SELECT rolreplication OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user');
  if (r.rows[0]?.ok !== true) {
    throw new SynctlError('USAGE', `dmhs/cpt/db_user: ${db.user} on the ${pgSourceLabel(db)} has no REPLICATION attribute: COPY creates a replication slot (ALTER ROLE ${pgQuoteIdent(db.user)} REPLICATION)`);
  }
}

/** Creates the publication for `tables`, or adds those it lacks (FOR ALL TABLES publications are left alone). */
export async function ensurePublication(client: Client, name: string, tables: readonly { schema: string; table: string }[]): Promise<void> {
  const q = (t: { schema: string; table: string }): string => `${pgQuoteIdent(t.schema)}.${pgQuoteIdent(t.table)}`;
  const pub = await client.query<{ all: boolean }>('SELECT puballtables AS all FROM pg_publication WHERE pubname = $1', [name]);
  const fail = (e: unknown): never => {
    throw new SynctlError('USAGE', `dmhs/cpt/publication: cannot create or extend publication ${name}: ${(e as Error).message} (the copying user needs CREATE on the database and to own the tables)`, {}, { cause: e });
  };
  if (pub.rows.length === 0) {
    if (tables.length > 0) await client.query(`CREATE PUBLICATION ${pgQuoteIdent(name)} FOR TABLE ${tables.map(q).join(', ')}`).catch(fail);
    else await client.query(`CREATE PUBLICATION ${pgQuoteIdent(name)}`).catch(fail);
    return;
  }
  if (pub.rows[0]!.all) return;
  const have = await client.query<{ s: string; t: string }>('SELECT schemaname AS s, tablename AS t FROM pg_publication_tables WHERE pubname = $1', [name]);
  const known = new Set(have.rows.map((r) => `${r.s}\u0000${r.t}`));
  const missing = tables.filter((t) => !known.has(`${t.schema}\u0000${t.table}`));
  if (missing.length > 0) await client.query(`ALTER PUBLICATION ${pgQuoteIdent(name)} ADD TABLE ${missing.map(q).join(', ')}`).catch(fail);
}

/**
 * The slot to create: `slot` itself, or a temporary one beside it when `slot` exists
 * (see the header). Refuses a slot of the same name that capture could not use.
 */
async function slotToCreate(client: Client, slot: string): Promise<{ name: string; temporary: boolean }> {
  const r = await client.query<{ plugin: string | null; type: string; db: string | null; here: boolean }>(
    'SELECT plugin, slot_type AS type, database AS db, database = current_database() AS here FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const s = r.rows[0];
  if (s === undefined) return { name: slot, temporary: false };
  if (s.type !== 'logical' || s.plugin !== 'pgoutput' || !s.here) {
    throw new SynctlError('USAGE', `dmhs/cpt/slot_name: slot ${slot} exists but is a ${s.type} slot${s.plugin ? ` of ${s.plugin}` : ''}${s.db ? ` in database ${s.db}` : ''}: capture needs a logical pgoutput slot in this database (drop it or name another slot)`);
  }
  return { name: `${slot}_copy_${process.pid}`.slice(0, 63), temporary: true };
}

/**
 * Creates the slot (or a temporary one, see slotToCreate) on a new replication connection
 * and returns it with the exported snapshot; the connection must stay open and idle while
 * readers import the snapshot (close() ends it).
 */
export async function createSlotSnapshot(db: DbConnection, slot: string): Promise<{ snapshot: ExportedSnapshot; close: () => Promise<void> }> {
  const probe = await connectPg(db);
  let target: { name: string; temporary: boolean };
  let version: number;
  try {
    target = await slotToCreate(probe, slot);
    version = Number((await probe.query<{ v: string }>('SHOW server_version_num')).rows[0]?.v ?? 0);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const repl = await connectPg(db, { replication: 'database', application_name: 'synctl copy' });
  try {
    // PostgreSQL 15 takes options in parentheses; older servers the bare EXPORT_SNAPSHOT keyword
    const opts = version >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT';
    const r = await repl.query<{ slot_name: string; consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${pgQuoteIdent(target.name)}${target.temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput ${opts}`,
    );
    const row = r.rows[0];
    if (row === undefined || !row.snapshot_name) throw new Error('the server returned no snapshot');
    return {
      snapshot: { name: row.snapshot_name, lsn: row.consistent_point, slot: row.slot_name, temporary: target.temporary },
      close: () => repl.end().catch(() => undefined),
    };
  } catch (e) {
    await repl.end().catch(() => undefined);
    throw new SynctlError('STATE', `${pgSourceLabel(db)}: cannot create replication slot ${target.name}: ${(e as Error).message}`, {}, { cause: e });
  }
}

/** The statement a reader session imports the exported snapshot with (inside BEGIN ISOLATION LEVEL REPEATABLE READ). */
export const setSnapshotSql = (s: ExportedSnapshot): string => `SET TRANSACTION SNAPSHOT ${pgQuote(s.name)}`;
