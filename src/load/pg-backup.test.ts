import { SchemaRename } from './pg-backup';

async function rename(from: string, to: string, text: string, cut = 7): Promise<string> {
  const t = new SchemaRename(from, to);
  const out: Buffer[] = [];
  t.on('data', (d: Buffer | string) => out.push(Buffer.from(d)));
  const done = new Promise((r) => t.on('end', r));
  // cut in bytes: a chunk may end inside a UTF-8 character
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += cut) t.write(bytes.subarray(i, i + cut));
  t.end();
  await done;
  return Buffer.concat(out).toString();
}

/** the dump with app. qualifiers renamed bk., the COPY rows as they were */
const expected = [
  'DROP TABLE IF EXISTS bk.t;',
  'CREATE TABLE bk.t (',
  '    id integer NOT NULL, s text DEFAULT \'x\'::text',
  ');',
  'COPY bk.t (id, s) FROM stdin;',
  '1\tapp.t is here',
  '2\tmyapp.x é中文',
  '\\.',
  "SELECT pg_catalog.setval('bk.t_id_seq', 3, true);",
  'ALTER TABLE ONLY bk.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);',
  'CREATE INDEX t_s ON bk.t USING btree (s); -- myapp.t untouched',
  '',
].join('\n');

describe('BACKUP schema rename in a pg_dump', () => {
  test('qualifiers in statements move; COPY rows stay as they are', async () => {
    const dump = [
      'DROP TABLE IF EXISTS app.t;',
      'CREATE TABLE app.t (',
      '    id integer NOT NULL, s text DEFAULT \'x\'::text',
      ');',
      'COPY app.t (id, s) FROM stdin;',
      '1\tapp.t is here',
      '2\tmyapp.x é中文',
      '\\.',
      "SELECT pg_catalog.setval('app.t_id_seq', 3, true);",
      'ALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);',
      'CREATE INDEX t_s ON app.t USING btree (s); -- myapp.t untouched',
      '',
    ].join('\n');
    for (const cut of [1, 2, 7, 4096]) expect(await rename('app', 'bk', dump, cut)).toBe(expected);
  });

  test('names pg_dump quotes', async () => {
    expect(await rename('App', 'new schema', 'CREATE TABLE "App".t (a int);\n', 3)).toBe('CREATE TABLE "new schema".t (a int);\n');
  });
});

