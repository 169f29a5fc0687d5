/**
 * <send> and <recv> elements: exactly one transport each (tcp, dir or stdio), plus the
 * per-hop options. Transport-specific elements on the wrong transport are errors, except
 * a switch left at its "off" value, so a template edited from tcp to dir still loads.
 */
import { isAbsolute, resolve } from 'node:path';
import type { FilterConfig, RecvConfig, RecvSource, SendConfig, SendTarget, TlsOptions } from './types';
import { checkFilterItem, checkMapItem } from '../filter/items';
import type { Elem } from './reader';

export const PORT = { min: 1000, max: 65535 } as const;
export const DEFAULT_MGR_PORT = 5345;

export type SendRole = 'cpt' | 'transfer' | 'route';

export interface LinkContext {
  /** relative paths resolve against this directory ('' = keep as written) */
  readonly baseDir: string;
}

type Kind = 'tcp' | 'dir' | 'stdio';
const HOST = /^[A-Za-z0-9._:[\]-]+$/;

function resolvePath(ctx: LinkContext, p: string): string {
  return ctx.baseDir === '' || isAbsolute(p) ? p : resolve(ctx.baseDir, p);
}

/** Which transports the element names; reports none or several. */
function pickKind(e: Elem, tcp: boolean, dir: boolean, stdio: boolean, what: string): Kind | undefined {
  const found: Kind[] = [];
  if (tcp) found.push('tcp');
  if (dir) found.push('dir');
  if (stdio) found.push('stdio');
  const choices = `ip+data_port (tcp), file_path (dir) or <stdio>1</stdio>`;
  if (found.length === 0) e.error(`needs ${what}: ${choices}`);
  if (found.length > 1) e.error(`give exactly one of ${choices}; found ${found.join(', ')}`);
  return found.length === 1 ? found[0] : undefined;
}

/** Report `name` when it is set on a transport it does not apply to. */
function onlyFor(e: Elem, name: string, present: boolean, kind: Kind | undefined, allowed: Kind, hint: string): void {
  if (present && kind !== undefined && kind !== allowed) e.error(`only for a ${allowed} ${e.name}${hint}`, name);
}

export function readTls(e: Elem | undefined, side: 'send' | 'recv', ctx: LinkContext): TlsOptions | undefined {
  if (e === undefined) return undefined;
  const ca = e.text('ca');
  const cert = e.text('cert');
  const key = e.text('key');
  const verify = e.flag('verify', true);
  e.done();
  if (side === 'recv') {
    if (cert === undefined && !e.has('cert')) e.error('a recv needs a certificate', 'cert');
    if (key === undefined && !e.has('key')) e.error('a recv needs a private key', 'key');
  } else if ((cert === undefined) !== (key === undefined) && e.has('cert') !== e.has('key')) {
    e.error('cert and key go together (client certificate)', cert === undefined ? 'cert' : 'key');
  }
  const out: { ca?: string; cert?: string; key?: string; verify: boolean } = { verify };
  if (ca !== undefined) out.ca = resolvePath(ctx, ca);
  if (cert !== undefined) out.cert = resolvePath(ctx, cert);
  if (key !== undefined) out.key = resolvePath(ctx, key);
  return out;
}

function readItems(e: Elem | undefined, check: (item: string) => string | undefined): string[] | undefined {
  if (e === undefined) return undefined;
  const items: string[] = [];
  for (const it of e.children('item')) {
    const v = it.value();
    if (v === undefined) continue;
    const bad = v === '' ? 'is empty' : check(v);
    if (bad !== undefined) it.error(bad);
    else items.push(v);
  }
  e.done();
  if (e.node.children.length === 0) e.error('has no <item> (leave the element out instead)');
  return items;
}

function readFilter(e: Elem | undefined): FilterConfig {
  if (e === undefined) return { enable: ['*.*'], disable: [] };
  const enable = readItems(e.child('enable'), checkFilterItem);
  const disable = readItems(e.child('disable'), checkFilterItem);
  e.done();
  // no whitelist means every table, as DMHS's customary <item>*.*</item>
  return { enable: enable ?? ['*.*'], disable: disable ?? [] };
}

/** route's siteids: '1,2,5' or '*' (all, stored as []). */
function readSiteids(e: Elem): number[] {
  const v = e.value();
  if (v === undefined) return [];
  if (v === '*') return [];
  if (v === '') {
    e.error("is empty (give siteids like '1,2' or '*')");
    return [];
  }
  const out: number[] = [];
  for (const raw of v.split(',')) {
    const s = raw.trim();
    if (!/^\d+$/.test(s)) {
      e.error(`'${s}' is not a siteid (integer list like '1,2' or '*')`);
      continue;
    }
    const n = Number(s);
    if (n < 1 || n > 30000) e.error(`siteid ${n} is outside 1..30000`);
    else if (out.includes(n)) e.error(`siteid ${n} is listed twice`);
    else out.push(n);
  }
  return out;
}

