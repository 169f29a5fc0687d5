/**
 * Chunks into a PostgreSQL table by COPY ... FROM STDIN (text format, pg-copy-streams):
 * rows encoded by pg-copy-text.ts (the same conversions as exec's literals), buffered into
 * ~256 KB writes, the stream's backpressure passed back to the reader. REPLACE/UPDATE:
 * COPY into a temporary table (emptied at each commit), merged into the table by
 * INSERT ... ON CONFLICT DO UPDATE / UPDATE ... FROM before the commit.
 */
import { once } from 'node:events';
import { Client } from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import { mergeColumns, type BulkTarget, type ChunkWriter } from '../../load/chunk-writer';
import type { Row } from '../../model/change';
import type { BoundColumn } from '../bound-table';
import type { ZeroDateRule } from '../zero-date';
import { copyLine } from './pg-copy-text';
import { PG_APPLY_SESSION } from './pg-literal';
import { pgQuoteIdent } from './postgres-normalize';

const FLUSH_BYTES = 256 * 1024;
const STAGE = 'pg_temp.synctl_copy_stage';

/** The temporary table a REPLACE/UPDATE chunk is copied into, and the statement merging it into the table. */
function staging(t: BulkTarget): { create: string; merge: string | undefined } | undefined {
  if (t.mode === 'insert') return undefined;
  const q = pgQuoteIdent;
  const table = `${q(t.bound.schema)}.${q(t.bound.table)}`;
  const { all, key, set } = mergeColumns(t);
  const create = `CREATE TEMP TABLE IF NOT EXISTS synctl_copy_stage (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
  if (t.mode === 'replace') {
    const tail = set.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${set.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}`;
    return { create, merge: `INSERT INTO ${table} (${all.map(q).join(', ')}) SELECT ${all.map(q).join(', ')} FROM ${STAGE} ON CONFLICT (${key.map(q).join(', ')}) ${tail}` };
  }
  const on = key.map((c) => `d.${q(c)} = s.${q(c)}`).join(' AND ');
  return { create, merge: set.length === 0 ? undefined : `UPDATE ${table} AS d SET ${set.map((c) => `${q(c)} = s.${q(c)}`).join(', ')} FROM ${STAGE} AS s WHERE ${on}` };
}

class PgBulkWriter implements ChunkWriter {
  private copy: CopyStreamQuery | undefined;
  private done: Promise<unknown> | undefined;
  private pending = '';
  private readonly copySql: string;
  private readonly cols: readonly BoundColumn[];
  private readonly opts: { zeroDate: ZeroDateRule };
  private failure: Error | undefined;
  private readonly stage: ReturnType<typeof staging>;

  constructor(
    private readonly client: Client,
    readonly label: string,
    private readonly t: BulkTarget,
    zeroDate: ZeroDateRule,
  ) {
    const b = t.bound;
    this.cols = b.columns as BoundColumn[];
    this.opts = { zeroDate };
    this.stage = staging(t);
    this.copySql = `COPY ${this.stage ? STAGE : `${pgQuoteIdent(b.schema)}.${pgQuoteIdent(b.table)}`} (${t.columns.map((i) => pgQuoteIdent(b.columns[i]!.name)).join(', ')}) FROM STDIN`;
  }

  async begin(): Promise<void> {
    if (this.stage) await this.client.query(this.stage.create);
    await this.client.query('BEGIN');
    const copy = this.client.query(copyFrom(this.copySql));
    this.failure = undefined;
    this.done = new Promise((resolve, reject) => {
      copy.on('finish', resolve);
      copy.on('error', (e: Error) => {
        this.failure = e;
        reject(e);
      });
    });
    this.done.catch(() => undefined); // observed in commit()
    this.copy = copy;
  }

  write(row: Row): Promise<void> | undefined {
    this.pending += copyLine(row, this.t.columns, this.cols, this.opts);
    if (this.pending.length < FLUSH_BYTES) return undefined;
    return this.flush();
  }

  private async flush(): Promise<void> {
    const copy = this.copy!;
    if (this.failure) throw this.failure;
    const text = this.pending;
    this.pending = '';
    if (text !== '' && !copy.write(text)) {
      await Promise.race([once(copy, 'drain'), this.done]);
    }
  }

  async commit(progressSql: string): Promise<void> {
    await this.flush();
    this.copy!.end();
    await this.done;
    this.copy = undefined;
    if (this.stage?.merge) await this.client.query(this.stage.merge);
    await this.client.query(progressSql);
    await this.client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    this.pending = '';
    if (this.copy) {
      const copy = this.copy;
      this.copy = undefined;
      // end the COPY with an error so the server leaves COPY mode, then roll back
      copy.destroy(new Error('chunk abandoned'));
      await this.done?.catch(() => undefined);
    }
    await this.client.query('ROLLBACK').catch(() => undefined);
  }

  async run(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export async function openPgBulkWriter(db: DbConnection, t: BulkTarget, zeroDate: ZeroDateRule): Promise<ChunkWriter> {
  const label = `postgres ${db.server}:${db.port}/${db.database || 'postgres'}`;
  const client = new Client({ host: db.server, port: db.port, user: db.user, password: db.password, database: db.database || 'postgres', application_name: 'synctl copy' });
  try {
    await client.connect();
    for (const s of PG_APPLY_SESSION) await client.query(s);
    // a chunk commit need not wait for its WAL flush: a lost commit is a chunk CONTINUE loads again
    await client.query('SET synchronous_commit = off');
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new SynctlError('DB', `${label}: cannot connect as ${db.user}: ${(e as Error).message}`, { target: label }, { cause: e });
  }
  client.on('error', () => undefined);
  return new PgBulkWriter(client, label, t, zeroDate);
}
