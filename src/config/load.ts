/**
 * dmhs.hs → SiteConfig. Reads the XML, checks every rule (collecting all problems),
 * decrypts passwords and returns a deeply frozen config plus warnings.
 * One CONFIG_INVALID error carries every problem: message = the first, details.errors = all.
 */
import { parseTypeMapItem, type TypeMapItem } from '../dialect/type-map';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SynctlError } from '../errors';
import { registerSecret } from '../log';
import { DEFAULT_MGR_PORT, PORT, readRecv, readSend, type LinkContext, type SendRole } from './links';
import { Elem, Issues } from './reader';
import { decryptPassword, isCiphertext, keyFileTooOpen, readKey, resolveKeyFile } from './secrets';
import type {
  ArchConfig,
  BaseConfig,
  ConfigWarning,
  CptConfig,
  DbConnection,
  DbType,
  ExecConfig,
  Lang,
  RelayConfig,
  SiteConfig,
} from './types';
import { decodeXml, parseXml } from './xml';

export interface LoadOptions {
  /** key file for encrypted db_pwd values (else $SYNCTL_KEY_FILE, else ~/.synctl/key) */
  readonly keyFile?: string;
}

export interface LoadResult {
  readonly config: SiteConfig;
  /** a fresh array per call (the config itself is frozen) */
  readonly warnings: ConfigWarning[];
}

const DB_TYPES: readonly DbType[] = ['MYSQL', 'MARIADB', 'PG', 'MSSQL'];
const DEFAULT_DB_PORT: Record<DbType, number> = { MYSQL: 3306, MARIADB: 3306, PG: 5432, MSSQL: 1433 };
const DDL_TOKENS = ['op', 'obj', 'rec'];

