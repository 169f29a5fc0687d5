/**
 * Where a source table is replicated to: the send's filter decides whether it is replicated
 * at all, its map rules (with exec's toggle_case / case_sensitive) give the target schema,
 * table and column names. Both come from compileSendFilter itself, applied to a synthetic
 * one-row transaction, so verify can never disagree with capture about names.
 */
import type { CptConfig, ExecConfig } from '../config/types';
import { compileSendFilter } from '../filter';
import type { TableDescriptor, Transaction } from '../model/change';
import { binlogPosition } from '../model/position';
import type { VTable } from './types';

export interface TargetName {
  readonly schema: string;
  readonly table: string;
  /** target column name per source column; undefined when the map drops it */
  readonly columns: readonly (string | undefined)[];
}

export interface TableMapper {
  /** the send's filter replicates this table (row conditions aside) */
  allowed(schema: string, table: string): boolean;
  target(t: VTable): TargetName;
}

export function tableMapper(cpt: CptConfig, exec: ExecConfig): TableMapper {
  const opts = {
    caseInsensitive: !exec.caseSensitive,
    toggleCase: exec.toggleCase,
    itemPath: 'dmhs/cpt/send',
    ...(cpt.db.dbType === 'PG' || cpt.db.dbType === 'MSSQL' ? { database: cpt.db.database } : {}),
  };
  const filter = compileSendFilter(cpt.send.filter, cpt.send.map, opts);
  // the same map without the filter: row conditions must not drop the synthetic row
  const mapper = compileSendFilter({ enable: [], disable: [] }, cpt.send.map, opts);
  return {
    allowed: (schema, table) => filter.tableAllowed(schema, table),
    target(t: VTable): TargetName {
      const keys = new Set(t.key);
      const desc: TableDescriptor = {
        schema: t.schema,
        table: t.table,
        columns: t.columns.map((c) => ({ name: c.name, type: c.type, key: keys.has(c.name), nullable: true })),
      };
      // each value is its column's index: the mapped row says which source column went where
      const tx: Transaction = {
        origin: 0,
        position: binlogPosition('verify', 4),
        commitTimeUs: 0,
        xid: '',
        ops: [{ kind: 'insert', table: desc, after: t.columns.map((_, i) => i) }],
      };
      const op = mapper.apply(tx)?.ops[0];
      if (op === undefined || op.kind !== 'insert') return { schema: t.schema, table: t.table, columns: t.columns.map((c) => c.name) };
      const columns: (string | undefined)[] = t.columns.map(() => undefined);
      op.after.forEach((v, j) => {
        columns[v as number] = op.table.columns[j]!.name;
      });
      return { schema: op.table.schema, table: op.table.table, columns };
    },
  };
}
