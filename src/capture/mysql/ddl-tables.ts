/**
 * The tables a DDL statement changes, so the capture can version their dictionary at the
 * statement's position. Covers the statements that change a table's row layout or name:
 * CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE (and CREATE ... LIKE/SELECT). Anything else
 * (views, procedures, grants) changes no row layout and yields nothing.
 */
export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export interface DdlEffect {
  /** tables whose layout may have changed (or that appeared) */
  readonly changed: readonly TableRef[];
  /** tables that no longer exist under that name */
  readonly dropped: readonly TableRef[];
}

const NAME = String.raw`(?:\`(?:[^\`]|\`\`)+\`|[\w$\u0080-\uffff]+)`;
const QNAME = `${NAME}(?:\\s*\\.\\s*${NAME})?`;

function stripComments(sql: string): string {
  return sql
    .replace(/\/\*(?!!)[\s\S]*?\*\//g, ' ')
    .replace(/\/\*!\d*\s*([\s\S]*?)\*\//g, ' $1 ') // versioned comments run on the server: keep their text
    .replace(/(^|\s)(--\s|#)[^\n]*/g, ' ');
}

function unquote(n: string): string {
  return n.startsWith('`') ? n.slice(1, -1).replace(/``/g, '`') : n;
}

function ref(qname: string, defaultSchema: string): TableRef {
  const parts = qname.match(new RegExp(NAME, 'g'))!.map(unquote);
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { schema: defaultSchema, table: parts[0]! };
}

function list(text: string, defaultSchema: string): TableRef[] {
  return (text.match(new RegExp(QNAME, 'g')) ?? []).map((q) => ref(q, defaultSchema));
}

export function ddlEffect(sql: string, defaultSchema: string): DdlEffect {
  const s = stripComments(sql).trim();
  let m = new RegExp(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${QNAME})`, 'i').exec(s);
  if (m) return /^CREATE\s+(?:OR\s+REPLACE\s+)?TEMPORARY/i.test(s) ? { changed: [], dropped: [] } : { changed: [ref(m[1]!, defaultSchema)], dropped: [] };
  m = new RegExp(`^ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${QNAME})([\\s\\S]*)$`, 'i').exec(s);
  if (m) {
    const from = ref(m[1]!, defaultSchema);
    const rename = new RegExp(`\\bRENAME\\s+(?:TO\\s+|AS\\s+)?(${QNAME})\\s*(?:,|$)`, 'i').exec(m[2]!);
    if (rename && !/\bRENAME\s+(COLUMN|INDEX|KEY)\b/i.test(m[2]!)) return { changed: [ref(rename[1]!, from.schema === defaultSchema ? defaultSchema : from.schema)], dropped: [from] };
    return { changed: [from], dropped: [] };
  }
  m = /^DROP\s+(?:TEMPORARY\s+)?TABLES?\s+(?:IF\s+EXISTS\s+)?([\s\S]*?)(?:\s+(?:RESTRICT|CASCADE))?\s*$/i.exec(s);
  if (m) return /^DROP\s+TEMPORARY/i.test(s) ? { changed: [], dropped: [] } : { changed: [], dropped: list(m[1]!.replace(/\/\*.*?\*\//g, ''), defaultSchema) };
  m = /^RENAME\s+TABLES?\s+([\s\S]*)$/i.exec(s);
  if (m) {
    const changed: TableRef[] = [];
    const dropped: TableRef[] = [];
    for (const pair of m[1]!.split(',')) {
      const [a, b] = pair.split(/\s+TO\s+/i);
      if (a && b) {
        dropped.push(ref(a.trim(), defaultSchema));
        changed.push(ref(b.trim(), defaultSchema));
      }
    }
    return { changed, dropped };
  }
  m = new RegExp(`^TRUNCATE\\s+(?:TABLE\\s+)?(${QNAME})`, 'i').exec(s);
  if (m) return { changed: [ref(m[1]!, defaultSchema)], dropped: [] };
  return { changed: [], dropped: [] };
}

/**
 * `DELETE FROM t` with no condition, which MySQL writes as a statement even in ROW format
 * when a MEMORY table comes back empty after a server restart: the table's rows are gone.
 */
export function wholeTableDelete(sql: string, defaultSchema: string): TableRef | undefined {
  const m = new RegExp(`^DELETE\\s+FROM\\s+(${QNAME})\\s*$`, 'i').exec(stripComments(sql).trim());
  return m ? ref(m[1]!, defaultSchema) : undefined;
}