export function loadSiteConfig(file: string, opts: LoadOptions = {}): LoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new SynctlError('CONFIG_READ', `cannot read ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
  return parseSiteConfig(decodeXml(bytes, file), file, opts);
}

export function parseSiteConfig(xmlText: string, file: string, opts: LoadOptions = {}): LoadResult {
  const root = parseXml(xmlText.replace(/^\uFEFF/, ''), file);
  const issues = new Issues();
  const dmhs = new Elem(root, root.name, issues);
  if (root.name !== 'dmhs') {
    issues.error(root.line, root.name, `root element must be <dmhs>, not <${root.name}>`);
    throw invalid(issues);
  }

  const baseEl = dmhs.need('base');
  const base = baseEl === undefined ? undefined : readBase(baseEl);
  const ctx: SiteContext = { baseDir: file === '' ? '' : dirname(resolve(file)), pwdEncipher: base?.pwdEncipher ?? false, siteid: base?.siteid ?? 0 };
  const cpt = optional(dmhs.child('cpt'), readCpt(ctx));
  const exec = optional(dmhs.child('exec'), readExec(ctx));
  const transfer = optional(dmhs.child('transfer'), readRelay('transfer', ctx));
  const route = optional(dmhs.child('route'), readRelay('route', ctx));
  dmhs.done();
  if (!cpt && !exec && !transfer && !route) {
    issues.error(root.line, 'dmhs', 'needs at least one of <cpt>, <exec>, <transfer>, <route>');
  }
  const parts = { cpt, exec, transfer, route };
  if (base !== undefined) checkListenPorts(base, parts, issues);
  if (!issues.ok || base === undefined) throw invalid(issues);

  const config: SiteConfig = {
    file,
    base,
    ...(cpt ? { cpt: withPassword(cpt, base, 'dmhs/cpt', opts, issues) } : {}),
    ...(exec ? { exec: withPassword(exec, base, 'dmhs/exec', opts, issues) } : {}),
    ...(transfer ? { transfer } : {}),
    ...(route ? { route } : {}),
  };
  return { config: deepFreeze(config), warnings: issues.warnings.map((w) => Object.freeze({ ...w })) };
}

interface SiteContext extends LinkContext {
  /** db_pwd must then be ciphertext */
  readonly pwdEncipher: boolean;
  /** base/siteid (0 when missing): names PostgreSQL slot and publication defaults */
  readonly siteid: number;
}

function invalid(issues: Issues): SynctlError {
  const errors = issues.errors;
  return new SynctlError('CONFIG_INVALID', errors[0] ?? 'invalid config', { errors });
}

function optional<T>(e: Elem | undefined, read: (e: Elem) => T): T | undefined {
  return e === undefined ? undefined : read(e);
}

function readBase(e: Elem): BaseConfig {
  const siteid = e.int('siteid', { min: 1, max: 30000 });
  const mgrPort = e.int('mgr_port', { ...PORT, def: DEFAULT_MGR_PORT });
  const ckptInterval = e.int('ckpt_interval', { min: 10, max: 65535, def: 60 });
  const chkInterval = e.int('chk_interval', { min: 1, max: 3600, def: 3 });
  const lang = e.choice<Lang>('lang', ['ch', 'en'], { def: 'en' });
  const version = e.choice('version', ['1.0', '2.0'], { def: '2.0' });
  const pwdEncipher = e.flag('pwd_encipher', false);
  e.done();
  return {
    siteid: siteid ?? 0,
    mgrPort: mgrPort ?? DEFAULT_MGR_PORT,
    ckptInterval: ckptInterval ?? 60,
    chkInterval: chkInterval ?? 3,
    lang: lang ?? 'en',
    version: version ?? '2.0',
    pwdEncipher,
  };
}

/** db_* elements shared by cpt and exec; the password is still as written (maybe ciphertext). */
function readDb(e: Elem, ctx: SiteContext): DbConnection {
  const dbType = e.choice('db_type', DB_TYPES, { upper: true });
  const server = e.text('db_server', { required: true });
  const port = e.int('db_port', { min: 1, max: 65535, def: DEFAULT_DB_PORT[dbType ?? 'MYSQL'] });
  const user = e.text('db_user', { required: true });
  const password = e.text('db_pwd', { required: true, allowEmpty: true });
  const database = e.text('db_name', { allowEmpty: true });
  if (ctx.pwdEncipher && password !== undefined && !isCiphertext(password)) {
    e.error("is not ciphertext from `synctl encrypt` (base/pwd_encipher is 1)", 'db_pwd');
  }
  return {
    dbType: dbType ?? 'MYSQL',
    server: server ?? '',
    port: port ?? 0,
    user: user ?? '',
    password: password ?? '',
    database: database ?? '',
  };
}

function readDdlMask(e: Elem): string {
  const c = e.child('ddl_mask');
  if (c === undefined) return '0';
  const v = c.value() ?? '0';
  if (v === '0') return v;
  for (const t of v.split(':')) {
    if (!DDL_TOKENS.includes(t)) {
      c.error(`'${v}' is not '0' or a colon list of ${DDL_TOKENS.join(', ')} (bad token '${t}')`);
      break;
    }
  }
  return v;
}

function readArch(e: Elem | undefined): ArchConfig {
  if (e === undefined) return { clearInterval: 600, clearFlag: false };
  const clearInterval = e.int('clear_interval', { min: 1, max: 2592000, def: 600 });
  const clearFlag = e.flag('clear_flag', false);
  e.done();
  return { clearInterval: clearInterval ?? 600, clearFlag };
}

const readCpt =
  (ctx: SiteContext) =>
  (e: Elem): CptConfig => {
    const db = readDb(e, ctx);
    const ddlMask = readDdlMask(e);
    const idleTime = e.int('idle_time', { min: 1, max: 3600, def: 10 });
    const arch = readArch(e.child('arch'));
    for (const n of ['ddl_with_ts', 'char_code', 'dir_replace']) e.ignored(n);
    const sendEl = e.need('send', 'is required (where captured changes go)');
    const send = sendEl === undefined ? undefined : readSend(sendEl, 1, 'cpt', ctx);
    const slotName = pgObjectName(e, 'slot_name', `synctl_${ctx.siteid}`, db.dbType);
    const publication = pgObjectName(e, 'publication', `synctl_${ctx.siteid}`, db.dbType);
    e.done();
    return { db, ddlMask, idleTime: idleTime ?? 10, arch, send: send as CptConfig['send'], slotName, publication };
  };

/** A PostgreSQL slot or publication name: lower-case letters, digits and _ (what a replication slot accepts), at most 63. */
function pgObjectName(e: Elem, name: string, def: string, dbType: DbType): string {
  const v = e.text(name);
  if (v === undefined) return def;
  if (dbType !== 'PG') e.warn(`applies to a PostgreSQL source only (db_type is ${dbType}): ignored`, name);
  else if (!/^[a-z0-9_]{1,63}$/.test(v)) e.error(`'${v}' must be 1 to 63 lower-case letters, digits or _ (a replication slot name)`, name);
  return v;
}

const readExec =
  (ctx: SiteContext) =>
  (e: Elem): ExecConfig => {
    const db = readDb(e, ctx);
    const recvEl = e.need('recv', 'is required (where changes come from)');
    const recv = recvEl === undefined ? undefined : readRecv(recvEl, ctx);
    const execThr = e.int('exec_thr', { min: 1, max: 256, def: 4 });
    const execTrx = e.int('exec_trx', { min: 1, max: 1000000, def: 5000 });
    const execRows = e.int('exec_rows', { min: 1, max: 100000, def: 1000 });
    const execSql = e.int('exec_sql', { min: 1, max: 1000000, def: 1024 });
    const execPolicy = e.int('exec_policy', { min: 0, max: 2, def: 0 });
    const commitPolicy = e.int('commit_policy', { min: 0, max: 3, def: 1 });
    const affectRow = e.flag('affect_row', true);
    const caseSensitive = e.flag('case_sensitive', true);
    const toggleCase = e.int('toggle_case', { min: 0, max: 2, def: 0 });
    const ddlContinue = e.flag('ddl_continue', false);
    const softOp = e.flag('soft_op', false);
    const zeroDateText = e.text('zero_date');
    let zeroDate: string | null = null;
    if (zeroDateText !== undefined && zeroDateText.toUpperCase() !== 'NULL') {
      if (/^\d{4}-\d\d-\d\d$/.test(zeroDateText) && !Number.isNaN(Date.parse(zeroDateText))) zeroDate = zeroDateText;
      else e.error(`'${zeroDateText}' must be NULL or a date YYYY-MM-DD`, 'zero_date');
    }
    const sysSchema = e.text('sys_schema') ?? 'synctl';
    const typeMap: TypeMapItem[] = [];
    const tm = e.child('type_map');
    if (tm !== undefined) {
      for (const it of tm.children('item')) {
        const v = it.value();
        if (v === undefined) continue;
        const parsed = parseTypeMapItem(v);
        if (typeof parsed === 'string') it.error(parsed);
        else typeMap.push(parsed);
      }
      tm.done();
    }
    for (const n of ['enable_rowid', 'check_index', 'level', 'length_in_char', 'stat_tab', 'trxid_tables']) e.ignored(n);
    e.done();
    return {
      db,
      recv: recv as ExecConfig['recv'],
      execThr: execThr ?? 4,
      execTrx: execTrx ?? 5000,
      execRows: execRows ?? 1000,
      execSql: execSql ?? 1024,
      execPolicy: (execPolicy ?? 0) as ExecConfig['execPolicy'],
      commitPolicy: (commitPolicy ?? 1) as ExecConfig['commitPolicy'],
      affectRow,
      caseSensitive,
      toggleCase: (toggleCase ?? 0) as ExecConfig['toggleCase'],
      ddlContinue,
      softOp,
      zeroDate,
      sysSchema,
      typeMap,
    };
  };

const readRelay =
  (role: Exclude<SendRole, 'cpt'>, ctx: LinkContext) =>
  (e: Elem): RelayConfig => {
    let recvs;
    if (role === 'transfer') {
      const one = e.need('recv');
      recvs = one === undefined ? [] : [readRecv(one, ctx)];
    } else {
      const els = e.children('recv');
      if (els.length === 0) e.error('is required (at least one)', 'recv');
      recvs = els.map((r) => readRecv(r, ctx));
    }
    const sendEls = e.children('send');
    if (sendEls.length === 0) e.error('is required (at least one)', 'send');
    const sends = sendEls.map((s, i) => readSend(s, i + 1, role, ctx));
    e.done();
    return { recvs, sends };
  };

/** Two listeners of one site on the same port would fail at start-up: say so now. */
function checkListenPorts(
  base: BaseConfig,
  parts: { exec?: ExecConfig | undefined; transfer?: RelayConfig | undefined; route?: RelayConfig | undefined },
  issues: Issues,
): void {
  const used = new Map<number, string>([[base.mgrPort, 'dmhs/base/mgr_port']]);
  const recvs: Array<[string, ExecConfig['recv'][]]> = [
    ['dmhs/exec/recv', parts.exec?.recv ? [parts.exec.recv] : []],
    ['dmhs/transfer/recv', parts.transfer ? [...parts.transfer.recvs] : []],
    ['dmhs/route/recv', parts.route ? [...parts.route.recvs] : []],
  ];
  for (const [prefix, list] of recvs) {
    list.forEach((r, i) => {
      if (r === undefined || r.source.kind !== 'tcp' || r.source.dataPort < 0) return;
      const path = `${list.length > 1 ? `${prefix}[${i + 1}]` : prefix}/data_port`;
      const other = used.get(r.source.dataPort);
      if (other !== undefined) issues.error(Number.MAX_SAFE_INTEGER, path, `${r.source.dataPort} is already used by ${other}`);
      else used.set(r.source.dataPort, path);
    });
  }
}

/** Decrypt (pwd_encipher=1) and register the clear password so logs never show it. */
function withPassword<T extends { db: DbConnection }>(
  part: T,
  base: BaseConfig,
  prefix: string,
  opts: LoadOptions,
  issues: Issues,
): T {
  const path = `${prefix}/db_pwd`;
  let password = part.db.password;
  if (base.pwdEncipher) {
    const keyFile = resolveKeyFile(opts.keyFile);
    password = decryptPassword(password, readKey(keyFile, path), path, keyFile);
    if (keyFileTooOpen(keyFile)) issues.warn('dmhs/base/pwd_encipher', `key file ${keyFile} is readable by group/others (chmod 600 it)`);
  } else if (isCiphertext(password)) {
    issues.warn(path, 'looks like ciphertext but base/pwd_encipher is 0, so it is used as the clear password');
  }
  registerSecret(password);
  return { ...part, db: { ...part.db, password } };
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
