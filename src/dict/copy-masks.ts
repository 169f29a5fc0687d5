/**
 * The MASK argument of `synctl copy <n> "<condition>" <MASKS>` (DMHS COPY/LOAD):
 * masks joined by '|', a mask that takes a value is followed by it:
 *
 *   DICT|LSN|CREATE|INSERT|INDEX
 *   DICT|INSERT|THREAD|4|ROWS|5000|WHERE|"id > 100"
 *
 * Masks are case-insensitive. A value is a bare word/number or a double-quoted string
 * ("" inside quotes is one quote; '|' is allowed inside quotes). Unknown masks,
 * repeated masks, missing or misplaced values and contradictory combinations are USAGE
 * errors: nothing is done with a mask set that does not make sense.
 */
import { SynctlError } from '../errors';

/** Masks without a value. */
export const FLAG_MASKS = [
  'DICT',
  'LSN',
  'CREATE',
  'DROP',
  'INDEX',
  'INSERT',
  'TRUNCATE',
  'DELETE',
  'REPLACE',
  'UPDATE',
  'BLOB',
  'NOLOCK',
  'CONTINUE',
  'BACKUP',
  'CLEAR',
] as const;
/** Masks followed by a positive integer. PARALLEL is read as THREAD. */
export const NUMBER_MASKS = ['THREAD', 'GROUP', 'ROWS', 'TRYTIMES'] as const;
/** Masks followed by a text value. */
export const TEXT_MASKS = ['WHERE', 'AS', 'ROWID_FILE'] as const;

export type FlagMask = (typeof FLAG_MASKS)[number];
export type NumberMask = (typeof NUMBER_MASKS)[number];
export type TextMask = (typeof TEXT_MASKS)[number];
export type MaskName = FlagMask | NumberMask | TextMask;

/** DMHS masks that only make sense for an Oracle or DM source. */
const ORACLE_ONLY: Readonly<Record<string, string>> = {
  EXTENT: 'EXTENT splits by Oracle extents',
  BLOCKS: 'BLOCKS sizes Oracle extent groups',
  BLOCK: 'BLOCK sizes Oracle extent groups',
  PDB: 'PDB names an Oracle pluggable database',
};

const NUMBER_RANGE: Readonly<Record<NumberMask, readonly [number, number]>> = {
  THREAD: [1, 256],
  GROUP: [1, 1_000_000],
  ROWS: [1, 100_000_000],
  TRYTIMES: [0, 1_000_000],
};

export interface CopyMasks {
  /** the text as given */
  readonly text: string;
  /** every mask given, in order, canonical names (PARALLEL → THREAD) */
  readonly masks: readonly MaskName[];
  readonly flags: ReadonlySet<FlagMask>;
  readonly thread?: number;
  readonly group?: number;
  readonly rows?: number;
  readonly tryTimes?: number;
  readonly where?: string;
  readonly as?: string;
  readonly rowidFile?: string;
}

export function hasMask(m: CopyMasks, name: MaskName): boolean {
  return m.masks.includes(name);
}

interface RawToken {
  readonly text: string;
  readonly quoted: boolean;
}

function usage(masksText: string, what: string): SynctlError {
  return new SynctlError('USAGE', `masks "${masksText}": ${what}`, { masks: masksText });
}

function split(text: string): RawToken[] {
  const out: RawToken[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw usage(text, 'a double-quoted value is not closed');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i];
        i++;
      }
      while (text[i] === ' ' || text[i] === '\t') i++;
      if (i < text.length && text[i] !== '|') throw usage(text, `unexpected text after the quoted value "${v}"`);
      out.push({ text: v, quoted: true });
    } else {
      const bar = text.indexOf('|', i);
      const end = bar < 0 ? text.length : bar;
      const word = text.slice(i, end).trim();
      if (word === '') throw usage(text, bar < 0 && out.length > 0 ? "ends with '|'" : "empty mask (two '|' in a row or a leading '|')");
      out.push({ text: word, quoted: false });
      i = end;
    }
    if (i >= text.length) return out;
    i++; // the '|'
    if (i >= text.length) throw usage(text, "ends with '|'");
  }
}

const isFlag = (s: string): s is FlagMask => (FLAG_MASKS as readonly string[]).includes(s);
const isNumber = (s: string): s is NumberMask => (NUMBER_MASKS as readonly string[]).includes(s);
const isText = (s: string): s is TextMask => (TEXT_MASKS as readonly string[]).includes(s);
const isMask = (s: string): boolean => isFlag(s) || isNumber(s) || isText(s) || s === 'PARALLEL';

