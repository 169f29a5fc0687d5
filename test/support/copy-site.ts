/**
 * Copy tests' helpers: a site config mapping a MariaDB source schema to a target engine,
 * and `synctl copy` / `synctl verify` run in-process with their reports.
 */
import * as path from 'node:path';
import { copyCommand } from '../../src/cli/commands/copy';
import { verifyCommand } from '../../src/cli/commands/verify';
import type { LoadReport } from '../../src/load/load';
import type { VerifyReport } from '../../src/verify/types';
import { harness } from '../harness';
import { writeSite, type Engine } from './site';

export type TargetKind = Engine;

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
  /** <filter><enable> items of the send */
  readonly enable?: readonly string[];
  /** exec's <type_map> items */
  readonly typeMap?: readonly string[];
}

/** copy and verify open no link: the send's port is only there because a send needs one */
export function writeCopySite(s: CopySite): string {
  return writeSite(path.join(harness().tmpDir, `${s.name}.hs`), {
    siteid: 3,
    srcDb: s.src,
    link: { port: 15446 },
    ...(s.enable ? { enable: s.enable } : {}),
    map: `${s.src}.* == ${s.dst}.*`,
    exec: {
      engine: s.engine,
      db: s.engine === 'postgres' ? s.pgDb : s.src,
      extra: `<sys_schema>${s.sysSchema}</sys_schema>${s.typeMap ? `<type_map>${s.typeMap.map((i) => `<item>${i}</item>`).join('')}</type_map>` : ''}`,
    },
  });
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
