import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { DictionaryView } from '../../src/capture/mysql/dictionary-columns';
import { parseCondition } from '../../src/dict/condition';
import { introspectMysql } from '../../src/dict/mysql-introspect';
import { DictStore } from '../../src/dict/store';

/** What `synctl copy 0 "<condition>" DICT` does, for tests: a store under `dir` and its in-memory view. */
export async function buildDictionary(conn: Connection, condition: string, dir: string): Promise<{ store: DictStore; dictionary: DictionaryView }> {
  const store = new DictStore(path.join(dir));
  const snap = await introspectMysql(conn, parseCondition(condition), { source: 'MARIADB' });
  for (const e of snap.entries) await store.saveVersion(e, snap.position);
  return { store, dictionary: await DictionaryView.load(store) };
}
