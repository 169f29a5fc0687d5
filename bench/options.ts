/**
 * What every bench script shares: `--name=value` options (or BENCH_NAME in the
 * environment) and progress lines on stderr stamped with the seconds since start.
 */

export function opt(name: string, def: string): string {
  const flag = `--${name}=`;
  const a = process.argv.slice(2).find((x) => x.startsWith(flag));
  if (a !== undefined) return a.slice(flag.length);
  return process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? def;
}

export function intOpt(name: string, def: number): number {
  const v = Number(opt(name, String(def)));
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`);
  return v;
}

const t0 = Date.now();

export function say(msg: string): void {
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}
