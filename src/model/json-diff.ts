import { SynctlError } from '../errors';
import type { JsonDiff } from './value';

/**
 * Applies a JsonDiff to a JSON document's text, the way MySQL's JSON_REPLACE / JSON_SET /
 * JSON_REMOVE would, printing the result as MySQL prints JSON (", " and ": " separators,
 * object keys in MySQL's storage order: shorter keys first, then by bytes). Numbers keep
 * their exact text: nothing goes through a double.
 */

type Node = { t: 'raw'; text: string } | { t: 'arr'; items: Node[] } | { t: 'obj'; keys: string[]; vals: Node[] };

function bad(msg: string): SynctlError {
  return new SynctlError('WIRE_DECODE', `JSON diff: ${msg}`);
}

function parse(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start, i);
  };
  const value = (): Node => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const keys: string[] = [];
      const vals: Node[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', keys, vals };
      }
      for (;;) {
        ws();
        keys.push(JSON.parse(str()) as string);
        ws();
        if (text[i++] !== ':') throw bad(`expected ':' at ${i - 1}`);
        vals.push(value());
        ws();
        const d = text[i++];
        if (d === '}') return { t: 'obj', keys, vals };
        if (d !== ',') throw bad(`expected ',' or '}' at ${i - 1}`);
      }
    }
    if (c === '[') {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'arr', items };
      }
      for (;;) {
        items.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return { t: 'arr', items };
        if (d !== ',') throw bad(`expected ',' or ']' at ${i - 1}`);
      }
    }
    if (c === '"') return { t: 'raw', text: str() };
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) throw bad(`unexpected '${c ?? 'end'}' at ${i}`);
    i += m[0].length;
    return { t: 'raw', text: m[0] };
  };
  const n = value();
  ws();
  if (i !== text.length) throw bad(`trailing text at ${i}`);
  return n;
}

function print(n: Node): string {
  if (n.t === 'raw') return n.text;
  if (n.t === 'arr') return `[${n.items.map(print).join(', ')}]`;
  return `{${n.keys.map((k, i) => `${JSON.stringify(k)}: ${print(n.vals[i]!)}`).join(', ')}}`;
}

type Leg = { key: string } | { index: number };

/** '$.a."b c"[2]' → legs */
function legs(path: string): Leg[] {
  if (!path.startsWith('$')) throw bad(`path ${path} does not start with $`);
  const out: Leg[] = [];
  const re = /\s*(?:\.\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*))|\[\s*(\d+)\s*\])/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) throw bad(`cannot read path ${path}`);
    if (m[3] !== undefined) out.push({ index: Number(m[3]) });
    else out.push({ key: m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2]! });
  }
  return out;
}

/** MySQL stores object keys ordered by length, then bytes. */
function keyBefore(a: string, b: string): boolean {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  return la !== lb ? la < lb : Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

export function applyJsonDiff(text: string, diff: JsonDiff): string {
  const root = parse(text);
  for (const step of diff.steps) {
    const path = legs(step.path);
    if (path.length === 0) throw bad('a step cannot replace the whole document');
    let parent: Node = root;
    for (const leg of path.slice(0, -1)) {
      const next: Node | undefined =
        'key' in leg ? (parent.t === 'obj' ? parent.vals[parent.keys.indexOf(leg.key)] : undefined) : parent.t === 'arr' ? parent.items[leg.index] : undefined;
      if (!next) throw bad(`path ${step.path} does not exist`);
      parent = next;
    }
    const last = path[path.length - 1]!;
    const val = step.value !== undefined ? parse(step.value) : undefined;
    if ('key' in last) {
      if (parent.t !== 'obj') throw bad(`path ${step.path}: not an object`);
      const at = parent.keys.indexOf(last.key);
      if (step.op === 'remove') {
        if (at >= 0) {
          parent.keys.splice(at, 1);
          parent.vals.splice(at, 1);
        }
      } else if (at >= 0) {
        parent.vals[at] = val!;
      } else if (step.op === 'insert') {
        let pos = parent.keys.findIndex((k) => keyBefore(last.key, k));
        if (pos < 0) pos = parent.keys.length;
        parent.keys.splice(pos, 0, last.key);
        parent.vals.splice(pos, 0, val!);
      }
    } else {
      if (parent.t !== 'arr') throw bad(`path ${step.path}: not an array`);
      if (step.op === 'remove') parent.items.splice(last.index, 1);
      else if (last.index < parent.items.length) parent.items[last.index] = val!;
      else if (step.op === 'insert') parent.items.push(val!);
    }
  }
  return print(root);
}
