import { comparePositions, parsePosition, type Position } from '../model/position';
import type { Logger } from '../log';
import { SEQID_GATE, type ApplyTarget } from './target';

interface Entry {
  readonly pos: Position | undefined;
  readonly status: string;
}

/**
 * DMHS_TABLE_SEQID, written by `synctl copy` (the initial load): per target table, the
 * source position its copy is consistent at, and whether the copy is still loading.
 * Exec waits before touching a table that is loading, and skips a loaded table's changes
 * at or below its position (they are in the copy already): load + replication give the
 * source state with no gap and no double apply.
 */
export class TableSeqids {
  private entries = new Map<string, Entry>();
  private seen = '';

  constructor(private readonly log: Logger) {}

  private static key(schema: string, table: string): string {
    return `${schema}\u0000${table}`;
  }

  /**
   * Reads the table through `target`: inside a group's transaction after the gate row
   * (a copy may have marked a table since the last read), or at start, for planning the
   * first group (which its own read then checks).
   */
  async refresh(target: ApplyTarget): Promise<void> {
    this.update(await target.query(target.system.readTableSeqids()));
  }

  /**
   * The table as last read (rows of readTableSeqids()), as one string: equal strings mean
   * equal contents, so a plan made from an earlier read still holds.
   */
  get version(): string {
    return this.seen;
  }

  /** Takes rows of readTableSeqids() read by the caller (in a group's first round trip). */
  update(rows: readonly Record<string, unknown>[]): void {
    const next = new Map<string, Entry>();
    const seen: string[] = [];
    for (const r of rows) {
      const get = (n: string): unknown => r[n] ?? r[n.toLowerCase()];
      const status = String(get('STATUS') ?? '');
      if (status === SEQID_GATE.status) continue;
      const text = String(get('POS') ?? '');
      const key = TableSeqids.key(String(get('SCHEMA_NAME')), String(get('TABLE_NAME')));
      seen.push(`${key}\u0000${text}\u0000${status}`);
      let pos: Position | undefined;
      try {
        pos = text ? parsePosition(text) : undefined;
      } catch {
        pos = undefined;
      }
      next.set(key, { pos, status });
    }
    this.entries = next;
    this.seen = seen.sort().join('\u0001');
  }

  get empty(): boolean {
    return this.entries.size === 0;
  }

  /** A change at `p` to the target table is in its copy already. */
  covers(schema: string, table: string, p: Position): boolean {
    const e = this.entries.get(TableSeqids.key(schema, table));
    if (!e || e.status !== 'done' || !e.pos || e.pos.kind !== p.kind) return false;
    return comparePositions(p, e.pos) <= 0;
  }

  /** Every table whose initial load is running. */
  loadingTables(): { schema: string; table: string }[] {
    const out: { schema: string; table: string }[] = [];
    for (const [k, e] of this.entries) {
      if (e.status !== 'loading') continue;
      const [schema, table] = k.split('\u0000') as [string, string];
      out.push({ schema, table });
    }
    return out;
  }

  /** some table's initial load is running (as of the last read) */
  get anyLoading(): boolean {
    for (const e of this.entries.values()) if (e.status === 'loading') return true;
    return false;
  }

  loading(schema: string, table: string): boolean {
    return this.entries.get(TableSeqids.key(schema, table))?.status === 'loading';
  }

  /** Waits (re-reading the table) until none of `tables` is loading. */
  async waitLoaded(target: ApplyTarget, tables: readonly { schema: string; table: string }[]): Promise<void> {
    let told = false;
    for (;;) {
      const busy = tables.filter((t) => this.loading(t.schema, t.table));
      if (busy.length === 0) return;
      if (!told) {
        this.log.info(`waiting for the initial load of ${busy.map((t) => `${t.schema}.${t.table}`).join(', ')} to finish (DMHS_TABLE_SEQID)`);
        told = true;
      }
      await new Promise((r) => setTimeout(r, 500));
      await this.refresh(target);
    }
  }
}
