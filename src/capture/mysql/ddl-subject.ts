import { ddlSubject, parseMysqlDdl } from '../../dialect/mysql/mysql-ddl-parse';
import type { DdlOp, Transaction } from '../../model/change';

/**
 * The table a DDL statement is about, attached to its op so the send's filter keeps or
 * drops it with the table, and the map renames it: without this every DDL of the source,
 * whatever its schema, would travel to every target. CREATE DATABASE carries its schema
 * with an empty table name, and so do statements on no table (GRANT, CREATE VIEW), with
 * their default schema. Statements naming several tables (DROP TABLE a, b) go by the
 * first one.
 */
export function withDdlSubject(tx: Transaction): Transaction {
  if (!tx.ops.some((o) => o.kind === 'ddl' && o.table === undefined)) return tx;
  return { ...tx, ops: tx.ops.map((o) => (o.kind === 'ddl' && o.table === undefined ? attach(o) : o)) };
}

function attach(op: DdlOp): DdlOp {
  const { statement: st } = parseMysqlDdl(op.sql);
  // a statement on no table (GRANT, CREATE VIEW ...) goes with its default schema
  const ref = st ? ddlSubject(st) : { schema: op.schema, table: '' };
  return { ...op, table: { schema: ref.schema ?? op.schema, table: ref.table, columns: [] } };
}
