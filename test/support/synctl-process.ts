import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'synctl');

/** The built CLI must exist: `npm test` builds first (pretest); a bare `npx jest` may not have. */
export function requireBuiltCli(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you) before these tests');
  }
}

/** A synctl child process with its stderr kept for the failure message. */
export class SynctlProcess {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<number | null>;

  /** `nodeArgs`: options for node itself (a heap limit, say); jest's process.env does not reach a child */
  constructor(readonly args: readonly string[], opts: { stdin?: 'pipe' | 'ignore'; nodeArgs?: readonly string[] } = {}) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], { stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], cwd: ROOT });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Resolves once stderr matches `re`; fails (with the stderr) after `ms` or when the process ends first. */
  async waitForLog(re: RegExp, what: string, ms = 20_000): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.stderr)) {
      if (Date.now() - t0 > ms || this.child.exitCode !== null) throw new Error(`${what}:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Runs synctl to completion and returns its exit code and output. */
export function runSynctl(args: readonly string[], input?: Buffer, nodeArgs?: readonly string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const p = new SynctlProcess(args, { stdin: input ? 'pipe' : 'ignore', ...(nodeArgs ? { nodeArgs } : {}) });
  const out: Buffer[] = [];
  p.child.stdout!.on('data', (d: Buffer) => out.push(d));
  if (input) p.child.stdin!.end(input);
  return p.exited.then((code) => ({ code, stdout: Buffer.concat(out), stderr: p.stderr }));
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Asserts a finished run exited 0; on failure the message carries its stderr, which says why. */
export function expectExitOk(run: { code: number | null; stderr: string }, what = 'synctl'): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr}`);
}

/**
 * `synctl verify` again every 2 s until it finds the target equal (exit 0); past `deadline`
 * (Date.now() ms) fails with its output and `context` (a process log, say).
 */
export async function verifyUntilEqual(config: string, condition: string, deadline: number, context: () => string): Promise<void> {
  let v = await runSynctl(['verify', '-c', config, condition]);
  while (v.code !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    v = await runSynctl(['verify', '-c', config, condition]);
  }
  if (v.code !== 0) throw new Error(`target not equal to the source:\n${v.stdout.toString()}${v.stderr}\n${context()}`);
}
