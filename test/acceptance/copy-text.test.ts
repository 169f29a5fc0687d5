/**
 * The COPY text encoder (src/dialect/postgres/pg-copy-text.ts) against the server's own
 * decoding: the same values written once as exec writes them (INSERT with pgLiteral) and
 * once through COPY FROM STDIN with copyLine must give identical rows.
 */
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import type { BoundColumn } from '../../src/dialect/bound-table';
import { copyLine } from '../../src/dialect/postgres/pg-copy-text';
import { PG_APPLY_SESSION, pgLiteral } from '../../src/dialect/postgres/pg-literal';
import { pgColumnKind } from '../../src/dialect/postgres/postgres-normalize';
import { Temporal, type Value } from '../../src/model/value';
import { createDatabase, pgConnect } from '../harness';

const DB = 'copy_text_pg';

/** [name, PostgreSQL type, pg_type.typname, MySQL source type] */
const COLUMNS: [string, string, string, string][] = [
  ['id', 'integer', 'int4', 'int'],
  ['i8', 'bigint', 'int8', 'bigint'],
  ['nu', 'numeric(20,4)', 'numeric', 'decimal(20,4)'],
  ['r4', 'real', 'float4', 'float'],
  ['f8', 'double precision', 'float8', 'double'],
  ['bo', 'boolean', 'bool', 'tinyint(1)'],
  ['tx', 'text', 'text', 'text'],
  ['vc', 'varchar(40)', 'varchar', 'varchar(40)'],
  ['ch', 'char(5)', 'bpchar', 'char(5)'],
  ['by', 'bytea', 'bytea', 'blob'],
  ['bv', 'bit varying(5)', 'varbit', 'bit(5)'],
  ['uu', 'uuid', 'uuid', 'binary(16)'],
  ['dd', 'date', 'date', 'date'],
  ['ts', 'timestamp(6)', 'timestamp', 'datetime(6)'],
  ['tz', 'timestamptz(3)', 'timestamptz', 'timestamp(3)'],
  ['tm', 'time(2)', 'time', 'time(2)'],
  ['js', 'jsonb', 'jsonb', 'json'],
];

const ROWS: Value[][] = [
  [1, 9223372036854775807n, '-1234567890123456.1234', Math.fround(0.1), 0.30000000000000004, 1, 'tab\there\nnewline\r\\back \\N \'q\' "dq"', 'héllo 😀', 'ab', Buffer.from([0, 0x5c, 0x0a, 0xff]), Buffer.from([0x15]), Buffer.from('0123456789abcdef0123456789abcdef', 'hex'), new Temporal('date', '2024-02-29'), new Temporal('datetime', '1999-12-31 23:59:59.999999'), new Temporal('timestamptz', '2038-01-19 03:14:07.123+00:00'), new Temporal('time', '12:34:56.78'), '{"a": "x\\ny\\t\\\\", "b": [1, 2.5]}'],
  [2, -9223372036854775808n, '0.0001', -1.5, 1e300, 0, '', '\\N', ' ', Buffer.alloc(0), Buffer.from([0]), null, new Temporal('date', '0000-00-00'), new Temporal('datetime', '0000-00-00 00:00:00.000000'), new Temporal('timestamptz', '1970-01-01 00:00:01.000+00:00'), new Temporal('time', '00:00:00.01'), '[]'],
  [3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [4, 0n, '99999999.9999', NaN, -Infinity, true, '\\', 'a\tb', 'x', Buffer.from('\\x', 'latin1'), Buffer.from([0x1f]), null, new Temporal('date', '1000-01-01'), new Temporal('timestamptz', '2024-01-02 03:04:05.5+00:00'), new Temporal('timestamptz', '2024-06-01 12:00:00.001+00:00'), new Temporal('time', '23:59:59.99'), '"s\\u0000"'.replace('\\u0000', 'x')],
];

let pg: Client;

beforeAll(async () => {
  await createDatabase('postgres', DB);
  pg = await pgConnect({ database: DB });
  for (const s of PG_APPLY_SESSION) await pg.query(s);
  for (const t of ['by_insert', 'by_copy']) await pg.query(`CREATE TABLE ${t} (${COLUMNS.map(([n, ty]) => `${n} ${ty}`).join(', ')})`);
});

afterAll(async () => {
  await pg?.end();
});

test('COPY text of every value reads back exactly as the INSERT literal does', async () => {
  const cols: BoundColumn[] = COLUMNS.map(([name, type, typname, src]) => ({ name, type, kind: pgColumnKind(typname), source: { name, type: src, key: false, nullable: true } }));
  const opts = { zeroDate: null };
  for (const r of ROWS) await pg.query(`INSERT INTO by_insert VALUES (${r.map((v, i) => pgLiteral(v, cols[i]!, opts)).join(', ')})`);
  const idx = cols.map((_, i) => i);
  const copy = pg.query(copyFrom('COPY by_copy FROM STDIN'));
  const done = once(copy, 'finish');
  copy.end(ROWS.map((r) => copyLine(r, idx, cols, opts)).join(''));
  await done;
  const read = async (t: string): Promise<unknown[]> => (await pg.query(`SELECT ${COLUMNS.map(([n]) => `${n}::text AS ${n}`).join(', ')} FROM ${t} ORDER BY id`)).rows;
  const a = await read('by_insert');
  expect(a).toHaveLength(ROWS.length);
  expect(await read('by_copy')).toEqual(a);
  // spot checks that the values are the intended ones, not just equal to each other
  expect(a[0]).toMatchObject({ tx: 'tab\there\nnewline\r\\back \\N \'q\' "dq"', by: '\\x005c0aff', bv: '10101', bo: 'true' });
  expect(a[1]).toMatchObject({ vc: '\\N', tx: '', dd: null, ts: null });
  expect(a[2]).toMatchObject({ i8: null, tx: null });
});