/** Parses and checks a MASKS argument. */
export function parseCopyMasks(text: string): CopyMasks {
  if (text.trim() === '') throw usage(text, 'no mask given (for example DICT or DICT|CREATE|INSERT)');
  const toks = split(text);
  const masks: MaskName[] = [];
  const flags = new Set<FlagMask>();
  const numbers: Partial<Record<NumberMask, number>> = {};
  const texts: Partial<Record<TextMask, string>> = {};
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!;
    const upper = tok.text.toUpperCase();
    if (tok.quoted || !isMask(upper)) {
      const prev = i > 0 ? toks[i - 1]!.text.toUpperCase() : '';
      if (!tok.quoted && ORACLE_ONLY[upper] !== undefined) {
        throw usage(text, `${ORACLE_ONLY[upper]}; synctl sources (MySQL, MariaDB, PostgreSQL, SQL Server) have no such mask`);
      }
      if (tok.quoted || /^\d+$/.test(tok.text)) {
        throw usage(text, `unexpected value '${tok.text}'${prev ? ` after ${prev}` : ''} (only THREAD, GROUP, ROWS, TRYTIMES, WHERE, AS and ROWID_FILE take a value)`);
      }
      throw usage(text, `unknown mask '${tok.text}' (known: ${[...FLAG_MASKS, ...NUMBER_MASKS, ...TEXT_MASKS].join(', ')})`);
    }
    const name: MaskName = upper === 'PARALLEL' ? 'THREAD' : (upper as MaskName);
    if (masks.includes(name)) throw usage(text, `${name} is given more than once`);
    masks.push(name);
    if (isFlag(name)) {
      flags.add(name);
      continue;
    }
    const val = toks[i + 1];
    if (val === undefined || (!val.quoted && isMask(val.text.toUpperCase()))) {
      throw usage(text, `${upper} needs a value: ${upper}|${isNumber(name) ? '<n>' : '"<text>"'}`);
    }
    i++;
    if (isNumber(name)) {
      const [lo, hi] = NUMBER_RANGE[name];
      if (!/^\d+$/.test(val.text.trim()) || Number(val.text) < lo || Number(val.text) > hi) {
        throw usage(text, `${upper}|${val.text}: the value must be an integer in ${lo}..${hi}`);
      }
      numbers[name] = Number(val.text);
    } else {
      if (val.text.trim() === '') throw usage(text, `${upper} needs a non-empty value`);
      texts[name as TextMask] = val.text;
    }
  }
  const result: CopyMasks = {
    text,
    masks,
    flags,
    ...(numbers.THREAD !== undefined ? { thread: numbers.THREAD } : {}),
    ...(numbers.GROUP !== undefined ? { group: numbers.GROUP } : {}),
    ...(numbers.ROWS !== undefined ? { rows: numbers.ROWS } : {}),
    ...(numbers.TRYTIMES !== undefined ? { tryTimes: numbers.TRYTIMES } : {}),
    ...(texts.WHERE !== undefined ? { where: texts.WHERE } : {}),
    ...(texts.AS !== undefined ? { as: texts.AS } : {}),
    ...(texts.ROWID_FILE !== undefined ? { rowidFile: texts.ROWID_FILE } : {}),
  };
  checkCombination(result);
  return result;
}

function checkCombination(m: CopyMasks): void {
  const has = (n: MaskName): boolean => m.masks.includes(n);
  const fail = (what: string): never => {
    throw usage(m.text, what);
  };
  if (has('DROP') && !has('CREATE')) fail('DROP drops and re-creates the target table: it needs CREATE (DROP|CREATE)');
  if (has('TRUNCATE') && has('DELETE')) fail('TRUNCATE and DELETE both empty the target rows: give one of them');
  if (has('DROP') && (has('TRUNCATE') || has('DELETE'))) {
    fail(`DROP|CREATE gives an empty table already: ${has('TRUNCATE') ? 'TRUNCATE' : 'DELETE'} makes no sense with it`);
  }
  const rowModes = (['INSERT', 'REPLACE', 'UPDATE'] as const).filter(has);
  if (rowModes.length > 1) fail(`${rowModes.join(' and ')} are different ways to copy rows: give one of them`);
  const rowMode = rowModes.length === 1;
  if (has('BLOB') && !has('UPDATE')) fail('BLOB re-copies LOB columns of existing rows: it needs UPDATE');
  if (has('BACKUP') && rowMode) fail(`BACKUP loads through a backup file: it replaces ${rowModes[0]}, do not give both`);
  if (has('DELETE') && !has('INSERT') && !has('REPLACE')) fail('DELETE removes the target rows the WHERE selects before they are copied again: it needs INSERT or REPLACE');
  if (has('UPDATE')) {
    for (const x of ['CREATE', 'TRUNCATE'] as const) if (has(x)) fail(`UPDATE changes rows the target has, ${x} leaves it none: give one of them`);
  }
  if (has('CONTINUE')) {
    if (!rowMode) fail('CONTINUE resumes an interrupted row copy: it needs INSERT, REPLACE or UPDATE');
    for (const x of ['DROP', 'TRUNCATE', 'DELETE'] as const) if (has(x)) fail(`CONTINUE resumes a load, ${x} starts it over: give one of them`);
  }
  for (const x of ['THREAD', 'GROUP', 'ROWS', 'WHERE', 'AS', 'ROWID_FILE', 'TRYTIMES'] as const) {
    if (has(x) && !rowMode && !has('BACKUP')) fail(`${x} only applies when rows are copied (INSERT, REPLACE or UPDATE)`);
  }
  if (has('ROWID_FILE') && has('WHERE')) fail('ROWID_FILE and WHERE both choose the source rows: give one of them');
}
