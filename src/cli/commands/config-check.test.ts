import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configCheck } from './config-check';

const ROOT = resolve(__dirname, '../../..');

let stdout: string[];
let stderr: string[];
beforeEach(() => {
  stdout = [];
  stderr = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout.push(String(s));
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr.push(String(s));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

test('prints the resolved site as tables, then OK', async () => {
  const file = join(ROOT, 'examples/fan-out/transfer.hs');
  expect(await configCheck({ file, json: false })).toBe(0);
  const text = stdout.join('');
  expect(text).toContain('siteid');
  expect(text).toContain('0.0.0.0:5546 (mgr 5545)');
  expect(text).toContain('127.0.0.1:5646 (mgr 5645)');
  expect(text).toContain('transfer #2');
  expect(text).toContain('app.orders == report.orders');
  expect(text.trimEnd().split('\n').pop()).toBe(`OK: ${file}`);
  expect(stderr).toEqual([]);
});

test('masks passwords and shows warnings before OK', async () => {
  const file = join(ROOT, 'dmhs.hs.sample');
  expect(await configCheck({ file, json: false })).toBe(0);
  const text = stdout.join('');
  expect(text).toContain('repl@127.0.0.1:3306');
  expect(text).toContain('***');
  expect(text).not.toContain('change-me');
});

test('--json prints the config with the password masked', async () => {
  const file = join(ROOT, 'examples/one-to-one/exec.hs');
  expect(await configCheck({ file, json: true })).toBe(0);
  const parsed = JSON.parse(stdout.join('')) as { base: { siteid: number }; exec: { db: { password: string } } };
  expect(parsed.base.siteid).toBe(11);
  expect(parsed.exec.db.password).toBe('***');
});

test('an invalid file prints every error and returns 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'synctl-check-'));
  try {
    const file = join(dir, 'bad.hs');
    writeFileSync(
      file,
      `<dmhs><base><siteid>0</siteid></base><exec><recv><data_port>5346</data_port></recv>
        <db_type>MYSQL</db_type><db_server>h</db_server><db_user>u</db_user><db_pwd>p</db_pwd>
        <exec_thrd>3</exec_thrd></exec></dmhs>`,
    );
    expect(await configCheck({ file, json: false })).toBe(1);
    expect(stderr.join('')).toBe(
      'synctl: dmhs/base/siteid: 0 is outside 1..30000\nsynctl: dmhs/exec/exec_thrd: unknown element (did you mean exec_thr?)\n',
    );
    expect(stdout).toEqual([]);
    // unreadable files still throw (the CLI prints them once)
    await expect(configCheck({ file: join(dir, 'missing.hs'), json: false })).rejects.toMatchObject({ code: 'CONFIG_READ' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
