import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { createDatabase, dropDatabase, harness, mariaConnect, pgConnect } from '../harness';
import { writeSite, type Engine } from './site';
import { requireBuiltCli } from './synctl-process';

/** An exec test's databases: the MariaDB source, the PostgreSQL target and, when named, a MariaDB target database. */
export interface ExecDatabaseNames {
  readonly src: string;
  readonly pg: string;
  readonly mariadb?: string;
}

/** Creates them fresh (and a temp dir named after `prefix`), and connects to the source and to PostgreSQL. */
export async function openExecDatabases(prefix: string, names: ExecDatabaseNames): Promise<{ dir: string; my: Connection; pg: Client }> {
  requireBuiltCli();
  const dir = fs.mkdtempSync(path.join(harness().tmpDir, prefix));
  await createDatabase('mariadb', names.src);
  if (names.mariadb) await createDatabase('mariadb', names.mariadb);
  await createDatabase('postgres', names.pg);
  return { dir, my: await mariaConnect({ database: names.src }), pg: await pgConnect({ database: names.pg }) };
}

export async function closeExecDatabases(names: ExecDatabaseNames, open: { my?: Connection; pg?: Client }): Promise<void> {
  await open.my?.end();
  await open.pg?.end();
  await dropDatabase('mariadb', names.src);
  if (names.mariadb) await dropDatabase('mariadb', names.mariadb);
  await dropDatabase('postgres', names.pg);
}

/**
 * An exec test's site: the MariaDB source over stdio into the PostgreSQL target or, with the
 * map `src.* == mariadb.*`, the MariaDB target database; `extra` goes inside <exec>.
 */
export function writeExecSite(file: string, names: ExecDatabaseNames, target: Engine, siteid: number, extra = ''): string {
  const mariadb = names.mariadb;
  if (target === 'mariadb' && mariadb === undefined) throw new Error('writeExecSite: no MariaDB target database named');
  return writeSite(file, {
    siteid,
    srcDb: names.src,
    link: { stdio: true },
    enable: [`${names.src}.*`],
    ...(target === 'mariadb' ? { map: `${names.src}.* == ${mariadb}.*` } : {}),
    exec: { engine: target, db: target === 'postgres' ? names.pg : mariadb!, extra },
  });
}
