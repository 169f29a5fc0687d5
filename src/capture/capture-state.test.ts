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
