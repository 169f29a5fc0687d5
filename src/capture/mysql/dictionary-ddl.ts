import * as mysql from 'mysql2/promise';
import { parseCondition } from '../../dict/condition';
import { introspectMysql } from '../../dict/mysql-introspect';
import type { DictStore } from '../../dict/store';
import { logger } from '../../log';
import type { BinlogPosition } from '../../model/position';
import { ddlEffect, type TableRef } from './ddl-tables';
import type { DictionaryView } from './dictionary-columns';

const log = logger('dict');

/** Single-quoted literal for the COPY condition language. */
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Keeps the in-memory dictionary true across DDL in the stream. Every table a DDL
 * changes first gets a tombstone at the statement's position (rows after it decode from
 * the binlog's own metadata, never from a stale layout); a live capture then reads the
 * table's new layout from the source and saves it as a new version at that position.
 */
export class DdlDictionaryTracker {
  private pending: { table: TableRef; at: BinlogPosition }[] = [];
  private conn: mysql.Connection | undefined;

  constructor(
    private readonly view: DictionaryView,
    private readonly opts: {
      /** where new versions are saved (live capture); undefined: tombstones only */
      readonly store?: DictStore;
      readonly source?: { host: string; port: number; user: string; password: string; dbType: string };
      /** tables the capture replicates: a new one created in the stream gets a first version (live only) */
      readonly tableAllowed?: (schema: string, table: string) => boolean;
    } = {},
  ) {}

  /** The assembler's onDdl hook. */
  onDdl(schema: string, sql: string, after: BinlogPosition): void {
    const effect = ddlEffect(sql, schema);
    const live = !!(this.opts.store && this.opts.source);
    if (live) {
      for (const t of effect.changed) {
        const unknown = !this.view.has(t.schema, t.table);
        if (unknown && (this.opts.tableAllowed?.(t.schema, t.table) ?? false)) this.pending.push({ table: t, at: after });
      }
    }
    for (const t of [...effect.dropped, ...effect.changed]) {
      // only tables with a dictionary can go stale; a DDL older than their newest version is already in it
      if (!this.view.staleAfter(t.schema, t.table, after)) continue;
      this.view.record(t.schema, t.table, after, undefined);
      if (live && effect.changed.includes(t)) this.pending.push({ table: t, at: after });
      else if (!live && effect.changed.includes(t)) {
        log.warn(`${t.schema}.${t.table} changed at ${after.file}:${after.pos}; later rows decode from the binlog's own metadata; refresh its dictionary: synctl copy 0 "SCH.NAME=${lit(t.schema)} AND TAB.NAME=${lit(t.table)}" DICT`);
      }
    }
  }

  /** a DDL left tables whose dictionary entry is to be read again from the source (refresh) */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Reads the new layouts of tables changed since the last call (live capture only). */
  async refresh(): Promise<void> {
    if (this.pending.length === 0 || !this.opts.store || !this.opts.source) return;
    const work = this.pending;
    this.pending = [];
    const s = this.opts.source;
    this.conn ??= await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
    for (const { table, at } of work) {
      const cond = parseCondition(`SCH.NAME=${lit(table.schema)} AND TAB.NAME=${lit(table.table)}`);
      const snap = await introspectMysql(this.conn, cond, { source: s.dbType });
      const entry = snap.entries[0];
      if (!entry) continue; // dropped again since: the tombstone stands
      await this.opts.store.saveVersion(entry, at, 'ddl');
      this.view.record(table.schema, table.table, at, entry);
      log.info(`dictionary of ${table.schema}.${table.table}: new version at ${at.file}:${at.pos} after DDL`);
    }
  }

  async close(): Promise<void> {
    await this.conn?.end().catch(() => undefined);
    this.conn = undefined;
  }
}
