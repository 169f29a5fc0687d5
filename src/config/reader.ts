/**
 * Rule helpers for walking the element tree. Every check records its problem and goes on,
 * so one run reports every error; callers get `undefined` for a value that failed.
 * Each Elem remembers which child names it was asked about; `done()` then reports the rest
 * as unknown elements, with a did-you-mean from that list.
 */
import type { ConfigWarning } from './types';
import { didYouMean } from './suggest';
import type { XmlNode } from './xml';

interface Recorded {
  readonly line: number;
  readonly seq: number;
  readonly text: string;
}

export class Issues {
  private readonly errs: Recorded[] = [];
  readonly warnings: ConfigWarning[] = [];

  error(line: number, path: string, rule: string): void {
    this.errs.push({ line, seq: this.errs.length, text: `${path}: ${rule}` });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** `<path>: <rule>` lines in document order, so the first is the first problem in the file */
  get errors(): string[] {
    return [...this.errs].sort((a, b) => a.line - b.line || a.seq - b.seq).map((e) => e.text);
  }

  get ok(): boolean {
    return this.errs.length === 0;
  }
}

export interface IntRule {
  readonly min: number;
  readonly max: number;
  /** used when the element is absent; without one the element is required */
  readonly def?: number;
}

const INT = /^[+-]?\d+$/;

export class Elem {
  private readonly known = new Set<string>();

  constructor(
    readonly node: XmlNode,
    readonly path: string,
    readonly issues: Issues,
  ) {}

  get name(): string {
    return this.node.name;
  }

  get line(): number {
    return this.node.line;
  }

  /** Record an error on this element or on a named child of it. */
  error(rule: string, child?: string): void {
    const node = child === undefined ? this.node : this.nodes(child)[0];
    this.issues.error(node?.line ?? this.node.line, child === undefined ? this.path : `${this.path}/${child}`, rule);
  }

  warn(message: string, child?: string): void {
    this.issues.warn(child === undefined ? this.path : `${this.path}/${child}`, message);
  }

  has(name: string): boolean {
    this.known.add(name);
    return this.nodes(name).length > 0;
  }

  /** A single-valued child; a second occurrence is an error. */
  child(name: string): Elem | undefined {
    this.known.add(name);
    const found = this.nodes(name);
    const path = `${this.path}/${name}`;
    for (const dup of found.slice(1)) this.issues.error(dup.line, path, 'duplicate element (only one allowed)');
    const first = found[0];
    return first === undefined ? undefined : new Elem(first, path, this.issues);
  }

  /** A required single-valued child. */
  need(name: string, why = 'is required'): Elem | undefined {
    const c = this.child(name);
    if (c === undefined) this.issues.error(this.node.line, `${this.path}/${name}`, why);
    return c;
  }

  /** A repeatable child; paths get '[n]' when there are several. */
  children(name: string): Elem[] {
    this.known.add(name);
    const found = this.nodes(name);
    return found.map((n, i) => new Elem(n, `${this.path}/${found.length > 1 ? `${name}[${i + 1}]` : name}`, this.issues));
  }

  /** Text of a value child; undefined when absent. `required` reports its absence. */
  text(name: string, opts: { required?: boolean; allowEmpty?: boolean } = {}): string | undefined {
    const c = opts.required ? this.need(name) : this.child(name);
    if (c === undefined) return undefined;
    const v = c.value();
    if (v === undefined) return undefined;
    if (v === '' && !opts.allowEmpty) {
      c.error('is empty');
      return undefined;
    }
    return v;
  }

  int(name: string, rule: IntRule): number | undefined {
    const c = rule.def === undefined ? this.need(name) : this.child(name);
    if (c === undefined) return rule.def;
    return c.asInt(rule.min, rule.max);
  }

  /** 0|1 element as a boolean. */
  flag(name: string, def: boolean): boolean {
    const c = this.child(name);
    if (c === undefined) return def;
    const v = c.value();
    if (v === undefined) return def;
    if (v !== '0' && v !== '1') {
      c.error(v === '' ? 'is empty (expected 0 or 1)' : `'${v}' must be 0 or 1`);
      return def;
    }
    return v === '1';
  }

  /** One of a fixed set of words; `upper` accepts any case and stores upper case. */
  choice<T extends string>(name: string, values: readonly T[], opts: { def?: T; upper?: boolean }): T | undefined {
    const c = opts.def === undefined ? this.need(name) : this.child(name);
    if (c === undefined) return opts.def;
    const raw = c.value();
    if (raw === undefined) return undefined;
    const v = opts.upper ? raw.toUpperCase() : raw;
    if ((values as readonly string[]).includes(v)) return v as T;
    c.error(`'${raw}' is not one of ${values.join(', ')}${didYouMean(raw, values)}`);
    return undefined;
  }

  /** A DMHS element synctl accepts but does not use: warn when present. */
  ignored(name: string, why = 'accepted for DMHS compatibility; ignored by synctl'): void {
    const c = this.child(name);
    if (c === undefined) return;
    c.value();
    c.warn(why);
  }

  /** The element's own text; errors if it holds child elements instead. */
  value(): string | undefined {
    this.checkAttributes();
    if (this.node.children.length > 0) {
      this.error(`expected a value, found child element <${this.node.children[0]?.name}>`);
      return undefined;
    }
    return this.node.text;
  }

  asInt(min: number, max: number): number | undefined {
    const v = this.value();
    if (v === undefined) return undefined;
    if (v === '') {
      this.error('is empty (expected an integer)');
      return undefined;
    }
    if (!INT.test(v)) {
      this.error(`'${v}' is not an integer`);
      return undefined;
    }
    const n = Number(v);
    if (n < min || n > max) {
      this.error(`${v.replace(/^\+/, '')} is outside ${min}..${max}`);
      return undefined;
    }
    return n;
  }

  /** Report children nobody asked for, stray text and attributes. Call after reading. */
  done(): void {
    this.checkAttributes();
    if (this.node.text !== '') this.error(`unexpected text '${clip(this.node.text)}' (expected only child elements)`);
    const reported = new Set<string>();
    for (const c of this.node.children) {
      if (this.known.has(c.name) || reported.has(c.name)) continue;
      reported.add(c.name);
      this.issues.error(c.line, `${this.path}/${c.name}`, `unknown element${didYouMean(c.name, this.known)}`);
    }
  }

  private checkAttributes(): void {
    if (this.node.attributes.length > 0) this.error(`attributes are not supported (${this.node.attributes.join(', ')})`);
  }

  private nodes(name: string): XmlNode[] {
    return this.node.children.filter((c) => c.name === name);
  }
}

function clip(s: string): string {
  return s.length > 30 ? `${s.slice(0, 27)}...` : s;
}
