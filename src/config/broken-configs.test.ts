/**
 * Broken dmhs.hs files and the exact one-line error each must produce.
 * The line is what `synctl` prints after 'synctl: ', so a change here is a user-visible change.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SynctlError, type ErrorCode } from '../errors';
import { parseSiteConfig } from './load';
import { encryptPassword } from './secrets';

const BASE = '<base><siteid>1</siteid></base>';
const DB = '<db_type>MYSQL</db_type><db_server>127.0.0.1</db_server><db_user>u</db_user><db_pwd>p</db_pwd>';
const TCP = '<ip>127.0.0.1</ip><data_port>5346</data_port>';
const RECV = '<recv><data_port>5346</data_port></recv>';
const cpt = (send: string, extra = '') => `<dmhs>${BASE}<cpt>${DB}${extra}<send>${send}</send></cpt></dmhs>`;
const exec = (extra: string) => `<dmhs>${BASE}<exec>${DB}${RECV}${extra}</exec></dmhs>`;
const withBase = (base: string) => `<dmhs><base>${base}</base><cpt>${DB}<send>${TCP}</send></cpt></dmhs>`;
const enableItems = (...items: string[]) =>
  cpt(`${TCP}<filter><enable>${items.map((i) => `<item>${i}</item>`).join('')}</enable></filter>`);

// two keys: the password is encrypted with one and loaded with the other
const dir = mkdtempSync(join(tmpdir(), 'synctl-broken-'));
const rightKey = Buffer.alloc(32, 7);
const wrongKeyFile = join(dir, 'wrong.key');
writeFileSync(wrongKeyFile, Buffer.alloc(32, 9).toString('base64') + '\n', { mode: 0o600 });
const encrypted = (pwd: string) =>
  `<dmhs><base><siteid>1</siteid><pwd_encipher>1</pwd_encipher></base><cpt>${DB.replace('<db_pwd>p</db_pwd>', `<db_pwd>${pwd}</db_pwd>`)}<send>${TCP}</send></cpt></dmhs>`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly xml: string;
  readonly error: string;
  readonly code?: ErrorCode;
}

const cases: readonly Case[] = [
  { name: 'data port out of range', xml: cpt('<ip>1.2.3.4</ip><data_port>70000</data_port>'), error: 'dmhs/cpt/send/data_port: 70000 is outside 1000..65535' },
  { name: 'mgr port below 1000', xml: withBase('<siteid>1</siteid><mgr_port>80</mgr_port>'), error: 'dmhs/base/mgr_port: 80 is outside 1000..65535' },
  { name: 'siteid 0', xml: withBase('<siteid>0</siteid>'), error: 'dmhs/base/siteid: 0 is outside 1..30000' },
  { name: 'missing siteid', xml: withBase('<mgr_port>5345</mgr_port>'), error: 'dmhs/base/siteid: is required' },
  { name: 'non-integer siteid', xml: withBase('<siteid>abc</siteid>'), error: "dmhs/base/siteid: 'abc' is not an integer" },
  { name: 'fractional number', xml: withBase('<siteid>1</siteid><ckpt_interval>60.5</ckpt_interval>'), error: "dmhs/base/ckpt_interval: '60.5' is not an integer" },
  { name: 'duplicate element', xml: withBase('<siteid>1</siteid><siteid>2</siteid>'), error: 'dmhs/base/siteid: duplicate element (only one allowed)' },
  { name: 'bad lang', xml: withBase('<siteid>1</siteid><lang>fr</lang>'), error: "dmhs/base/lang: 'fr' is not one of ch, en" },
  { name: 'pwd_encipher 2', xml: withBase('<siteid>1</siteid><pwd_encipher>2</pwd_encipher>'), error: "dmhs/base/pwd_encipher: '2' must be 0 or 1" },
  { name: 'missing base', xml: `<dmhs><cpt>${DB}<send>${TCP}</send></cpt></dmhs>`, error: 'dmhs/base: is required' },
  { name: 'no role', xml: `<dmhs>${BASE}</dmhs>`, error: 'dmhs: needs at least one of <cpt>, <exec>, <transfer>, <route>' },
  { name: 'wrong root', xml: `<dhms>${BASE}</dhms>`, error: 'dhms: root element must be <dmhs>, not <dhms>' },
  { name: 'unknown element with did-you-mean', xml: exec('<exec_thrd>3</exec_thrd>'), error: 'dmhs/exec/exec_thrd: unknown element (did you mean exec_thr?)' },
  { name: 'unknown element without a near name', xml: exec('<colour>red</colour>'), error: 'dmhs/exec/colour: unknown element' },
  { name: 'bad db_type', xml: cpt(TCP).replace('MYSQL', 'ORACLE'), error: "dmhs/cpt/db_type: 'ORACLE' is not one of MYSQL, MARIADB, PG, MSSQL" },
  { name: 'misspelt db_type', xml: cpt(TCP).replace('MYSQL', 'postgress'), error: "dmhs/cpt/db_type: 'postgress' is not one of MYSQL, MARIADB, PG, MSSQL" },
  { name: 'missing db_server', xml: cpt(TCP).replace('<db_server>127.0.0.1</db_server>', ''), error: 'dmhs/cpt/db_server: is required' },
  { name: 'db_port 0', xml: cpt(TCP, '<db_port>0</db_port>'), error: 'dmhs/cpt/db_port: 0 is outside 1..65535' },
  { name: 'two sends in cpt', xml: `<dmhs>${BASE}<cpt>${DB}<send>${TCP}</send>\n<send>${TCP}</send></cpt></dmhs>`, error: 'dmhs/cpt/send: duplicate element (only one allowed)' },
  { name: 'cpt without send', xml: `<dmhs>${BASE}<cpt>${DB}</cpt></dmhs>`, error: 'dmhs/cpt/send: is required (where captured changes go)' },
  {
    name: 'send with both ip and file_path',
    xml: cpt(`${TCP}<file_path>/x</file_path>`),
    error: 'dmhs/cpt/send: give exactly one of ip+data_port (tcp), file_path (dir) or <stdio>1</stdio>; found tcp, dir',
  },
  {
    name: 'send with no destination',
    xml: cpt('<net_pack_size>2</net_pack_size>'),
    error: 'dmhs/cpt/send: needs a destination: ip+data_port (tcp), file_path (dir) or <stdio>1</stdio>',
  },
  { name: 'tcp send without data_port', xml: cpt('<ip>127.0.0.1</ip>'), error: 'dmhs/cpt/send/data_port: is required for a tcp send' },
  { name: 'gateway on a dir send', xml: cpt('<file_path>/x</file_path><gateway>1</gateway>'), error: 'dmhs/cpt/send/gateway: only for a tcp send' },
  { name: 'tls on stdio', xml: cpt('<stdio>1</stdio><tls><ca>ca.pem</ca></tls>'), error: 'dmhs/cpt/send/tls: only for a tcp send' },
  { name: 'file_size on a tcp send', xml: cpt(`${TCP}<file_size>10</file_size>`), error: 'dmhs/cpt/send/file_size: only for a dir send (file_path)' },
  { name: 'siteids outside route', xml: cpt(`${TCP}<siteids>1,2</siteids>`), error: 'dmhs/cpt/send/siteids: only for a route send (this is cpt)' },
  { name: 'filter item with one part', xml: enableItems('APP'), error: "dmhs/cpt/send/filter/enable/item: 'APP' is not SCH.TAB, SCH.*, *.* or DB.SCH.TAB" },
  { name: 'row filter with a dangling operator', xml: enableItems('APP.T(A >)'), error: "dmhs/cpt/send/filter/enable/item: 'APP.T(A >)': row condition: expected a value but the condition ended" },
  {
    name: 'unbalanced row filter',
    xml: enableItems('APP.*', 'APP.T(A > (1)'),
    error: "dmhs/cpt/send/filter/enable/item[2]: 'APP.T(A > (1)' has unbalanced parentheses in its row condition",
  },
  { name: 'row filter on a wildcard', xml: enableItems('APP.*(X = 1)'), error: "dmhs/cpt/send/filter/enable/item: 'APP.*(X = 1)': a row condition needs one table, not 'APP.*'" },
  { name: 'empty filter list', xml: cpt(`${TCP}<filter><enable></enable></filter>`), error: 'dmhs/cpt/send/filter/enable: has no <item> (leave the element out instead)' },
  {
    name: 'map wildcard mismatch',
    xml: cpt(`${TCP}<map><item>APP.* == BAK.T</item></map>`),
    error: "dmhs/cpt/send/map/item: 'APP.* == BAK.T': wildcards differ ('APP.*' vs 'BAK.T'; use APP.* == BAK.* or APP.T == BAK.T)",
  },
  { name: 'map without ==', xml: cpt(`${TCP}<map><item>APP.* = BAK.*</item></map>`), error: "dmhs/cpt/send/map/item: 'APP.* = BAK.*' is not 'SRC == DST'" },
  {
    name: "bare '<' in an item",
    xml: `<dmhs>${BASE}\n<cpt>${DB}<send>${TCP}<filter><enable>\n<item>APP.T(C < 3)</item></enable></filter></send></cpt></dmhs>`,
    code: 'CONFIG_READ',
    error: "t.hs:3:16: not well-formed XML: Invalid space after '<'; a '<' inside a value must be written &lt; (e.g. <item>APP.T(C &lt; 3)</item>)",
  },
  {
    name: "bare '&' in an item",
    xml: `<dmhs>${BASE}\n<cpt>${DB}<send>${TCP}<map>\n  <item>A&B.* == C.*</item></map></send></cpt></dmhs>`,
    code: 'CONFIG_READ',
    error: "t.hs:3:10: not well-formed XML: char '&' is not expected; a '&' inside a value must be written &amp;",
  },
  { name: 'unclosed element', xml: `<dmhs>\n${BASE}\n<cpt>`, code: 'CONFIG_READ', error: 't.hs: not well-formed XML: the file ends inside <dmhs> <cpt> (missing </cpt>)' },
  { name: 'one unclosed element', xml: `<dmhs>\n${BASE}\n<cpt></cpt>`, code: 'CONFIG_READ', error: "t.hs:1:1: not well-formed XML: Unclosed tag 'dmhs'." },
  { name: 'empty file', xml: '  \n', code: 'CONFIG_READ', error: 't.hs: the file is empty (expected a <dmhs> document)' },
  { name: 'type_map item without ==', xml: exec('<type_map><item>tinyint(1) boolean</item></type_map>'), error: "dmhs/exec/type_map/item: 'tinyint(1) boolean' is not 'SOURCE_TYPE == TARGET_TYPE' (or 'schema.table.column == TARGET_TYPE')" },
  { name: 'zero_date not a date', xml: exec('<zero_date>yesterday</zero_date>'), error: "dmhs/exec/zero_date: 'yesterday' must be NULL or a date YYYY-MM-DD" },
  { name: 'exec_policy 5', xml: exec('<exec_policy>5</exec_policy>'), error: 'dmhs/exec/exec_policy: 5 is outside 0..2' },
  { name: 'toggle_case 3', xml: exec('<toggle_case>3</toggle_case>'), error: 'dmhs/exec/toggle_case: 3 is outside 0..2' },
  { name: 'exec_thr 0', xml: exec('<exec_thr>0</exec_thr>'), error: 'dmhs/exec/exec_thr: 0 is outside 1..256' },
  { name: 'exec without recv', xml: `<dmhs>${BASE}<exec>${DB}</exec></dmhs>`, error: 'dmhs/exec/recv: is required (where changes come from)' },
  { name: 'recv port clashes with mgr_port', xml: exec('').replace('5346', '5345'), error: 'dmhs/exec/recv/data_port: 5345 is already used by dmhs/base/mgr_port' },
  { name: 'recv tls without cert', xml: exec('').replace('</recv>', '<tls><ca>ca.pem</ca></tls></recv>'), error: 'dmhs/exec/recv/tls/cert: a recv needs a certificate' },
  { name: 'archive_path on a tcp recv', xml: exec('').replace('</recv>', '<archive_path>/a</archive_path></recv>'), error: 'dmhs/exec/recv/archive_path: only for a dir recv (file_path)' },
  { name: 'transfer with two recvs', xml: `<dmhs>${BASE}<transfer>${RECV}${RECV}<send>${TCP}</send></transfer></dmhs>`, error: 'dmhs/transfer/recv: duplicate element (only one allowed)' },
  { name: 'route without send', xml: `<dmhs>${BASE}<route>${RECV}</route></dmhs>`, error: 'dmhs/route/send: is required (at least one)' },
  {
    name: 'bad siteid list in a route send',
    xml: `<dmhs>${BASE}<route>${RECV}<send>${TCP}</send><send>${TCP}<siteids>1,x</siteids></send></route></dmhs>`,
    error: "dmhs/route/send[2]/siteids: 'x' is not a siteid (integer list like '1,2' or '*')",
  },
  { name: 'bad ddl_mask', xml: cpt(TCP, '<ddl_mask>op:objs</ddl_mask>'), error: "dmhs/cpt/ddl_mask: 'op:objs' is not '0' or a colon list of op, obj, rec (bad token 'objs')" },
  { name: 'attribute', xml: cpt(TCP).replace('<send>', '<send mode="fast">'), error: 'dmhs/cpt/send: attributes are not supported (mode)' },
  { name: 'stray text', xml: cpt(TCP).replace('<send>', 'oops<send>'), error: "dmhs/cpt: unexpected text 'oops' (expected only child elements)" },
  { name: 'clear password with pwd_encipher=1', xml: encrypted('p'), error: 'dmhs/cpt/db_pwd: is not ciphertext from `synctl encrypt` (base/pwd_encipher is 1)' },
  {
    name: 'encrypted password with the wrong key',
    xml: encrypted(encryptPassword('s3cret-pw', rightKey)),
    code: 'CRYPTO',
    error: `dmhs/cpt/db_pwd: cannot decrypt the password: wrong key (${wrongKeyFile}) or damaged ciphertext`,
  },
];

describe('broken configs', () => {
  test('the table is big enough to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  test.each(cases)('$name', ({ xml, error, code }) => {
    let thrown: unknown;
    try {
      parseSiteConfig(xml, 't.hs', { keyFile: wrongKeyFile });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SynctlError);
    const err = thrown as SynctlError;
    expect(err.code).toBe(code ?? 'CONFIG_INVALID');
    expect(err.message).toBe(error);
    if (err.code === 'CONFIG_INVALID') expect((err.details.errors as string[])[0]).toBe(error);
    expect(err.message).not.toContain('s3cret-pw');
  });
});

test('every problem is collected, in document order', () => {
  const xml = `<dmhs>
  <base><siteid>0</siteid><mgr_port>99</mgr_port></base>
  <route>
    <recv><data_port>5346</data_port></recv>
    <recv><data_port>5346</data_port></recv>
    <send><ip>127.0.0.1</ip><data_port>5400</data_port><siteids>1,x,40000</siteids></send>
    <send><file_path>out</file_path><file_size>0</file_size><gatway>1</gatway></send>
  </route>
</dmhs>`;
  let err: SynctlError | undefined;
  try {
    parseSiteConfig(xml, 't.hs');
  } catch (e) {
    err = e as SynctlError;
  }
  expect(err?.code).toBe('CONFIG_INVALID');
  expect(err?.details.errors).toEqual([
    'dmhs/base/siteid: 0 is outside 1..30000',
    'dmhs/base/mgr_port: 99 is outside 1000..65535',
    "dmhs/route/send[1]/siteids: 'x' is not a siteid (integer list like '1,2' or '*')",
    'dmhs/route/send[1]/siteids: siteid 40000 is outside 1..30000',
    'dmhs/route/send[2]/file_size: 0 is outside 1..4096',
    'dmhs/route/send[2]/gatway: unknown element (did you mean gateway?)',
    'dmhs/route/recv[2]/data_port: 5346 is already used by dmhs/route/recv[1]/data_port',
  ]);
  expect(err?.message).toBe('dmhs/base/siteid: 0 is outside 1..30000');
});
