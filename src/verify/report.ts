/** Human and JSON renderings of a VerifyReport, and its exit code. */
import Table from 'cli-table3';
import type { TableReport, VerifyReport } from './types';

/** 0 everything compared is equal, 1 differences (or a table on one side only), 2 a table could not be compared. */
export function exitCodeOf(r: VerifyReport): number {
  if (r.tables.some((t) => t.status === 'error')) return 2;
  return r.equal ? 0 : 1;
}

const STYLE = { head: [] as string[], border: [] as string[], compact: true };

function status(t: TableReport): string {
  switch (t.status) {
    case 'compared': {
      const d = t.missingOnTarget + t.extraOnTarget + t.differing;
      const base = `${t.createdOnTarget === true ? 'CREATED; ' : ''}${d === 0 ? 'equal' : 'DIFFERENT'}`;
      if (t.repair === undefined) return base;
      return `${base}; repaired +${t.repair.inserted} -${t.repair.deleted} ~${t.repair.updated}: ${t.repair.equalAfter ? 'equal now' : 'STILL DIFFERENT'}`;
    }
    case 'missing-target':
      return 'MISSING ON TARGET';
    case 'missing-source':
      return 'ONLY ON TARGET';
    case 'skipped':
      return `skipped: ${t.reason ?? ''}`;
    case 'error':
      return `NOT COMPARED: ${t.reason ?? ''}`;
  }
}

function methodText(x: TableReport): string {
  if (x.method === undefined) return '-';
  const m = x.method === 'chunk-hash' ? `hash ${x.chunksDescended}/${x.chunks}` : x.reason?.startsWith('no primary key') ? 'rows (no key, slower)' : 'rows';
  return x.rowFilter === undefined ? m : `${m}, filtered`;
}

export function formatReport(r: VerifyReport, withRows: boolean): string {
  const t = new Table({
    head: ['source', 'target', 'rows', 'missing', 'extra', 'differing', 'columns', 'method', 'seconds', 'result'],
    style: STYLE,
  });
  for (const x of r.tables) {
    t.push([
      x.source || '-',
      x.target || '-',
      String(x.rowsCompared),
      String(x.missingOnTarget),
      String(x.extraOnTarget),
      String(x.differing),
      x.differingColumns.join(',') || '-',
      methodText(x),
      x.seconds.toFixed(2),
      status(x),
    ]);
  }
  const lines = [t.toString()];
  if (withRows) {
    for (const x of r.tables) {
      for (const k of x.keys ?? []) {
        const key = k.key.map((v) => (v === null ? 'NULL' : JSON.stringify(v))).join(', ');
        lines.push(`${k.kind.padEnd(7)} ${x.target} (${key})${k.columns !== undefined ? ' ' + k.columns.join(',') : ''}`);
      }
      if (x.keysTruncated === true) lines.push(`...     ${x.target}: more differing keys than listed`);
    }
  }
  for (const x of r.tables) if (x.rowFilter !== undefined) lines.push(`${x.source}: only rows the send's filter replicates: ${x.rowFilter}`);
  lines.push(`${r.equal ? 'equal' : 'DIFFERENT'}: ${r.sourceType} -> ${r.targetType}, ${r.tables.length} table(s), ${r.seconds.toFixed(2)} s`);
  return lines.join('\n') + '\n';
}
