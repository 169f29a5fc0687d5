/**
 * The entry point, and the only place that exits the process.
 * Exit codes: 0 ok, 1 runtime or config error, 2 usage, 70 internal (a bug).
 */
import { SynctlError, isSynctlError } from '../errors';
import { redact } from '../log';
import { buildProgram } from './program';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** Commands that end by returning a number use it as the exit code (verify: 1 = differences). */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const { program, exitCode } = buildProgram();
    program.exitOverride();
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode() ?? EXIT_OK;
  } catch (e) {
    return reportError(e, debug);
  }
}

function reportError(e: unknown, debug: boolean): number {
  // commander's own errors (unknown option, --help, --version) carry exitCode
  const ce = e as { code?: string; exitCode?: number };
  if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
    if (ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' || ce.code === 'commander.help') return EXIT_OK;
    return EXIT_USAGE; // commander already printed the message
  }
  if (isSynctlError(e)) {
    process.stderr.write(`synctl: ${redact(e.message)}\n`);
    if (debug && e.stack) process.stderr.write(redact(e.stack) + '\n');
    if (e.code === 'USAGE') return EXIT_USAGE;
    if (e.code === 'INTERNAL') return EXIT_INTERNAL;
    return EXIT_ERROR;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`synctl: internal error: ${redact(err.message)}\n`);
  process.stderr.write(
    debug ? redact(err.stack ?? '') + '\n' : 'This is a bug in synctl. Run again with --debug for a stack trace and report it.\n',
  );
  return EXIT_INTERNAL;
}

export { SynctlError };

/** Called by bin/synctl. Sets the exit code and lets Node end once every handle is closed. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`synctl: ${String(e)}\n`);
      process.exitCode = EXIT_INTERNAL;
    },
  );
}
