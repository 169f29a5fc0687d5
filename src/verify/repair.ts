/**
 * --repair: turns the differences found into target statements (insert missing, delete
 * extra, update differing), written in batches of `batch` changes, one target transaction
 * per batch. Values are the source's canonical texts, which every target type accepts back
 * (binary as hex through UNHEX()/decode(), booleans as 0/1).
 */
import type { DiffSink } from './compare';
import type { PairPlan } from './plan';
import type { Text, TextRow } from './side';

export interface RepairCounts {
  inserted: number;
  deleted: number;
  updated: number;
}

type Stmt = { sql: string; params: Text[] };

export class Repairer {
  readonly counts: RepairCounts = { inserted: 0, deleted: 0, updated: 0 };
  private inserts: TextRow[] = [];
  private deletes: TextRow[] = [];
  private updates: TextRow[] = [];
  private readonly dst;
  private readonly ph: (n: number, col: number, key: boolean) => string;

  constructor(
    private readonly plan: PairPlan,
    private readonly batch: number,
  ) {
    this.dst = plan.dst;
    const d = this.dst;
    this.ph = (n, col, key) => (key ? d.side.keyParam(d.cols[col]!, n) : d.side.valueParam(d.cols[col]!, n));
  }

  /** a DiffSink that records into this repairer (`also` sees every difference first) */
  sink(also?: DiffSink): DiffSink {
    return {
      missing: async (r) => {
        await also?.missing(r);
        this.inserts.push(r);
        await this.maybeFlush();
      },
      extra: async (r) => {
        await also?.extra(r);
        this.deletes.push(r);
        await this.maybeFlush();
      },
      differ: async (s, t, cols) => {
        await also?.differ(s, t, cols);
        this.updates.push(s);
        await this.maybeFlush();
      },
    };
  }

  private async maybeFlush(): Promise<void> {
    if (this.inserts.length + this.deletes.length + this.updates.length >= this.batch) await this.flush();
  }

  async flush(): Promise<void> {
    const stmts: Stmt[] = [...this.deleteStmts(), ...this.updateStmts(), ...this.insertStmts()];
    if (stmts.length === 0) return;
    await this.dst.side.write(stmts);
    this.counts.deleted += this.deletes.length;
    this.counts.updated += this.updates.length;
    this.counts.inserted += this.inserts.length;
    this.deletes = [];
    this.updates = [];
    this.inserts = [];
  }

  private keyWhere(row: TextRow, first: number): Stmt {
    const d = this.dst;
    const keyIdx = this.plan.keyIdx;
    if (keyIdx.length === 0) {
      // no key: the row is addressed by every canonical text (NULL-safe)
      return {
        sql: d.canon.map((e, i) => d.side.nullSafeEq(e, `${d.side.engine === 'pg' ? `$${first + i}` : '?'}`)).join(' AND '),
        params: [...row],
      };
    }
    return {
      sql: keyIdx.map((ci, j) => `${d.keyExprs[j]} = ${this.ph(first + j, ci, true)}`).join(' AND '),
      params: keyIdx.map((i) => row[i]!),
    };
  }

  private deleteStmts(): Stmt[] {
    const d = this.dst;
    return this.deletes.map((r) => {
      const w = this.keyWhere(r, 1);
      const sql = this.plan.keyIdx.length === 0 ? d.side.deleteOne(d.from, w.sql) : `DELETE FROM ${d.from} WHERE ${w.sql}`;
      return { sql, params: w.params };
    });
  }

  private updateStmts(): Stmt[] {
    const d = this.dst;
    const keys = new Set(this.plan.keyIdx);
    const set = d.cols.map((_, i) => i).filter((i) => !keys.has(i));
    return this.updates.map((r) => {
      const assign = set.map((ci, j) => `${d.side.ident(d.cols[ci]!.name)} = ${this.ph(j + 1, ci, false)}`);
      const w = this.keyWhere(r, set.length + 1);
      return { sql: `UPDATE ${d.from} SET ${assign.join(', ')} WHERE ${w.sql}`, params: [...set.map((i) => r[i]!), ...w.params] };
    });
  }

  private insertStmts(): Stmt[] {
    if (this.inserts.length === 0) return [];
    const d = this.dst;
    const cols = d.cols.map((c) => d.side.ident(c.name)).join(', ');
    // PostgreSQL takes at most 65535 parameters per statement
    const per = Math.max(1, Math.floor(60000 / d.cols.length));
    const out: Stmt[] = [];
    for (let s = 0; s < this.inserts.length; s += per) {
      const rows = this.inserts.slice(s, s + per);
      const params: Text[] = [];
      const values = rows.map((r) => {
        const base = params.length;
        params.push(...r);
        return `(${d.cols.map((_, i) => this.ph(base + i + 1, i, false)).join(', ')})`;
      });
      out.push({ sql: `INSERT INTO ${d.from} (${cols}) VALUES ${values.join(', ')}`, params });
    }
    return out;
  }
}
