import { isSynctlError } from '../errors';
import { hasMask, parseCopyMasks } from './copy-masks';

describe('parseCopyMasks', () => {
  test('the DMHS first-load flow', () => {
    const m = parseCopyMasks('DICT|LSN|CREATE|INSERT|INDEX');
    expect(m.masks).toEqual(['DICT', 'LSN', 'CREATE', 'INSERT', 'INDEX']);
    expect([...m.flags].sort()).toEqual(['CREATE', 'DICT', 'INDEX', 'INSERT', 'LSN']);
    expect(hasMask(m, 'INSERT')).toBe(true);
    expect(hasMask(m, 'DROP')).toBe(false);
  });

  test('values follow their mask; case-insensitive; spaces around tokens', () => {
    const m = parseCopyMasks('dict| Insert |THREAD|4|rows|5000|Where|"id > 5 | x = ""q"""|as|"to_char(d) AS c"|TRYTIMES|0|GROUP|8');
    expect(m.masks).toEqual(['DICT', 'INSERT', 'THREAD', 'ROWS', 'WHERE', 'AS', 'TRYTIMES', 'GROUP']);
    expect(m).toMatchObject({ thread: 4, rows: 5000, where: 'id > 5 | x = "q"', as: 'to_char(d) AS c', tryTimes: 0, group: 8 });
  });

  test('PARALLEL is THREAD; unquoted text values; every known flag', () => {
    expect(parseCopyMasks('INSERT|PARALLEL|2')).toMatchObject({ masks: ['INSERT', 'THREAD'], thread: 2 });
    expect(parseCopyMasks('INSERT|WHERE|id>5').where).toBe('id>5');
    expect(parseCopyMasks('UPDATE|BLOB|NOLOCK|ROWID_FILE|"/tmp/r.txt"').rowidFile).toBe('/tmp/r.txt');
    expect(parseCopyMasks('DROP|CREATE|REPLACE|INDEX').masks).toEqual(['DROP', 'CREATE', 'REPLACE', 'INDEX']);
    expect(parseCopyMasks('REPLACE|CONTINUE|TRYTIMES|3').masks).toEqual(['REPLACE', 'CONTINUE', 'TRYTIMES']);
    expect(parseCopyMasks('CREATE|TRUNCATE|INSERT').masks).toHaveLength(3);
    expect(parseCopyMasks('DELETE|INSERT').masks).toEqual(['DELETE', 'INSERT']);
    expect(parseCopyMasks('DICT|BACKUP|CLEAR').masks).toEqual(['DICT', 'BACKUP', 'CLEAR']);
  });

  const errors: [string, string][] = [
    ['', 'no mask given'],
    ['DICT|FOO', "unknown mask 'FOO' (known: DICT, LSN"],
    ['DICT||INSERT', "empty mask (two '|' in a row"],
    ['|DICT', 'empty mask'],
    ['DICT|', "ends with '|'"],
    ['DICT|DICT', 'DICT is given more than once'],
    ['INSERT|THREAD|4|PARALLEL|2', 'THREAD is given more than once'],
    ['INSERT|THREAD', 'THREAD needs a value: THREAD|<n>'],
    ['INSERT|THREAD|ROWS|5', 'THREAD needs a value'],
    ['INSERT|WHERE', 'WHERE needs a value: WHERE|"<text>"'],
    ['INSERT|WHERE|""', 'WHERE needs a non-empty value'],
    ['INSERT|THREAD|0', 'THREAD|0: the value must be an integer in 1..256'],
    ['INSERT|THREAD|four', 'THREAD|four: the value must be an integer'],
    ['DICT|4', "unexpected value '4' after DICT"],
    ['DICT|"x"', "unexpected value 'x' after DICT"],
    ['INSERT|WHERE|"a" b', 'unexpected text after the quoted value'],
    ['INSERT|WHERE|"a', 'double-quoted value is not closed'],
    ['DROP|INSERT', 'DROP drops and re-creates the target table: it needs CREATE'],
    ['TRUNCATE|DELETE|INSERT', 'TRUNCATE and DELETE both empty the target rows'],
    ['DROP|CREATE|TRUNCATE|INSERT', 'DROP|CREATE gives an empty table already: TRUNCATE'],
    ['INSERT|REPLACE', 'INSERT and REPLACE are different ways to copy rows'],
    ['INSERT|BLOB', 'BLOB re-copies LOB columns of existing rows: it needs UPDATE'],
    ['INSERT|BACKUP', 'BACKUP loads through a backup file'],
    ['DICT|CONTINUE', 'CONTINUE resumes an interrupted row copy: it needs INSERT'],
    ['TRUNCATE|INSERT|CONTINUE', 'CONTINUE resumes a load, TRUNCATE starts it over'],
    ['DROP|CREATE|INSERT|CONTINUE', 'CONTINUE resumes a load, DROP starts it over'],
    ['DICT|THREAD|4', 'THREAD only applies when rows are copied'],
    ['CREATE|WHERE|"x"', 'WHERE only applies when rows are copied'],
    ['INSERT|WHERE|"a"|ROWID_FILE|"f"', 'ROWID_FILE and WHERE both choose the source rows'],
    ['DELETE|WHERE|"id > 5"', 'DELETE removes the target rows the WHERE selects before they are copied again: it needs INSERT or REPLACE'],
    ['DELETE|UPDATE', 'DELETE removes the target rows'],
    ['CREATE|UPDATE', 'UPDATE changes rows the target has, CREATE leaves it none'],
    ['TRUNCATE|UPDATE', 'UPDATE changes rows the target has, TRUNCATE leaves it none'],
    ['DICT|TRYTIMES|3', 'TRYTIMES only applies when rows are copied'],
    ['DICT|GROUP|3', 'GROUP only applies when rows are copied'],
    ['DICT|EXTENT', 'EXTENT splits by Oracle extents'],
    ['INSERT|BLOCKS|100', 'BLOCKS sizes Oracle extent groups'],
  ];
  test.each(errors)('%j is a USAGE error', (text, message) => {
    let err: unknown;
    try {
      parseCopyMasks(text);
    } catch (e) {
      err = e;
    }
    expect(isSynctlError(err, 'USAGE')).toBe(true);
    expect((err as Error).message).toContain(`masks "${text}": `);
    expect((err as Error).message).toContain(message);
  });
});
