/**
 * The tests' site configs (dmhs.hs): a MariaDB source under <cpt> and, when the test
 * applies or loads, a target under <exec>, with the harness servers' connection details.
 */
import * as fs from 'node:fs';
import { harness } from '../harness';

export type Engine = 'mariadb' | 'postgres';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** db_* elements for a harness server; no db_name when `db` is undefined */
export function dbXml(engine: Engine, db?: string): string {
  const h = harness();
  const c = engine === 'mariadb' ? h.mariadb : h.postgres;
  return (
    `<db_type>${engine === 'mariadb' ? 'MARIADB' : 'PG'}</db_type><db_server>${c.host}</db_server><db_port>${c.port}</db_port>` +
    `<db_user>${xml(c.user)}</db_user><db_pwd>${xml(c.password)}</db_pwd>${db === undefined ? '' : `<db_name>${db}</db_name>`}`
  );
}

/** How capture's send reaches exec's recv: standard output/input, a TCP port, or a directory of files. */
export type SiteLink = { readonly stdio: true } | { readonly port: number } | { readonly dir: string };

export interface SiteSpec {
  readonly siteid: number;
  /** extra XML inside <base> (<ckpt_interval>, ...) */
  readonly base?: string;
  /** the source's db_name (none when undefined) */
  readonly srcDb?: string;
  /** db_type of the source (MARIADB unless given): the harness MariaDB under another name */
  readonly srcType?: string;
  /** extra XML inside <cpt> before the send (<ddl_mask>, ...) */
  readonly cpt?: string;
  readonly link: SiteLink;
  /** <filter><enable> items, written escaped */
  readonly enable?: readonly string[];
  /** one <map> item: 'src.* == dst.*' */
  readonly map?: string;
  /** the target under <exec>; no <exec> element when undefined */
  readonly exec?: {
    readonly engine: Engine;
    readonly db?: string;
    /** extra XML inside <exec> after the recv (<sys_schema>, <exec_thr>, ...) */
    readonly extra?: string;
  };
}

function sendXml(link: SiteLink): string {
  if ('stdio' in link) return '<stdio>1</stdio>';
  if ('port' in link) return `<ip>127.0.0.1</ip><data_port>${link.port}</data_port>`;
  return `<file_path>${xml(link.dir)}</file_path><file_time>1</file_time>`;
}

function recvXml(link: SiteLink): string {
  if ('dir' in link) return `<file_path>${xml(link.dir)}</file_path><poll_interval>1</poll_interval>`;
  return sendXml(link);
}

export function siteXml(s: SiteSpec): string {
  let src = dbXml('mariadb', s.srcDb);
  if (s.srcType !== undefined) src = src.replace('<db_type>MARIADB</db_type>', `<db_type>${s.srcType}</db_type>`);
  const filter = s.enable ? `<filter><enable>${s.enable.map((i) => `<item>${xml(i)}</item>`).join('')}</enable></filter>` : '';
  const map = s.map === undefined ? '' : `<map><item>${xml(s.map)}</item></map>`;
  const exec = s.exec ? `\n  <exec>${dbXml(s.exec.engine, s.exec.db)}<recv>${recvXml(s.link)}</recv>${s.exec.extra ?? ''}</exec>` : '';
  return `<dmhs><base><siteid>${s.siteid}</siteid>${s.base ?? ''}</base>
  <cpt>${src}${s.cpt ?? ''}
    <send>${sendXml(s.link)}${filter}${map}</send></cpt>${exec}</dmhs>
`;
}

/** Writes the site config to `file` and returns `file`. */
export function writeSite(file: string, s: SiteSpec): string {
  fs.writeFileSync(file, siteXml(s));
  return file;
}
