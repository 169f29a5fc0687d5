import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encrypt } from '../cli/commands/encrypt';
import { SynctlError } from '../errors';
import { redact } from '../log';
import { loadSiteConfig, parseSiteConfig } from './load';
import { encryptPassword } from './secrets';

const ROOT = resolve(__dirname, '../..');

/** dmhs.hs.sample plus every *.hs under examples/, found at run time */
function shippedConfigs(): string[] {
  const examples = readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.hs'))
    .map((f) => join(ROOT, 'examples', f));
  return [join(ROOT, 'dmhs.hs.sample'), ...examples.sort()];
}

function thrown(fn: () => unknown): SynctlError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SynctlError) return e;
    throw e;
  }
  throw new Error('expected a SynctlError');
}

const MINIMAL_CPT = `<dmhs><base><siteid>7</siteid></base>
  <cpt><db_type>pg</db_type><db_server>db1</db_server><db_user>u</db_user><db_pwd>pw</db_pwd>
    <send><ip>10.0.0.2</ip><data_port>5346</data_port></send></cpt></dmhs>`;

describe('shipped configs', () => {
  const files = shippedConfigs();

  test('there are examples for every topology', () => {
    const names = files.map((f) => f.slice(ROOT.length + 1));
    for (const f of [
      'examples/one-to-one/capture.hs',
      'examples/one-to-one/exec.hs',
      'examples/fan-out/transfer.hs',
      'examples/fan-out/exec-a.hs',
      'examples/fan-out/exec-b.hs',
      'examples/air-gap/transfer-out.hs',
      'examples/air-gap/transfer-in.hs',
      'examples/route/route.hs',
    ]) {
      expect(names).toContain(f);
    }
  });

  test.each(files)('%s loads without errors or warnings', (file) => {
    const { config, warnings } = loadSiteConfig(file);
    expect(warnings).toEqual([]);
    expect(config.file).toBe(file);
    expect(config.cpt ?? config.exec ?? config.transfer ?? config.route).toBeDefined();
  });

  test('the sample covers capture and apply, with filter and map', () => {
    const { config } = loadSiteConfig(join(ROOT, 'dmhs.hs.sample'));
    expect(config.cpt?.send.filter.enable).toContain("SALES.ORDERS(AMOUNT > 0 AND REGION <> 'TEST')");
    expect(config.cpt?.send.map).toEqual(['APP.* == APP_BAK.*', 'SALES.ORDERS == SALES_BAK.ORDERS']);
    expect(config.exec?.recv.source).toEqual({ kind: 'tcp', ip: '0.0.0.0', dataPort: 5346, mgrPort: 5345 });
  });

  test('the route example splits sends by siteid', () => {
    const { config } = loadSiteConfig(join(ROOT, 'examples/route/route.hs'));
    expect(config.route?.recvs).toHaveLength(2);
    expect(config.route?.sends.map((s) => [s.index, s.siteids])).toEqual([
      [1, []],
      [2, [2]],
    ]);
  });

  test('the air-gap transfers land and pick up files', () => {
    const out = loadSiteConfig(join(ROOT, 'examples/air-gap/transfer-out.hs')).config;
    expect(out.transfer?.sends[0]?.target).toEqual({ kind: 'dir', path: '/tmp/synctl-example/gap-out', fileSizeMb: 64, fileTimeSec: 5 });
    const inn = loadSiteConfig(join(ROOT, 'examples/air-gap/transfer-in.hs')).config;
    expect(inn.transfer?.recvs[0]?.source).toEqual({
      kind: 'dir',
      path: '/tmp/synctl-example/gap-in',
      archivePath: '/tmp/synctl-example/gap-done',
      pollSec: 1,
    });
  });
});

