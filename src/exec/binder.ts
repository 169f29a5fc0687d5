import { bindTable, type BoundTable } from '../dialect/bound-table';
import { SynctlError } from '../errors';
import type { ToggleCase } from '../filter';
import type { TableDescriptor } from '../model/change';
import type { VTable } from '../verify/types';
import type { ApplyTarget } from './target';

export interface BinderOptions {
  /** names match exactly (else ignoring case) */
  readonly caseSensitive: boolean;
  /** 0 keep, 1 lower, 2 upper: applied to incoming names before they are looked up */
  readonly toggleCase: ToggleCase;
}

/**
 * Finds the target table for each incoming table descriptor and binds their columns by
 * name. Descriptors arrive anew with every frame, so bindings are cached by the
 * descriptor's shape, and the catalog is read once per schema until DDL invalidates it.
 */
export class TableBinder {
  private readonly byShape = new Map<string, BoundTable>();
  private byDescriptor = new WeakMap<TableDescriptor, BoundTable>();

  constructor(
    private readonly target: ApplyTarget,
    private readonly opts: BinderOptions,
  ) {}

  private name(n: string): string {
    return this.opts.toggleCase === 1 ? n.toLowerCase() : this.opts.toggleCase === 2 ? n.toUpperCase() : n;
  }

  /** A table's name as the target spells it (toggle_case applied) */
  targetName(schema: string, table: string): { schema: string; table: string } {
    return { schema: this.name(schema), table: this.name(table) };
  }

  /** The target table by name only (TRUNCATE may come without columns). */
  async targetTable(schema: string, table: string): Promise<VTable> {
    let t = await this.target.table(this.name(schema), this.name(table), this.opts.caseSensitive);
    if (t === undefined) {
      // the catalog is cached per schema: a table created since it was read (by a copy
      // that finished after exec first touched the schema) is only found by reading again
      this.target.invalidate();
      t = await this.target.table(this.name(schema), this.name(table), this.opts.caseSensitive);
    }
    if (t === undefined) {
      throw new SynctlError('APPLY_SCHEMA', `${this.target.label} has no table ${this.name(schema)}.${this.name(table)} (source ${schema}.${table}): create it (synctl copy ... CREATE) or map the table elsewhere`, {
        schema,
        table,
      });
    }
    return t;
  }

  /** The binding when this descriptor object was bound before (no await on the hot path). */
  cached(t: TableDescriptor): BoundTable | undefined {
    return this.byDescriptor.get(t);
  }

  async bind(t: TableDescriptor): Promise<BoundTable> {
    const hit = this.byDescriptor.get(t);
    if (hit) return hit;
    const shape = `${t.schema}\0${t.table}\0${t.columns.map((c) => `${c.name}\u0001${c.type}\u0001${c.key ? 1 : 0}`).join('\0')}`;
    let b = this.byShape.get(shape);
    if (b === undefined) {
      const target = await this.targetTable(t.schema, t.table);
      const exact = new Map(target.columns.map((c) => [c.name, c]));
      const folded = new Map(target.columns.map((c) => [c.name.toLowerCase(), c]));
      const lookup = (n: string) => exact.get(this.name(n)) ?? (this.opts.caseSensitive ? undefined : folded.get(this.name(n).toLowerCase()));
      for (const c of t.columns) {
        if (lookup(c.name) === undefined) {
          throw new SynctlError('APPLY_SCHEMA', `${this.target.label}: table ${target.schema}.${target.table} has no column ${this.name(c.name)} (source ${t.schema}.${t.table}.${c.name})`, {
            schema: t.schema,
            table: t.table,
            column: c.name,
          });
        }
      }
      b = bindTable(t, target, lookup);
      this.byShape.set(shape, b);
    }
    this.byDescriptor.set(t, b);
    return b;
  }

  invalidate(): void {
    this.byShape.clear();
    this.byDescriptor = new WeakMap();
    this.target.invalidate();
  }
}
