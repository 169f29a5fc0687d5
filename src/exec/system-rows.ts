import type { TrxidRow } from './target';

/** DMHS_TRXID_TABLE rows as either engine returns them (column names upper or lower case). */
export function parseTrxidRows(rows: readonly Record<string, unknown>[]): TrxidRow[] {
  return rows.map((r) => {
    const get = (name: string): unknown => r[name] ?? r[name.toLowerCase()];
    return {
      siteid: Number(get('SITEID')),
      worker: Number(get('WORKER')),
      seq: BigInt(String(get('SEQ'))),
      position: String(get('POS') ?? ''),
      xid: String(get('XID') ?? ''),
      commitTimeUs: Number(get('COMMIT_TIME') ?? 0),
      trxCount: BigInt(String(get('TRX_COUNT') ?? '0')),
    };
  });
}