describe('defaults', () => {
  test('a minimal capture site gets every default filled in', () => {
    const { config, warnings } = parseSiteConfig(MINIMAL_CPT, '');
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      file: '',
      base: { siteid: 7, mgrPort: 5345, ckptInterval: 60, chkInterval: 3, lang: 'en', version: '2.0', pwdEncipher: false },
      cpt: {
        db: { dbType: 'PG', server: 'db1', port: 5432, user: 'u', password: 'pw', database: '' },
        ddlMask: '0',
        idleTime: 10,
        arch: { clearInterval: 600, clearFlag: false },
        send: {
          index: 1,
          target: { kind: 'tcp', ip: '10.0.0.2', dataPort: 5346, mgrPort: 5345 },
          netPackSize: 256,
          crcCheck: true,
          compress: false,
          gateway: false,
          siteids: [],
          filter: { enable: ['*.*'], disable: [] },
          map: [],
          trigger: false,
          constraint: false,
          identity: true,
        },
        slotName: 'synctl_7',
        publication: 'synctl_7',
      },
    });
  });

  test('a PostgreSQL source names its slot and publication; a bad name is an error naming the element', () => {
    const named = MINIMAL_CPT.replace('<send>', '<slot_name>app_slot</slot_name><publication>app_pub</publication><send>');
    const { config } = parseSiteConfig(named, '');
    expect([config.cpt?.slotName, config.cpt?.publication]).toEqual(['app_slot', 'app_pub']);
    const bad = thrown(() => parseSiteConfig(MINIMAL_CPT.replace('<send>', '<slot_name>App-Slot</slot_name><send>'), ''));
    expect(bad.message).toMatch(/^dmhs\/cpt\/slot_name: 'App-Slot' must be 1 to 63 lower-case letters, digits or _/);
    const mysql = parseSiteConfig(MINIMAL_CPT.replace('<db_type>pg</db_type>', '<db_type>MARIADB</db_type>').replace('<send>', '<slot_name>s</slot_name><send>'), '');
    expect(mysql.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual(['dmhs/cpt/slot_name: applies to a PostgreSQL source only (db_type is MARIADB): ignored']);
  });

  test('exec defaults, and the db port follows db_type', () => {
    const xml = `<dmhs><base><siteid>2</siteid></base><exec><recv><data_port>5346</data_port></recv>
      <db_type>mssql</db_type><db_server>h</db_server><db_user>sa</db_user><db_pwd></db_pwd></exec></dmhs>`;
    const { exec } = parseSiteConfig(xml, '').config;
    expect(exec).toEqual({
      db: { dbType: 'MSSQL', server: 'h', port: 1433, user: 'sa', password: '', database: '' },
      recv: { source: { kind: 'tcp', ip: '0.0.0.0', dataPort: 5346, mgrPort: 5345 }, gateway: false },
      execThr: 4,
      execTrx: 5000,
      execRows: 1000,
      execSql: 1024,
      execPolicy: 0,
      commitPolicy: 1,
      affectRow: true,
      caseSensitive: true,
      toggleCase: 0,
      ddlContinue: false,
      softOp: false,
      zeroDate: null,
      sysSchema: 'synctl',
      typeMap: [],
    });
  });

  test('dir and stdio links get their defaults; relative paths resolve beside the file', () => {
    const xml = `<dmhs><base><siteid>3</siteid></base><transfer>
      <recv><file_path>in</file_path></recv>
      <send><file_path>out</file_path></send>
      <send><stdio>1</stdio></send></transfer></dmhs>`;
    const { transfer } = parseSiteConfig(xml, '/etc/synctl/t.hs').config;
    expect(transfer?.recvs[0]?.source).toEqual({ kind: 'dir', path: '/etc/synctl/in', archivePath: '', pollSec: 1 });
    expect(transfer?.sends[0]?.target).toEqual({ kind: 'dir', path: '/etc/synctl/out', fileSizeMb: 64, fileTimeSec: 5 });
    expect(transfer?.sends[1]?.target).toEqual({ kind: 'stdio' });
    expect(transfer?.sends[1]?.index).toBe(2);
  });

  test('tls options', () => {
    const xml = `<dmhs><base><siteid>3</siteid></base><route>
      <recv><data_port>5346</data_port><tls><cert>/c.pem</cert><key>/k.pem</key></tls></recv>
      <send><ip>h</ip><data_port>5346</data_port><tls><ca>/ca.pem</ca><verify>0</verify></tls><gateway>1</gateway></send>
      </route></dmhs>`;
    const { route } = parseSiteConfig(xml, '').config;
    expect(route?.recvs[0]?.tls).toEqual({ cert: '/c.pem', key: '/k.pem', verify: true });
    expect(route?.sends[0]?.tls).toEqual({ ca: '/ca.pem', verify: false });
    expect(route?.sends[0]?.gateway).toBe(true);
  });
});