export function readSend(e: Elem, index: number, role: SendRole, ctx: LinkContext): SendConfig {
  const ip = e.text('ip');
  const dataPort = e.int('data_port', { ...PORT, def: -1 });
  const mgrPort = e.int('mgr_port', { ...PORT, def: DEFAULT_MGR_PORT });
  const filePath = e.text('file_path');
  const fileSize = e.int('file_size', { min: 1, max: 4096, def: 64 });
  const fileTime = e.int('file_time', { min: 1, max: 86400, def: 5 });
  const stdio = e.flag('stdio', false);
  const netPackSize = e.int('net_pack_size', { min: 1, max: 65536, def: 256 });
  e.ignored('net_turns', 'accepted for DMHS compatibility; synctl paces sends by acknowledgements');
  const crcCheck = e.flag('crc_check', true);
  const compress = e.flag('enable_compress', false);
  const gateway = e.flag('gateway', false);
  const tlsEl = e.child('tls');
  const siteidsEl = e.child('siteids');
  const trigger = e.flag('trigger', false);
  const constraint = e.flag('constraint', false);
  const identity = e.flag('identity', true);
  const filter = readFilter(e.child('filter'));
  const map = readItems(e.child('map'), checkMapItem) ?? [];

  const kind = pickKind(e, e.has('ip') || e.has('data_port'), e.has('file_path'), stdio, 'a destination');
  if (kind === 'tcp') {
    if (!e.has('ip')) e.error('is required for a tcp send', 'ip');
    if (!e.has('data_port')) e.error('is required for a tcp send', 'data_port');
    if (ip !== undefined && !HOST.test(ip)) e.error(`'${ip}' is not a host name or IP address`, 'ip');
  }
  onlyFor(e, 'mgr_port', e.has('mgr_port'), kind, 'tcp', '');
  onlyFor(e, 'file_size', e.has('file_size'), kind, 'dir', ' (file_path)');
  onlyFor(e, 'file_time', e.has('file_time'), kind, 'dir', ' (file_path)');
  onlyFor(e, 'gateway', gateway, kind, 'tcp', '');
  onlyFor(e, 'tls', tlsEl !== undefined, kind, 'tcp', '');
  if (siteidsEl !== undefined && role !== 'route') e.error(`only for a route send (this is ${role})`, 'siteids');
  const siteids = siteidsEl === undefined ? [] : readSiteids(siteidsEl);
  const tls = readTls(tlsEl, 'send', ctx);
  e.done();

  let target: SendTarget;
  if (kind === 'dir') target = { kind: 'dir', path: resolvePath(ctx, filePath ?? ''), fileSizeMb: fileSize ?? 64, fileTimeSec: fileTime ?? 5 };
  else if (kind === 'stdio') target = { kind: 'stdio' };
  else target = { kind: 'tcp', ip: ip ?? '', dataPort: dataPort ?? -1, mgrPort: mgrPort ?? DEFAULT_MGR_PORT };

  const send: SendConfig = {
    index,
    target,
    netPackSize: netPackSize ?? 256,
    crcCheck,
    compress,
    gateway,
    siteids,
    filter,
    map,
    trigger,
    constraint,
    identity,
    ...(tls === undefined ? {} : { tls }),
  };
  return send;
}

export function readRecv(e: Elem, ctx: LinkContext): RecvConfig {
  const ip = e.text('ip');
  const dataPort = e.int('data_port', { ...PORT, def: -1 });
  const mgrPort = e.int('mgr_port', { ...PORT, def: DEFAULT_MGR_PORT });
  const filePath = e.text('file_path');
  const archivePath = e.text('archive_path');
  const poll = e.int('poll_interval', { min: 1, max: 86400, def: 1 });
  const stdio = e.flag('stdio', false);
  const gateway = e.flag('gateway', false);
  const tlsEl = e.child('tls');

  const tcpish = e.has('ip') || e.has('data_port') || e.has('mgr_port');
  const kind = pickKind(e, tcpish, e.has('file_path'), stdio, 'a source');
  if (kind === 'tcp') {
    if (!e.has('data_port')) e.error('is required for a tcp recv', 'data_port');
    if (ip !== undefined && !HOST.test(ip)) e.error(`'${ip}' is not a host name or IP address`, 'ip');
  }
  onlyFor(e, 'archive_path', e.has('archive_path'), kind, 'dir', ' (file_path)');
  onlyFor(e, 'poll_interval', e.has('poll_interval'), kind, 'dir', ' (file_path)');
  onlyFor(e, 'gateway', gateway, kind, 'tcp', '');
  onlyFor(e, 'tls', tlsEl !== undefined, kind, 'tcp', '');
  const tls = readTls(tlsEl, 'recv', ctx);
  e.done();

  let source: RecvSource;
  if (kind === 'dir') {
    source = {
      kind: 'dir',
      path: resolvePath(ctx, filePath ?? ''),
      archivePath: archivePath === undefined ? '' : resolvePath(ctx, archivePath),
      pollSec: poll ?? 1,
    };
  } else if (kind === 'stdio') source = { kind: 'stdio' };
  else source = { kind: 'tcp', ip: ip ?? '0.0.0.0', dataPort: dataPort ?? -1, mgrPort: mgrPort ?? DEFAULT_MGR_PORT };
  return { source, gateway, ...(tls === undefined ? {} : { tls }) };
}
