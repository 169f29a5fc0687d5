/** The synctl binary as a user runs it: exit codes, one-line errors, stdio chaining. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameDecoder, encodeFrame } from '../../src/wire/frame';
import { isIntact, testFrame } from '../support/frames';
import { SynctlProcess, requireBuiltCli, runSynctl } from '../support/synctl-process';

let tmp: string;
beforeAll(() => requireBuiltCli());
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-cli-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('--help lists every subcommand with examples', async () => {
  const r = await runSynctl(['--help']);
  expect(r.code).toBe(0);
  const out = r.stdout.toString();
  for (const cmd of ['config', 'encrypt', 'transfer', 'route', 'copy', 'capture', 'verify']) expect(out).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  expect(out).toMatch(/Examples:/);
});

test('config check passes on every example and on dmhs.hs.sample', async () => {
  const root = path.resolve(__dirname, '../..');
  const files = [path.join(root, 'dmhs.hs.sample')];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.hs')) files.push(path.join(d, e.name));
    }
  };
  walk(path.join(root, 'examples'));
  expect(files.length).toBeGreaterThan(10);
  for (const f of files) {
    const r = await runSynctl(['config', 'check', f]);
    if (r.code !== 0) throw new Error(`${f}: exit ${r.code}: ${r.stderr}`);
    expect(r.stdout.toString()).toContain(`OK: ${f}`);
  }
});

test('a broken config gives one line naming the element, exit 1, no stack trace', async () => {
  const f = path.join(tmp, 'bad.hs');
  fs.writeFileSync(
    f,
    `<dmhs><base><siteid>3</siteid></base><transfer><recv><data_port>5346</data_port></recv>
     <send><ip>127.0.0.1</ip><data_port>70000</data_port></send></transfer></dmhs>`,
  );
  const r = await runSynctl(['transfer', '-c', f]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe('synctl: dmhs/transfer/send/data_port: 70000 is outside 1000..65535');
});

test('capture with neither a config nor --offline has no source: usage error (exit 2)', async () => {
  const r = await runSynctl(['capture', '--to', '-', '--format', 'json']);
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe('synctl: capture: give -c <config> (its <cpt> names the source to dump) or --offline <binlog files>');
});

test('a bad link spec is a usage error (exit 2)', async () => {
  const r = await runSynctl(['transfer', '--from', '-', '--to', 'ftp:somewhere']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--to ftp:somewhere: expected '-', dir:<path> or tcp:<host>:<port>");
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

test('frames piped through `transfer --from - --to -` come out once, in order; exit 0 at end of input', async () => {
  const input = Buffer.concat(Array.from({ length: 5000 }, (_, i) => encodeFrame(testFrame(9, i + 1))));
  const r = await runSynctl(['transfer', '--siteid', '7', '--from', '-', '--to', '-', '--state', path.join(tmp, 's')], input);
  expect(r.code).toBe(0);
  const frames = new FrameDecoder({ where: 'stdout' }).push(r.stdout);
  expect(frames.length).toBe(5000);
  expect(frames.every((f, i) => f.seq === BigInt(i + 1) && isIntact(f))).toBe(true);
});

test('stdin → dir → stdout across two processes (the air-gap chain)', async () => {
  const gap = path.join(tmp, 'gap');
  const input = Buffer.concat(Array.from({ length: 3000 }, (_, i) => encodeFrame(testFrame(4, i + 1))));
  const w = await runSynctl(['transfer', '--siteid', '2', '--from', '-', '--to', `dir:${gap}`, '--state', path.join(tmp, 'w')], input);
  expect(w.code).toBe(0);
  expect(fs.readdirSync(gap).some((n) => /^4_000000000001\.dat$/.test(n))).toBe(true);
  const reader = new SynctlProcess(['transfer', '--siteid', '3', '--from', `dir:${gap}`, '--to', '-', '--state', path.join(tmp, 'r')]);
  const dec = new FrameDecoder({ where: 'stdout' });
  const seqs: bigint[] = [];
  reader.child.stdout!.on('data', (c: Buffer) => dec.push(c).forEach((f) => seqs.push(f.seq)));
  const t0 = Date.now();
  while (seqs.length < 3000 && Date.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 50));
  expect(await reader.kill('SIGTERM')).toBe(0);
  expect(seqs).toEqual(Array.from({ length: 3000 }, (_, i) => BigInt(i + 1)));
});

test('a flipped byte in a segment file stops the reader with the file and offset named', async () => {
  const gap = path.join(tmp, 'gap');
  const input = Buffer.concat(Array.from({ length: 100 }, (_, i) => encodeFrame(testFrame(5, i + 1))));
  expect((await runSynctl(['transfer', '--from', '-', '--to', `dir:${gap}`, '--state', path.join(tmp, 'w')], input)).code).toBe(0);
  const seg = path.join(gap, '5_000000000001.dat');
  const bytes = fs.readFileSync(seg);
  bytes[96 * 40 + 50]! ^= 0x01; // inside the payload of frame 41
  fs.writeFileSync(seg, bytes);
  const r = new SynctlProcess(['transfer', '--from', `dir:${gap}`, '--to', '-', '--state', path.join(tmp, 'r')]);
  const out: Buffer[] = [];
  r.child.stdout!.on('data', (c: Buffer) => out.push(c));
  const code = await Promise.race([r.exited, new Promise<string>((res) => setTimeout(() => res('still running'), 20000).unref())]);
  if (code === 'still running') await r.kill('SIGKILL');
  expect(code).toBe(1);
  expect(r.stderr).toContain(`segment ${seg}: corrupt frame at offset ${96 * 40} (seq 41): payload CRC mismatch`);
  expect(Buffer.concat(out).length).toBe(0); // nothing from the damaged segment was delivered
});
