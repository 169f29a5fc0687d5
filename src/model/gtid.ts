import { SynctlError } from '../errors';

/**
 * GTID state carried in binlog positions, in each server family's own text form, so a
 * DBA can paste it into the server (`START REPLICA ... SOURCE_AUTO_POSITION`,
 * `SET GLOBAL gtid_slave_pos = ...`).
 */

/** MySQL executed-GTID set: 'uuid:1-5:7,uuid2[:tag]:1-3'. */
export class MysqlGtidSet {
  /** source id ('uuid' or 'uuid:tag') → sorted, non-overlapping [start, end] intervals (inclusive) */
  private readonly sets = new Map<string, [bigint, bigint][]>();

  static parse(text: string): MysqlGtidSet {
    const set = new MysqlGtidSet();
    const t = text.replace(/\s+/g, '');
    if (t === '') return set;
    for (const part of t.split(',')) {
      const fields = part.split(':');
      const uuid = fields[0]!.toLowerCase();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) throw bad(`not a GTID set: '${text}' (bad uuid '${fields[0]}')`);
      let tag = '';
      for (const f of fields.slice(1)) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(f);
        if (m) set.addInterval(tag ? `${uuid}:${tag}` : uuid, BigInt(m[1]!), BigInt(m[2] ?? m[1]!));
        else if (/^[a-z_][a-z0-9_]{0,31}$/i.test(f)) tag = f.toLowerCase();
        else throw bad(`not a GTID set: '${text}' (bad interval '${f}')`);
      }
    }
    return set;
  }

  clone(): MysqlGtidSet {
    const c = new MysqlGtidSet();
    for (const [k, v] of this.sets) c.sets.set(k, v.map(([a, b]) => [a, b]));
    return c;
  }

  add(sid: string, gno: bigint): void {
    this.addInterval(sid.toLowerCase(), gno, gno);
  }

  /** Adds gnos start..end (inclusive). */
  addRange(sid: string, start: bigint, end: bigint): void {
    this.addInterval(sid.toLowerCase(), start, end);
  }

  contains(sid: string, gno: bigint): boolean {
    return (this.sets.get(sid.toLowerCase()) ?? []).some(([a, b]) => gno >= a && gno <= b);
  }

  private addInterval(sid: string, start: bigint, end: bigint): void {
    const list = this.sets.get(sid) ?? [];
    list.push([start, end]);
    list.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const merged: [bigint, bigint][] = [];
    for (const iv of list) {
      const last = merged[merged.length - 1];
      if (last && iv[0] <= last[1] + 1n) last[1] = iv[1] > last[1] ? iv[1] : last[1];
      else merged.push([iv[0], iv[1]]);
    }
    this.sets.set(sid, merged);
  }

  /** (sid, inclusive intervals) in sid order */
  *intervals(): IterableIterator<[string, readonly (readonly [bigint, bigint])[]]> {
    for (const sid of [...this.sets.keys()].sort()) yield [sid, this.sets.get(sid)!];
  }

  toString(): string {
    // MySQL prints untagged intervals first, then tags in order, per uuid
    const byUuid = new Map<string, string[]>();
    for (const sid of [...this.sets.keys()].sort()) {
      const [uuid, tag] = sid.split(':');
      const ivs = this.sets.get(sid)!.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(':');
      const parts = byUuid.get(uuid!) ?? [];
      parts.push(tag ? `${tag}:${ivs}` : ivs);
      byUuid.set(uuid!, parts);
    }
    return [...byUuid].map(([uuid, parts]) => `${uuid}:${parts.join(':')}`).join(',');
  }
}

/** MariaDB GTID position: the last GTID per replication domain, 'domain-server-seq,...'. */
export class MariadbGtidPos {
  private readonly domains = new Map<number, { server: number; seq: bigint }>();

  static parse(text: string): MariadbGtidPos {
    const pos = new MariadbGtidPos();
    for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = /^(\d+)-(\d+)-(\d+)$/.exec(part);
      if (!m) throw bad(`not a MariaDB GTID position: '${text}'`);
      pos.domains.set(Number(m[1]), { server: Number(m[2]), seq: BigInt(m[3]!) });
    }
    return pos;
  }

  clone(): MariadbGtidPos {
    const c = new MariadbGtidPos();
    for (const [d, v] of this.domains) c.domains.set(d, { ...v });
    return c;
  }

  apply(domain: number, server: number, seq: bigint): void {
    this.domains.set(domain, { server, seq });
  }

  toString(): string {
    return [...this.domains]
      .sort((a, b) => a[0] - b[0])
      .map(([d, v]) => `${d}-${v.server}-${v.seq}`)
      .join(',');
  }
}

function bad(message: string): SynctlError {
  return new SynctlError('WIRE_DECODE', message);
}
