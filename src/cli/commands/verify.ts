/**
 * `synctl verify -c site.hs "<condition>" [--rows] [--json] [--repair] [--chunk N]`:
 * compares each source table (<cpt>) the condition selects with the table the send's map
 * replicates it to (<exec>), prints a report, returns 0 equal / 1 different / 2 not comparable.
 * Errors are thrown as SynctlError; the CLI maps them to exit code 2.
 */
import { loadSiteConfig } from '../../config/load';
import { parseCondition } from '../../dict/condition';
import { SynctlError } from '../../errors';
import { logger } from '../../log';
import { exitCodeOf, formatReport } from '../../verify/report';
import type { VerifyReport } from '../../verify/types';
import { verify } from '../../verify/verify';

export interface VerifyCliOptions {
  readonly config: string;
  readonly condition: string;
  readonly rows?: boolean;
  readonly json?: boolean;
  readonly repair?: boolean;
  /** rows per chunk, as typed */
  readonly chunk?: string | number;
  readonly keyFile?: string;
  /** where the report goes (tests capture it); default stdout */
  readonly out?: (text: string) => void;
  /** receives the report object (tests) */
  readonly onReport?: (r: VerifyReport) => void;
}

export async function verifyCommand(opts: VerifyCliOptions): Promise<number> {
  const log = logger('verify');
  const condition = parseCondition(opts.condition);
  let chunk = 10_000;
  if (opts.chunk !== undefined) {
    const text = String(opts.chunk).trim();
    if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new SynctlError('USAGE', `--chunk: expected a positive number of rows, got '${text}'`);
    chunk = Number(text);
  }
  const { config, warnings } = loadSiteConfig(opts.config, opts.keyFile === undefined ? {} : { keyFile: opts.keyFile });
  for (const w of warnings) log.warn(`${w.path}: ${w.message}`);
  if (config.cpt === undefined || config.exec === undefined) {
    throw new SynctlError('USAGE', `${opts.config}: verify needs both <cpt> (the source database) and <exec> (the target database) in one file`);
  }
  const tty = process.stderr.isTTY === true;
  const report = await verify({
    cpt: config.cpt,
    exec: config.exec,
    condition,
    chunk,
    rows: opts.rows === true,
    repair: opts.repair === true,
    ...(tty ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
  });
  if (tty) process.stderr.write('\r\x1b[K');
  opts.onReport?.(report);
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  out(opts.json === true ? JSON.stringify(report, null, 2) + '\n' : formatReport(report, opts.rows === true));
  return exitCodeOf(report);
}
