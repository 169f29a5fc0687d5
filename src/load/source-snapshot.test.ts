import { Temporal } from '../model/value';
import { chunkQuery, keyParams, storeKey } from './source-snapshot';
import { converterFor } from './source-values';
import { parseSeqidRow } from './seqid';
import { seqidSql } from './target-engine';

describe('chunkQuery', () => {
  const t = { schema: 'app', table: 'orders' };
  test('first chunk: key order and LIMIT, no key condition', () => {
    expect(chunkQuery(t, ['`id`', '`v`'], ['id'], undefined, 1000, undefined)).toEqual({
      sql: 'SELECT `id`, `v` FROM `app`.`orders` ORDER BY `id` LIMIT 1000',
      params: [],
    });
  });
  test('next chunk of a composite key: (k1, k2) > (a, b) spelled out, with the WHERE mask', () => {
    const after = storeKey(['x', 5]);
    expect(chunkQuery(t, ['`k1`', '`k2`', '`v`'], ['k1', 'k2'], after, 10, 'v > 3')).toEqual({
      sql: 'SELECT `k1`, `k2`, `v` FROM `app`.`orders` WHERE (v > 3) AND ((`k1` > ?) OR (`k1` = ? AND `k2` > ?)) ORDER BY `k1`, `k2` LIMIT 10',
      params: ['x', 'x', 5],
    });
  });
  test('a table without a key is one chunk', () => {
    expect(chunkQuery(t, ['`a`'], [], undefined, 10, undefined).sql).toBe('SELECT `a` FROM `app`.`orders`');
  });
  test('stored keys survive JSON (bytes as hex)', () => {
    const k = JSON.parse(JSON.stringify(storeKey([1, 'é', Buffer.from([0, 255])]))) as ReturnType<typeof storeKey>;
    expect(keyParams(k)).toEqual([1, 'é', Buffer.from([0, 255])]);
  });
});

describe('converterFor gives the binlog decoder\'s value kinds', () => {
  test.each([
    ['bigint', '-9223372036854775808', -9223372036854775808n],
    ['int', 42, 42],
    ['float', 0.1, Math.fround(0.1)],
    ['double', 0.1, 0.1],
    ['decimal', '12.3400', '12.3400'],
    ['date', '2024-02-29', new Temporal('date', '2024-02-29')],
    ['datetime', '2024-01-02 03:04:05.000001', new Temporal('datetime', '2024-01-02 03:04:05.000001')],
    ['timestamp', '2024-01-02 03:04:05.123', new Temporal('timestamptz', '2024-01-02 03:04:05.123+00:00')],
    ['time', '-838:59:59', new Temporal('time', '-838:59:59')],
    ['varchar', 'x', 'x'],
    ['bigint', null, null],
  ] as const)('%s %p', (dataType, raw, value) => {
    expect(converterFor({ dataType })(raw)).toEqual(value);
  });
});

describe('DMHS_TABLE_SEQID statements', () => {
  test('PostgreSQL: lower-case names, upsert of the loading row, progress with done', () => {
    const s = seqidSql('pg', 'synctl');
    expect(s.loading('app', 't', 'binlog:f.000001:4', { chunks: 0, rows: 0 })).toBe(
      `INSERT INTO "synctl".dmhs_table_seqid (schema_name, table_name, pos, status, chunks_done, updated_at) VALUES ('app', 't', 'binlog:f.000001:4', 'loading', '{"chunks":0,"rows":0}', now()) ON CONFLICT (schema_name, table_name) DO UPDATE SET pos = EXCLUDED.pos, status = EXCLUDED.status, chunks_done = EXCLUDED.chunks_done, updated_at = EXCLUDED.updated_at`,
    );
    expect(s.progress('app', 't', { chunks: 2, rows: 9, last: [{ n: 9 }] }, true)).toBe(
      `UPDATE "synctl".dmhs_table_seqid SET chunks_done = '{"chunks":2,"rows":9,"last":[{"n":9}]}', updated_at = now(), status = 'done' WHERE schema_name = 'app' AND table_name = 't'`,
    );
  });
  test('the gate row is locked FOR UPDATE before tables are marked loading; range progress merged in the database', () => {
    expect(seqidSql('pg', 'synctl').rangeProgress('app', 't', 2, { chunks: 1, rows: 5, done: false })).toBe(
      `UPDATE "synctl".dmhs_table_seqid SET chunks_done = jsonb_set(chunks_done::jsonb, '{ranges,2}', '{"chunks":1,"rows":5,"done":false}'::jsonb)::text, updated_at = now() WHERE schema_name = 'app' AND table_name = 't'`,
    );
    expect(seqidSql('mysql', 'synctl').rangeProgress('app', 't', 0, { chunks: 1, rows: 5, done: true })).toBe(
      "UPDATE `synctl`.DMHS_TABLE_SEQID SET CHUNKS_DONE = JSON_SET(CHUNKS_DONE, '$.ranges[0]', JSON_EXTRACT('{\"chunks\":1,\"rows\":5,\"done\":true}', '$')), UPDATED_AT = NOW(6) WHERE SCHEMA_NAME = 'app' AND TABLE_NAME = 't'",
    );
    expect(seqidSql('mysql', 'synctl').lockGate()).toBe("SELECT STATUS AS status FROM `synctl`.DMHS_TABLE_SEQID WHERE SCHEMA_NAME = '' AND TABLE_NAME = '' FOR UPDATE");
    expect(seqidSql('mysql', 'synctl').loading('app', 't', 'p', { chunks: 0, rows: 0 })).toBe(
      "INSERT INTO `synctl`.DMHS_TABLE_SEQID (SCHEMA_NAME, TABLE_NAME, POS, STATUS, CHUNKS_DONE, UPDATED_AT) VALUES ('app', 't', 'p', 'loading', '{\"chunks\":0,\"rows\":0}', NOW(6)) ON DUPLICATE KEY UPDATE POS = VALUES(POS), STATUS = VALUES(STATUS), CHUNKS_DONE = VALUES(CHUNKS_DONE), UPDATED_AT = VALUES(UPDATED_AT)",
    );
  });
  test('MySQL: upper-case names', () => {
    const s = seqidSql('mysql', 'synctl');
    expect(s.progress('app', 't', { chunks: 1, rows: 1 }, false)).toBe(
      "UPDATE `synctl`.DMHS_TABLE_SEQID SET CHUNKS_DONE = '{\"chunks\":1,\"rows\":1}', UPDATED_AT = NOW(6) WHERE SCHEMA_NAME = 'app' AND TABLE_NAME = 't'",
    );
  });
  test('unreadable CHUNKS_DONE is an error naming the table, not "nothing done"', () => {
    expect(() => parseSeqidRow({ pos: 'p', status: 'loading', chunks_done: 'garbage' }, 'synctl.DMHS_TABLE_SEQID app.t')).toThrow(
      'synctl.DMHS_TABLE_SEQID app.t: CHUNKS_DONE is not synctl\'s progress JSON (garbage): load the table again with TRUNCATE|INSERT',
    );
    expect(parseSeqidRow({ POS: 'p', STATUS: 'done', CHUNKS_DONE: '{"chunks":3,"rows":7}' }, 'x')).toEqual({ pos: 'p', status: 'done', chunks: { chunks: 3, rows: 7 } });
  });
});
