import type { Op, Row, TableDescriptor, Transaction } from '../model/change';
import { formatPosition } from '../model/position';
import { JsonDiff, Temporal, UNCHANGED, type Value } from '../model/value';

/**
 * `capture --format json`: one change per line, for scripts.
 *   {"pos":"binlog:mysql-bin.000042:1234:0-1-17","xid":"88","ts":"2026-11-21T08:00:00.000000Z",
 *    "op":"update","schema":"app","table":"t","before":{...},"after":{...}}
 * Values: integers as JSON numbers written exactly (also past 2^53: parse them with a
 * big-number-aware reader), DECIMAL/JSON/text as strings, floats as numbers, dates and
 * times as their text, binary as "0x…" hex, NULL as null. A column the source did not send
 * (UNCHANGED) is left out of its image. A MySQL partial JSON update is
 * {"$jsonDiff":[{"op":"replace","path":"$.a","value":1}, ...]}: apply it to the column's current value.
 */

function jsonValue(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
  }
  if (Buffer.isBuffer(v)) return `"0x${v.toString('hex')}"`;
  if (v instanceof Temporal) return JSON.stringify(v.text);
  if (v instanceof JsonDiff) {
    const steps = v.steps.map((st) => `{"op":"${st.op}","path":${JSON.stringify(st.path)}${st.value !== undefined ? `,"value":${st.value}` : ''}}`);
    return `{"$jsonDiff":[${steps.join(',')}]}`;
  }
  return 'null';
}

function image(t: TableDescriptor, row: Row): string {
  const parts: string[] = [];
  t.columns.forEach((c, i) => {
    const v = row[i]!;
    if (v !== UNCHANGED) parts.push(`${JSON.stringify(c.name)}:${jsonValue(v)}`);
  });
  return `{${parts.join(',')}}`;
}

/** microseconds since the epoch → ISO 8601 with 6 fraction digits */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

function opLine(head: string, op: Op): string {
  switch (op.kind) {
    case 'insert':
      return `${head},"op":"insert",${names(op.table)},"after":${image(op.table, op.after)}}`;
    case 'update':
      return `${head},"op":"update",${names(op.table)},"before":${image(op.table, op.before)},"after":${image(op.table, op.after)}}`;
    case 'delete':
      return `${head},"op":"delete",${names(op.table)},"before":${image(op.table, op.before)}}`;
    case 'truncate':
      return `${head},"op":"truncate",${names(op.table)}}`;
    case 'ddl':
      return `${head},"op":"ddl","schema":${JSON.stringify(op.schema)},"sql":${JSON.stringify(op.sql)}}`;
  }
}

function names(t: TableDescriptor): string {
  return `"schema":${JSON.stringify(t.schema)},"table":${JSON.stringify(t.table)}`;
}

export function transactionToJsonLines(tx: Transaction): string {
  const head = `{"pos":${JSON.stringify(formatPosition(tx.position))},"xid":${JSON.stringify(tx.xid)},"ts":"${isoMicros(tx.commitTimeUs)}"`;
  return tx.ops.map((op) => opLine(head, op)).join('\n') + (tx.ops.length ? '\n' : '');
}
