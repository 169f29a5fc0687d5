/**
 * `synctl config check <file>`: validate a dmhs.hs and show what synctl will run:
 * tables on stdout (or --json), then warnings, then `OK: <file>`.
 * An invalid file prints every problem (one per line) and returns 1; read errors throw.
 */
import Table from 'cli-table3';
import { isSynctlError } from '../../errors';
import { loadSiteConfig } from '../../config/load';
import type {
  ConfigWarning,
  DbConnection,
  RecvConfig,
  SendConfig,
  SiteConfig,
  TlsOptions,
} from '../../config/types';

export interface ConfigCheckOptions {
  readonly file: string;
  readonly json: boolean;
  readonly keyFile?: string;
}

export async function configCheck(opts: ConfigCheckOptions): Promise<number> {
  let loaded: { config: SiteConfig; warnings: readonly ConfigWarning[] };
  try {
    loaded = loadSiteConfig(opts.file, opts.keyFile === undefined ? {} : { keyFile: opts.keyFile });
  } catch (e) {
    if (!isSynctlError(e, 'CONFIG_INVALID')) throw e;
    const errors = Array.isArray(e.details.errors) ? (e.details.errors as string[]) : [e.message];
    for (const line of errors) process.stderr.write(`synctl: ${line}\n`);
    return 1;
  }
  const { config, warnings } = loaded;
  if (opts.json) {
    process.stdout.write(toJson(config) + '\n');
    for (const w of warnings) process.stderr.write(`warning: ${w.path}: ${w.message}\n`);
    return 0;
  }
  process.stdout.write(render(config) + '\n');
  for (const w of warnings) process.stdout.write(`warning: ${w.path}: ${w.message}\n`);
  process.stdout.write(`OK: ${opts.file}\n`);
  return 0;
}

/** JSON with passwords masked; bigint-safe in case a later field carries an LSN. */
export function toJson(config: SiteConfig): string {
  return JSON.stringify(
    config,
    (key, value: unknown) => (key === 'password' ? '***' : typeof value === 'bigint' ? value.toString() : value),
    2,
  );
}

// plain tables: no colours, so piped output and tests see the same text
const STYLE = { head: [] as string[], border: [] as string[], compact: true };

function kv(title: string, rows: ReadonlyArray<readonly [string, string | number]>): string {
  const t = new Table({ head: [title, ''], style: STYLE });
  for (const [k, v] of rows) t.push([k, String(v)]);
  return t.toString();
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function dbRows(db: DbConnection): Array<[string, string | number]> {
  return [
    ['db', `${db.user}@${db.server}:${db.port}`],
    ['db_type', db.dbType],
    ['db_name', db.database === '' ? '(default)' : db.database],
    ['db_pwd', '***'],
  ];
}

function tls(t: TlsOptions | undefined): string {
  if (t === undefined) return 'no';
  const files = [t.ca && `ca ${t.ca}`, t.cert && `cert ${t.cert}`, t.key && `key ${t.key}`].filter(Boolean);
  return [t.verify ? 'yes (verify)' : 'yes (no verify)', ...files].join('\n');
}

function sendAddress(s: SendConfig): string {
  const t = s.target;
  if (t.kind === 'tcp') return `${t.ip}:${t.dataPort} (mgr ${t.mgrPort})`;
  if (t.kind === 'dir') return `${t.path} (roll ${t.fileSizeMb} MB / ${t.fileTimeSec} s)`;
  return 'stdout';
}

function recvAddress(r: RecvConfig): string {
  const s = r.source;
  if (s.kind === 'tcp') return `${s.ip}:${s.dataPort} (mgr ${s.mgrPort})`;
  if (s.kind === 'dir') return `${s.path} (poll ${s.pollSec} s, ${s.archivePath === '' ? 'remove when done' : `archive to ${s.archivePath}`})`;
  return 'stdin';
}

function render(c: SiteConfig): string {
  const b = c.base;
  const out: string[] = [];
  out.push(
    kv(`base (${c.file})`, [
      ['siteid', b.siteid],
      ['mgr_port', b.mgrPort],
      ['ckpt_interval', `${b.ckptInterval} s`],
      ['chk_interval', `${b.chkInterval} s`],
      ['lang', b.lang],
      ['version', b.version],
      ['pwd_encipher', yesNo(b.pwdEncipher)],
    ]),
  );

  const recvs: Array<[string, RecvConfig]> = [];
  const sends: Array<[string, SendConfig]> = [];
  if (c.cpt) {
    const p = c.cpt;
    out.push(
      kv('cpt (capture)', [
        ...dbRows(p.db),
        ['ddl_mask', p.ddlMask === '0' ? '0 (DDL off)' : p.ddlMask],
        ['idle_time', `${p.idleTime} s`],
        ['arch', `clear every ${p.arch.clearInterval} s, remove archives: ${yesNo(p.arch.clearFlag)}`],
      ]),
    );
    sends.push(['cpt', p.send]);
  }
  if (c.exec) {
    const x = c.exec;
    out.push(
      kv('exec (apply)', [
        ...dbRows(x.db),
        ['exec_thr', x.execThr],
        ['exec_trx', x.execTrx],
        ['exec_rows', x.execRows],
        ['exec_sql', x.execSql],
        ['exec_policy', x.execPolicy],
        ['commit_policy', x.commitPolicy],
        ['affect_row', yesNo(x.affectRow)],
        ['case_sensitive', yesNo(x.caseSensitive)],
        ['toggle_case', ['keep', 'lower', 'upper'][x.toggleCase] as string],
        ['ddl_continue', yesNo(x.ddlContinue)],
        ['soft_op', yesNo(x.softOp)],
      ]),
    );
    recvs.push(['exec', x.recv]);
  }
  for (const role of ['transfer', 'route'] as const) {
    const r = c[role];
    if (!r) continue;
    r.recvs.forEach((rv, i) => recvs.push([r.recvs.length > 1 ? `${role} #${i + 1}` : role, rv]));
    r.sends.forEach((s) => sends.push([`${role} #${s.index}`, s]));
  }

  if (recvs.length > 0) {
    const t = new Table({ head: ['recv', 'kind', 'address', 'gateway', 'tls'], style: STYLE });
    for (const [label, r] of recvs) t.push([label, r.source.kind, recvAddress(r), yesNo(r.gateway), tls(r.tls)]);
    out.push(t.toString());
  }
  if (sends.length > 0) {
    const t = new Table({ head: ['send', 'kind', 'address', 'compress', 'gateway', 'tls', 'siteids'], style: STYLE });
    for (const [label, s] of sends) {
      t.push([label, s.target.kind, sendAddress(s), yesNo(s.compress), yesNo(s.gateway), tls(s.tls), s.siteids.length === 0 ? 'all' : s.siteids.join(',')]);
    }
    out.push(t.toString());
    const f = new Table({ head: ['send', 'filter enable', 'filter disable', 'map'], style: STYLE });
    for (const [label, s] of sends) {
      f.push([label, s.filter.enable.join('\n'), s.filter.disable.join('\n') || '-', s.map.join('\n') || '(same names)']);
    }
    out.push(f.toString());
  }
  return out.join('\n');
}
