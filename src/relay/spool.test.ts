import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isIntact, testFrame } from '../../test/support/frames';
import { isSynctlError } from '../errors';
import { setLogSink } from '../log';
import { Spool, type SpoolCursor } from './spool';

let tmp: string;
let restore: (l: string) => void;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-spool-'));
  restore = setLogSink(() => undefined);
});
afterEach(() => {
  setLogSink(restore);
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function readN(spool: Spool, from: SpoolCursor, n: number) {
  const out: { seq: bigint; intact: boolean; next: SpoolCursor }[] = [];
  for await (const { frame, next } of spool.read(from)) {
    out.push({ seq: frame.seq, intact: isIntact(frame, 300), next });
    if (out.length === n) break;
  }
  return out;
}

test('reads back every frame across read-chunk and file boundaries', async () => {
  const spool = new Spool(tmp, 2 * 1024 * 1024);
  await spool.open();
  for (let i = 1; i <= 20000; i++) {
    spool.append(testFrame(1, i, 300));
    if (i % 3000 === 0) await spool.flush();
  }
  await spool.flush();
  const got = await readN(spool, spool.firstCursor(), 20000);
  expect(got.every((g, i) => g.seq === BigInt(i + 1) && g.intact)).toBe(true);
  expect(fs.readdirSync(path.join(tmp, 'spool')).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(2);
  // resuming from a cursor in the middle gives exactly the rest
  const rest = await readN(spool, got[12344]!.next, 20000 - 12345);
  expect(rest[0]!.seq).toBe(12346n);
  await spool.close();
});

test('RESUME claims only fsync’d frames; replays are ignored, gaps refused', async () => {
  const spool = new Spool(tmp);
  await spool.open();
  for (let i = 1; i <= 10; i++) spool.append(testFrame(7, i));
  expect(spool.progress().get(7)).toBeUndefined();
  await spool.flush();
  expect(spool.progress().get(7)?.seq).toBe(10n);
  expect(spool.append(testFrame(7, 10))).toBe(false);
  let err: unknown;
  try {
    spool.append(testFrame(7, 12));
  } catch (e) {
    err = e;
  }
  expect(isSynctlError(err, 'SEQUENCE_GAP')).toBe(true);
  await spool.close();
});

test('a torn tail after a crash is cut on open; earlier frames survive', async () => {
  const spool = new Spool(tmp);
  await spool.open();
  for (let i = 1; i <= 100; i++) spool.append(testFrame(2, i));
  await spool.flush();
  await spool.close();
  const file = path.join(tmp, 'spool', '000000000001.log');
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, full.length - 50)); // half of the last frame
  const again = new Spool(tmp);
  await again.open();
  expect(again.progress().get(2)?.seq).toBe(99n);
  again.append(testFrame(2, 100));
  await again.flush();
  const got = await readN(again, again.firstCursor(), 100);
  expect(got.map((g) => g.seq)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i + 1)));
  await again.close();
});

test('released files are deleted and their progress kept in base.json', async () => {
  const spool = new Spool(tmp, 64 * 1024);
  await spool.open();
  for (let i = 1; i <= 3000; i++) spool.append(testFrame(3, i));
  await spool.flush();
  const end = spool.endCursor();
  await spool.release(end.file);
  const logs = fs.readdirSync(path.join(tmp, 'spool')).filter((f) => f.endsWith('.log'));
  expect(logs).toEqual([`${String(end.file).padStart(12, '0')}.log`]);
  await spool.close();
  const again = new Spool(tmp, 64 * 1024);
  await again.open();
  expect(again.progress().get(3)?.seq).toBe(3000n);
  await again.close();
});
