import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSynctlError } from '../errors';
import { binlogPosition, formatPosition } from '../model/position';
import type { DictionaryEntry } from './entry';
import { DictStore, decodeName, dictDirFor, encodeName, versionFileName } from './store';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-dict-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function entry(schema: string, table: string, cols: string[]): DictionaryEntry {
  return {
    schema,
    table,
    source: 'MARIADB',
    serverVersion: '10.11',
    columns: cols.map((name, i) => ({
      name,
      ordinal: i + 1,
      dataType: 'int',
      columnType: 'int(11)',
      mysqlTypeCode: 3,
      mysqlRealType: 3,
      unsigned: false,
      nullable: i > 0,
      key: i === 0,
      invisible: false,
      autoIncrement: false,
    })),
    primaryKey: [cols[0]!],
    uniqueKeys: [],
    rowKey: 'PRIMARY',
  };
}

test('dictDirFor: DICT/ beside the config', () => {
  expect(dictDirFor('/etc/synctl/dmhs.hs')).toBe('/etc/synctl/DICT');
  expect(dictDirFor('dmhs.hs')).toBe(path.join(process.cwd(), 'DICT'));
});

test('names are encoded reversibly and safely', () => {
  for (const n of ['app', 'APP', 'a b', 'a/b', '..', '.hidden', 'x.y', 'Été', '表', 'a%41', '', 'a:b*?"<>|\\', 'it\'s', '$tmp-1']) {
    const e = encodeName(n);
    expect(e).toMatch(/^(?:(?:[A-Za-z0-9_\-$.]|%[0-9A-F]{2})+|%)$/);
    expect(e.startsWith('.')).toBe(false);
    expect(decodeName(e)).toBe(n);
  }
  expect(encodeName('a/b')).toBe('a%2Fb');
  expect(encodeName('app_1')).toBe('app_1');
});

test('version file names: the formatted position, GTID sets too long for a name are hashed', () => {
  const p = binlogPosition('mariadb-bin.000003', 1234, '0-1-42');
  expect(versionFileName(p)).toBe(encodeName(formatPosition(p)) + '.json');
  const long = binlogPosition('mysql-bin.000001', 4, Array.from({ length: 20 }, (_, i) => `${'a'.repeat(8)}-1111-2222-3333-${String(i).padStart(12, '0')}:1-${i}`).join(','));
  const name = versionFileName(long);
  expect(name.length).toBeLessThanOrEqual(220);
  expect(name).toMatch(/~[0-9a-f]{16}\.json$/);
});

test('saveVersion / versionAt / latest / listTables', async () => {
  const store = new DictStore(path.join(tmp, 'DICT'));
  const v1 = entry('app', 'T/1', ['id', 'a']);
  const v2 = entry('app', 'T/1', ['id', 'a', 'b']);
  const p100 = binlogPosition('bin.000001', 100, '0-1-1');
  const p500 = binlogPosition('bin.000001', 500, '0-1-5');
  const p90k = binlogPosition('bin.000002', 4, '0-1-9');

  expect(await store.versionAt('app', 'T/1', p100)).toBeUndefined();
  expect((await store.saveVersion(v1, p100)).written).toBe(true);
  // DDL at 500 adds a column (the capture saves the new shape at the end of the DDL event)
  expect((await store.saveVersion(v2, p500, 'ddl')).written).toBe(true);

  expect(await store.versionAt('app', 'T/1', binlogPosition('bin.000001', 99))).toBeUndefined();
  expect((await store.versionAt('app', 'T/1', p100))!.entry).toEqual(v1);
  expect((await store.versionAt('app', 'T/1', binlogPosition('bin.000001', 499)))!.entry).toEqual(v1);
  const at500 = (await store.versionAt('app', 'T/1', p500))!;
  expect(at500.entry).toEqual(v2);
  expect(at500.origin).toBe('ddl');
  expect(formatPosition(at500.position)).toBe(formatPosition(p500));
  // file index order, not string order: bin.000002 > bin.000001
  expect((await store.versionAt('app', 'T/1', p90k))!.entry).toEqual(v2);
  expect((await store.latest('app', 'T/1'))!.entry).toEqual(v2);

  // the same shape again: nothing written; a changed shape at the same position replaces it
  expect((await store.saveVersion(v2, p90k)).written).toBe(false);
  const v3 = entry('app', 'T/1', ['id']);
  expect((await store.saveVersion(v3, p500)).written).toBe(true);
  expect((await store.versionAt('app', 'T/1', p90k))!.entry).toEqual(v3);
  expect((await store.listVersions('app', 'T/1')).map((v) => v.position)).toHaveLength(2);

  await store.saveVersion(entry('Été', 'x', ['k']), p100);
  await store.saveVersion(entry('HR', 'emp', ['k']), p100);
  expect(await store.listTables()).toEqual([
    { schema: 'HR', table: 'emp' },
    { schema: 'app', table: 'T/1' },
    { schema: 'Été', table: 'x' },
  ]);
  expect(fs.existsSync(path.join(tmp, 'DICT', 'app', 'T%2F1', versionFileName(p100)))).toBe(true);
  // no temp files are left behind
  expect(fs.readdirSync(path.join(tmp, 'DICT', 'app', 'T%2F1')).every((n) => n.endsWith('.json'))).toBe(true);
});

test('an empty or missing dictionary lists nothing', async () => {
  expect(await new DictStore(path.join(tmp, 'none')).listTables()).toEqual([]);
});

test('a file holding another table, or garbage, is a STATE error', async () => {
  const store = new DictStore(tmp);
  const p = binlogPosition('bin.000001', 4);
  await store.saveVersion(entry('s', 't', ['id']), p);
  const dir = store.tableDir('s', 'u');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(store.tableDir('s', 't'), versionFileName(p)), path.join(dir, versionFileName(p)));
  await expect(store.versionAt('s', 'u', p)).rejects.toThrow(/holds s\.t, expected s\.u/);
  fs.writeFileSync(path.join(dir, versionFileName(p)), '{not json');
  const err = await store.versionAt('s', 'u', p).catch((e: unknown) => e);
  expect(isSynctlError(err, 'STATE')).toBe(true);
});
