/**
 * Copy tests' helpers: a site config mapping a MariaDB source schema to a target engine,
 * and `synctl copy` / `synctl verify` run in-process with their reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyCommand } from '../../src/cli/commands/copy';
import { verifyCommand } from '../../src/cli/commands/verify';
import type { LoadReport } from '../../src/load/load';
import type { VerifyReport } from '../../src/verify/types';
import { harness } from '../harness';

export type TargetKind = 'mariadb' | 'postgres';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function dbXml(engine: TargetKind, db: string): string {
  const h = harness();
  const c = engine === 'mariadb' ? h.mariadb : h.postgres;
  return (
    `<db_type>${engine === 'mariadb' ? 'MARIADB' : 'PG'}</db_type><db_server>${c.host}</db_server><db_port>${c.port}</db_port>` +
    `<db_user>${xml(c.user)}</db_user><db_pwd>${xml(c.password)}</db_pwd><db_name>${db}</db_name>`
  );
}

export interface CopySite {
  /** file name stem (unique per test file) */
  readonly name: string;
  readonly src: string;
  readonly engine: TargetKind;
  /** target schema of the map src.* == dst.* */
  readonly dst: string;
  /** the PostgreSQL database of a postgres target */
  readonly pgDb: string;
  readonly sysSchema: string;
  /** extra XML inside the send (a <filter>) */
  readonly filter?: string;
}

export function writeCopySite(s: CopySite): string {
  const file = path.join(harness().tmpDir, `${s.name}.hs`);
  fs.writeFileSync(
    file,
    `<dmhs><base><siteid>3</siteid><mgr_port>15445</mgr_port></base>
  <cpt>${dbXml('mariadb', s.src)}
    <send><ip>127.0.0.1</ip><data_port>15446</data_port>${s.filter ?? ''}<map><item>${s.src}.* == ${s.dst}.*</item></map></send></cpt>
  <exec>${dbXml(s.engine, s.engine === 'postgres' ? s.pgDb : s.src)}<sys_schema>${s.sysSchema}</sys_schema><recv><data_port>15447</data_port></recv></exec></dmhs>`,
  );
  return file;
}

/** `synctl copy` in-process (its table on stdout muted); fails unless it exits 0 */
export async function copyReport(config: string, condition: string, masks: string): Promise<LoadReport> {
  let report: LoadReport | undefined;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const code = await copyCommand({ config, sendIndex: 0, condition, masks, onReport: (r) => (report = r) });
    if (code !== 0) throw new Error(`copy ${masks} exited ${code}`);
  } finally {
    process.stdout.write = write;
  }
  return report!;
}

/** `synctl verify --rows` in-process; fails with its output unless equal */
export async function verifyEqual(config: string, condition: string): Promise<VerifyReport> {
  let report: VerifyReport | undefined;
  let text = '';
  const code = await verifyCommand({ config, condition, rows: true, out: (s) => (text += s), onReport: (r) => (report = r) });
  if (code !== 0) throw new Error(`verify exited ${code}:\n${text}`);
  return report!;
}
