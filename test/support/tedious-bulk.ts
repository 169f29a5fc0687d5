/**
 * Test support (no jest globals here): what a bulk load sends to SQL Server, without one.
 * mssql's real `request.bulk` runs over a tedious Connection whose execBulkLoad encodes
 * the rows into a buffer instead of a socket (no SQL Server can run where synctl is tested).
 */
import type { Table } from 'mssql';
import { BULK_OPTIONS } from '../../src/dialect/mssql/mssql-bulk-table';
import type { MssqlModule } from '../../src/dialect/mssql/mssql-session';

/** The INSERT BULK statement tedious would send, the row bytes (TDS ROW tokens) and the row count. */
export async function encodeBulk(sql: MssqlModule, table: Table): Promise<{ sql: string; bytes: Buffer; rows: number }> {
  const tds = await import('tedious');
  const { Collation } = await import('tedious/lib/collation.js');
  const { Readable } = await import('node:stream');
  const conn = Object.create(tds.Connection.prototype) as InstanceType<typeof tds.Connection> & Record<string, unknown>;
  Object.assign(conn, { _events: {}, _eventsCount: 0, databaseCollation: Collation.fromBuffer(Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34])), config: { options: { tdsVersion: '7_4', useUTC: true } } });
  let sqlText = '';
  const chunks: Buffer[] = [];
  conn.execBulkLoad = ((bulk: { getBulkInsertSql(): string; rowToPacketTransform: NodeJS.ReadWriteStream; callback: (e: Error | null, n?: number) => void }, rows: unknown[]) => {
    sqlText = bulk.getBulkInsertSql();
    bulk.rowToPacketTransform.on('data', (c: Buffer) => chunks.push(c));
    bulk.rowToPacketTransform.on('error', (e: Error) => bulk.callback(e));
    bulk.rowToPacketTransform.on('end', () => bulk.callback(null, rows.length));
    Readable.from(rows).pipe(bulk.rowToPacketTransform);
  }) as never;
  const parent = { connected: true, config: {}, acquire: (_r: unknown, cb: (e: null, c: unknown) => void) => cb(null, conn), release: () => undefined, _aborted: false };
  const r = await new sql.Request(parent as never).bulk(table, BULK_OPTIONS);
  return { sql: sqlText, bytes: Buffer.concat(chunks), rows: r.rowsAffected };
}

/** `n` as `size` little-endian bytes (TDS integers, scaled times, decimal magnitudes). */
export function le(n: bigint, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return b;
}
