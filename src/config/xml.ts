/**
 * dmhs.hs text → a small element tree (names, text, children, line numbers).
 * fast-xml-parser does the parsing; its validator runs first because the parser itself
 * is lenient (it silently mangles a bare '<' in a value), and we want a line number.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SynctlError } from '../errors';

export interface XmlNode {
  readonly name: string;
  /** 'dmhs/cpt/send/data_port'; repeated elements get '[n]' once there are several */
  readonly path: string;
  /** 1-based line where the element starts */
  readonly line: number;
  /** trimmed text content ('' when none) */
  readonly text: string;
  readonly children: readonly XmlNode[];
  readonly attributes: readonly string[];
}

/** Raw fast-xml-parser preserveOrder node: `{ tag: [...children], ':@'?: attrs }` or `{ '#text': v }`. */
type RawNode = Record<string, unknown>;

const PARSER = new XMLParser({
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: true,
  // numeric references (&#60;) as well as the five XML entities
  htmlEntities: true,
  captureMetaData: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});
const META = XMLParser.getMetaDataSymbol() as unknown as string;

/** Decode bytes honouring the XML declaration (DMHS samples use GB2312). */
export function decodeXml(bytes: Uint8Array, file: string): string {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const m = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head);
  let label = m?.[1]?.trim().toLowerCase() ?? 'utf-8';
  // GB2312 files routinely contain GBK-only characters; gb18030 is the superset.
  if (label === 'gb2312' || label === 'gbk') label = 'gb18030';
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch (e) {
    const why = e instanceof RangeError ? `unsupported encoding '${m?.[1] ?? label}'` : `the bytes are not valid ${m?.[1] ?? 'UTF-8'}`;
    throw new SynctlError('CONFIG_READ', `cannot read ${file}: ${why}`, { file });
  }
}

/** Parse XML text into the element tree; any well-formedness problem is a CONFIG_READ error. */
export function parseXml(text: string, file: string): XmlNode {
  const name = file === '' ? '<input>' : file;
  if (text.trim() === '') throw new SynctlError('CONFIG_READ', `${name}: the file is empty (expected a <dmhs> document)`, { file: name });
  const v = XMLValidator.validate(text);
  if (v !== true) throw readError(name, v.err.msg, v.err.line, v.err.col);

  let raw: unknown;
  try {
    raw = PARSER.parse(text);
  } catch (e) {
    throw new SynctlError('CONFIG_READ', `${name}: not well-formed XML: ${(e as Error).message}`, { file: name });
  }
  const lines = lineStarts(text);
  const roots = (raw as RawNode[]).filter((n) => tagOf(n) !== undefined);
  if (roots.length === 0) throw new SynctlError('CONFIG_READ', `${name}: no root element (expected <dmhs>)`, { file: name });
  if (roots.length > 1) {
    const second = roots[1] as RawNode;
    const line = lineOf(lines, second);
    throw new SynctlError('CONFIG_READ', `${name}:${line}: a second root element <${tagOf(second)}> (only one <dmhs> is allowed)`, {
      file: name,
      line,
    });
  }
  return build(roots[0] as RawNode, '', lines);
}

function readError(file: string, msg: string, line: number, col: number | undefined): SynctlError {
  // several unclosed tags come back as `Invalid '["dmhs","cpt"]' found.` at 1:1: say it plainly
  const unclosed = /^Invalid '(\[.*\])' found\.$/.exec(msg);
  if (unclosed) {
    const names = (JSON.parse(unclosed[1] as string) as string[]).map((n) => `<${n}>`);
    const last = names[names.length - 1] ?? '';
    return new SynctlError('CONFIG_READ', `${file}: not well-formed XML: the file ends inside ${names.join(' ')} (missing ${last.replace('<', '</')})`, {
      file,
    });
  }
  let hint = '';
  if (/invalid name|space after '<'|Invalid '<'|not expected.*</i.test(msg)) {
    hint = "; a '<' inside a value must be written &lt; (e.g. <item>APP.T(C &lt; 3)</item>)";
  } else if (/char '&'/.test(msg)) {
    hint = "; a '&' inside a value must be written &amp;";
  }
  const where = col === undefined ? `${file}:${line}` : `${file}:${line}:${col}`;
  const text = `${where}: not well-formed XML: ${hint === '' ? msg : msg.replace(/\.$/, '') + hint}`;
  return new SynctlError('CONFIG_READ', text, { file, line, col });
}

function tagOf(n: RawNode): string | undefined {
  return Object.keys(n).find((k) => k !== ':@' && k !== '#text');
}

function build(n: RawNode, parentPath: string, lines: readonly number[], indexed?: string): XmlNode {
  const name = tagOf(n) as string;
  const path = parentPath === '' ? name : `${parentPath}/${indexed ?? name}`;
  const body = (n[name] as RawNode[] | undefined) ?? [];
  const texts: string[] = [];
  const elems: RawNode[] = [];
  for (const c of body) {
    if ('#text' in c) texts.push(String(c['#text']));
    else if (tagOf(c) !== undefined) elems.push(c);
  }
  // index repeated siblings so error paths point at the right one: send[2]
  const counts = new Map<string, number>();
  for (const c of elems) counts.set(tagOf(c) as string, (counts.get(tagOf(c) as string) ?? 0) + 1);
  const seen = new Map<string, number>();
  const children = elems.map((c) => {
    const t = tagOf(c) as string;
    const i = (seen.get(t) ?? 0) + 1;
    seen.set(t, i);
    return build(c, path, lines, (counts.get(t) ?? 0) > 1 ? `${t}[${i}]` : t);
  });
  const attrs = n[':@'] as Record<string, unknown> | undefined;
  return {
    name,
    path,
    line: lineOf(lines, n),
    text: texts.join(' ').trim(),
    children,
    attributes: attrs ? Object.keys(attrs) : [],
  };
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}

function lineOf(lines: readonly number[], n: RawNode): number {
  const meta = (n as Record<string, unknown>)[META] as { startIndex?: number } | undefined;
  const at = meta?.startIndex;
  if (at === undefined) return 0;
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lines[mid] as number) <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
