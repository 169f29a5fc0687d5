import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptureState } from './capture-state';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-state-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a checkpoint keeps the positions of frames sent after it: a next hop may resume at one of them by seq alone', async () => {
  const s = new CaptureState(dir);
  expect(await s.load()).toEqual({ seq: 0n, position: '' });
  for (let i = 1n; i <= 5n; i++) await s.willSend(i, `binlog:b.1:${100n * i}`);
  await s.commit({ seq: 3n, position: 'binlog:b.1:300' });
  await s.willSend(6n, 'binlog:b.1:600');
  await s.close();

  // what a restarted capture sees
  const again = new CaptureState(dir);
  expect(await again.load()).toEqual({ seq: 3n, position: 'binlog:b.1:300' });
  expect(await again.positionOf(4n)).toBe('binlog:b.1:400');
  expect(await again.positionOf(5n)).toBe('binlog:b.1:500');
  expect(await again.positionOf(6n)).toBe('binlog:b.1:600');
  // at or below the checkpoint: forgotten (the checkpoint itself names 3)
  expect(await again.positionOf(2n)).toBeUndefined();
  expect(await again.positionOf(3n)).toBeUndefined();

  // a checkpoint past everything sent leaves no sent.log behind
  await again.commit({ seq: 6n, position: 'binlog:b.1:600' });
  expect(fs.existsSync(path.join(dir, 'sent.log'))).toBe(false);
});

test('a frame recorded while a checkpoint is written is kept; stale entries are trimmed once a thousand pile up', async () => {
  const s = new CaptureState(dir);
  await s.load();
  for (let i = 1n; i <= 1_200n; i++) await s.willSend(i, `binlog:b.1:${i}`);
  // capture checkpoints without waiting: the next frame's record may come meanwhile
  const committing = s.commit({ seq: 1_150n, position: 'binlog:b.1:1150' });
  const recording = s.willSend(1_201n, 'binlog:b.1:1201');
  await Promise.all([committing, recording]);
  await s.close();

  const lines = fs.readFileSync(path.join(dir, 'sent.log'), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('1151 binlog:b.1:1151');
  expect(lines).toHaveLength(51);
  const again = new CaptureState(dir);
  expect(await again.load()).toEqual({ seq: 1_150n, position: 'binlog:b.1:1150' });
  expect(await again.positionOf(1_201n)).toBe('binlog:b.1:1201');
  expect(await again.positionOf(1_151n)).toBe('binlog:b.1:1151');
  expect(await again.positionOf(1_150n)).toBeUndefined();
});
