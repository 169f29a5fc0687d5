/**
 * Chunks into a PostgreSQL table by COPY ... FROM STDIN (text format, pg-copy-streams):
 * rows encoded by pg-copy-text.ts (the same conversions as exec's literals), buffered into
 * ~256 KB writes, the stream's backpressure passed back to the reader.
 */
import { once } from 'node:events';
import { Client } from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import type { DbConnection } from '../../config/types';
import { SynctlError } from '../../errors';
import type { BulkTarget, ChunkWriter } from '../../load/chunk-writer';
import type { Row } from '../../model/change';
import type { BoundColumn } from '../bound-table';
import type { ZeroDateRule } from '../zero-date';
import { copyLine } from './pg-copy-text';
import { PG_APPLY_SESSION } from './pg-literal';
import { pgQuoteIdent } from './postgres-normalize';

const FLUSH_BYTES = 256 * 1024;

class PgBulkWriter implements ChunkWriter {
  private copy: CopyStreamQuery | undefined;
  private done: Promise<unknown> | undefined;
  private pending = '';
  private readonly copySql: string;
  private readonly cols: readonly BoundColumn[];
  private readonly opts: { zeroDate: ZeroDateRule };
  private failure: Error | undefined;

  constructor(
    private readonly client: Client,
    readonly label: string,
    private readonly t: BulkTarget,
    zeroDate: ZeroDateRule,
  ) {
    const b = t.bound;
    this.cols = b.columns as BoundColumn[];
    this.opts = { zeroDate };
    this.copySql = `COPY ${pgQuoteIdent(b.schema)}.${pgQuoteIdent(b.table)} (${t.columns.map((i) => pgQuoteIdent(b.columns[i]!.name)).join(', ')}) FROM STDIN`;
  }

  async begin(): Promise<void> {
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
