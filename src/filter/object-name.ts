/**
 * Object names in filter and map items: `SCH.TAB`, `SCH.*`, `*.*`, `*.TAB`, `DB.SCH.TAB`,
 * `DB.SCH.*`. A part is `*` (any name; there is no `?` and no partial glob such as `AP*`),
 * an unquoted identifier (letters of any script, digits, _ $ #) or a double-quoted name
 * that may hold anything but a double quote (dots included).
 *
 * Matching: a quoted part always matches exactly; an unquoted part matches exactly, or
 * ignoring case when the filter is compiled with caseInsensitive (exec's case_sensitive=0).
 */

const PART = /^(?:\*|[\p{L}\p{N}_$#]+|"[^"]+")$/u;

export interface NamePart {
  /** the name without quotes ('*' for a wildcard) */
  readonly text: string;
  /** text.toUpperCase(), for case-insensitive matching */
  readonly upper: string;
  readonly quoted: boolean;
  readonly wild: boolean;
}

export interface ObjectName {
  /** the name as written */
  readonly source: string;
  /** 3-part names only */
  readonly db?: NamePart;
  readonly schema: NamePart;
  readonly table: NamePart;
}

/** Split an object name on dots outside double quotes. */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of name) {
    if (ch === '"') quoted = !quoted;
    if (ch === '.' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function namePart(raw: string): NamePart {
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  const text = quoted ? raw.slice(1, -1) : raw;
  return { text, upper: text.toUpperCase(), quoted, wild: !quoted && text === '*' };
}

/** Parse `SCH.TAB`-style names; returns the rule text of the problem when invalid. */
export function parseObjectName(name: string): ObjectName | string {
  if (name === '') return 'is empty';
  const raw = splitName(name);
  if (raw.length < 2 || raw.length > 3) return `'${name}' is not SCH.TAB, SCH.*, *.* or DB.SCH.TAB`;
  for (const p of raw) {
    if (!PART.test(p)) return `'${name}' has an invalid name part '${p}'`;
  }
  const parts = raw.map(namePart);
  if (parts.length === 3) return { source: name, db: parts[0], schema: parts[1], table: parts[2] };
  return { source: name, schema: parts[0], table: parts[1] };
}

export function hasWildcard(n: ObjectName): boolean {
  return n.schema.wild || n.table.wild || n.db?.wild === true;
}

/**
 * Does `part` match the actual name? `upperName` is name.toUpperCase(), passed in so a
 * caller matching many items upper-cases once.
 */
export function partMatches(part: NamePart, name: string, upperName: string, caseInsensitive: boolean): boolean {
  if (part.wild) return true;
  if (part.quoted || !caseInsensitive) return part.text === name;
  return part.upper === upperName;
}

export type ToggleCase = 0 | 1 | 2;

export function toggle(name: string, mode: ToggleCase): string {
  return mode === 1 ? name.toLowerCase() : mode === 2 ? name.toUpperCase() : name;
}