describe('loading', () => {
  test('the result is deeply frozen', () => {
    const { config } = parseSiteConfig(MINIMAL_CPT, '');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cpt?.send.filter.enable)).toBe(true);
    expect(Object.isFrozen(config.cpt?.send.target)).toBe(true);
    expect(() => {
      (config.base as { siteid: number }).siteid = 9;
    }).toThrow(TypeError);
  });

  test('DMHS-only elements are accepted with a warning', () => {
    const xml = `<dmhs><base><siteid>2</siteid></base><exec><recv><data_port>5346</data_port></recv>
      <db_type>MYSQL</db_type><db_server>h</db_server><db_user>u</db_user><db_pwd>p</db_pwd>
      <enable_rowid>0</enable_rowid><level>0</level></exec></dmhs>`;
    const { warnings } = parseSiteConfig(xml, '');
    expect(warnings).toEqual([
      { path: 'dmhs/exec/enable_rowid', message: 'accepted for DMHS compatibility; ignored by synctl' },
      { path: 'dmhs/exec/level', message: 'accepted for DMHS compatibility; ignored by synctl' },
    ]);
    const send = parseSiteConfig(MINIMAL_CPT.replace('</send>', '<net_turns>0</net_turns></send>'), '');
    expect(send.warnings.map((w) => w.path)).toEqual(['dmhs/cpt/send/net_turns']);
  });

  test('escaped characters in items are decoded', () => {
    const { config } = parseSiteConfig(
      MINIMAL_CPT.replace('</send>', '<filter><enable><item>A.T(X &lt; 3 AND Y &gt;= 1 AND Z &#60;&#x3E; 2)</item></enable></filter></send>'),
      '',
    );
    expect(config.cpt?.send.filter.enable).toEqual(['A.T(X < 3 AND Y >= 1 AND Z <> 2)']);
  });

  test('a missing file is a CONFIG_READ error naming it', () => {
    const err = thrown(() => loadSiteConfig('/nonexistent/dmhs.hs'));
    expect(err.code).toBe('CONFIG_READ');
    expect(err.message).toMatch(/^cannot read \/nonexistent\/dmhs\.hs: ENOENT/);
  });

  test('a GB2312 file (the DMHS default) decodes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synctl-gb-'));
    try {
      const text = MINIMAL_CPT.replace('<dmhs>', '<?xml version="1.0" encoding="GB2312"?>\n<!-- 捕获 -->\n<dmhs>').replace(
        '</send>',
        '<filter><enable><item>应用.订单</item></enable></filter></send>',
      );
      const file = join(dir, 'dmhs.hs');
      // node has no GB encoder: write the two-byte codes by hand
      const gb: Record<string, number[]> = { 捕: [0xb2, 0xb6], 获: [0xbb, 0xf1], 应: [0xd3, 0xa6], 用: [0xd3, 0xc3], 订: [0xb6, 0xa9], 单: [0xb5, 0xa5] };
      const bytes = [...text].flatMap((ch) => gb[ch] ?? [...Buffer.from(ch, 'utf8')]);
      writeFileSync(file, Buffer.from(bytes));
      expect(loadSiteConfig(file).config.cpt?.send.filter.enable).toEqual(['应用.订单']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('encrypted passwords', () => {
  let dir: string;
  let out: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synctl-key-'));
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const site = (pwd: string) =>
    MINIMAL_CPT.replace('<siteid>7</siteid>', '<siteid>7</siteid><pwd_encipher>1</pwd_encipher>').replace('<db_pwd>pw</db_pwd>', `<db_pwd>${pwd}</db_pwd>`);

  // no 'p' in the password: earlier tests registered 'p' and 'pw' as secrets, and redact() would mask those first
  test('encrypt → load round trip; the key file is created 0600 and the password is registered as a secret', async () => {
    const keyFile = join(dir, 'sub', 'key');
    expect(await encrypt({ password: 'Tr1cky&<zz>', keyFile })).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const ciphertext = out.join('').trim();
    expect(ciphertext).toMatch(/^enc:v1:[A-Za-z0-9+/]+=*$/);
    expect(ciphertext).not.toContain('Tr1cky');

    const { config } = parseSiteConfig(site(ciphertext), '', { keyFile });
    expect(config.cpt?.db.password).toBe('Tr1cky&<zz>');
    expect(redact('login failed for Tr1cky&<zz>')).not.toContain('Tr1cky');

    // a second encrypt reuses the key (and a fresh IV)
    out.length = 0;
    await encrypt({ password: 'Tr1cky&<zz>', keyFile });
    expect(out.join('').trim()).not.toBe(ciphertext);
    expect(parseSiteConfig(site(out.join('').trim()), '', { keyFile }).config.cpt?.db.password).toBe('Tr1cky&<zz>');
  });

  test('the key file can come from SYNCTL_KEY_FILE', async () => {
    const keyFile = join(dir, 'env-key');
    const prev = process.env.SYNCTL_KEY_FILE;
    process.env.SYNCTL_KEY_FILE = keyFile;
    try {
      await encrypt({ password: 'pw-from-env' });
      expect(readFileSync(keyFile, 'utf8').trim()).toHaveLength(44);
      expect(parseSiteConfig(site(out.join('').trim()), '').config.cpt?.db.password).toBe('pw-from-env');
    } finally {
      if (prev === undefined) delete process.env.SYNCTL_KEY_FILE;
      else process.env.SYNCTL_KEY_FILE = prev;
    }
  });

  test('tampered ciphertext fails without revealing the password', () => {
    const keyFile = join(dir, 'key');
    const key = Buffer.alloc(32, 1);
    writeFileSync(keyFile, key.toString('base64'), { mode: 0o600 });
    const good = encryptPassword('very-secret-pw', key);
    const raw = Buffer.from(good.slice('enc:v1:'.length), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    const bad = 'enc:v1:' + raw.toString('base64');

    const err = thrown(() => parseSiteConfig(site(bad), '', { keyFile }));
    expect(err.code).toBe('CRYPTO');
    expect(err.message).toBe(`dmhs/cpt/db_pwd: cannot decrypt the password: wrong key (${keyFile}) or damaged ciphertext`);
    expect(err.message).not.toContain('very-secret-pw');
    expect(JSON.stringify(err.details)).not.toContain('very-secret-pw');

    const truncated = thrown(() => parseSiteConfig(site('enc:v1:AAAA'), '', { keyFile }));
    expect(truncated.message).toBe('dmhs/cpt/db_pwd: cannot decrypt the password: the ciphertext is damaged');
  });

  test('a missing key file is a CRYPTO error naming the file and the element, and is not created', () => {
    const keyFile = join(dir, 'absent');
    const err = thrown(() => parseSiteConfig(site(encryptPassword('x', Buffer.alloc(32))), '', { keyFile }));
    expect(err.code).toBe('CRYPTO');
    expect(err.message).toBe(
      `cannot read key file ${keyFile} (needed to decrypt dmhs/cpt/db_pwd): no such file; create it with \`synctl encrypt\` or pass --key-file`,
    );
    expect(() => statSync(keyFile)).toThrow();
  });

  test('a key file readable by others gives a warning', () => {
    const keyFile = join(dir, 'open-key');
    const key = Buffer.alloc(32, 2);
    writeFileSync(keyFile, key.toString('hex'), { mode: 0o644 });
    const { warnings } = parseSiteConfig(site(encryptPassword('p', key)), '', { keyFile });
    expect(warnings).toEqual([{ path: 'dmhs/base/pwd_encipher', message: `key file ${keyFile} is readable by group/others (chmod 600 it)` }]);
  });

  test('ciphertext with pwd_encipher=0 is used as is, with a warning', () => {
    const ct = encryptPassword('p', Buffer.alloc(32));
    const { config, warnings } = parseSiteConfig(MINIMAL_CPT.replace('<db_pwd>pw</db_pwd>', `<db_pwd>${ct}</db_pwd>`), '');
    expect(config.cpt?.db.password).toBe(ct);
    expect(warnings.map((w) => w.path)).toEqual(['dmhs/cpt/db_pwd']);
  });
});
