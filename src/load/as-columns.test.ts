import { isSynctlError } from '../errors';
import { parseAsList } from './as-columns';

describe('parseAsList', () => {
  test('expressions with commas, parentheses, quotes and AS inside them', () => {
    expect(parseAsList("UPPER(c) AS c, CONCAT(a, ',', 'x AS y') AS `pad`, CAST(k AS CHAR) as k2")).toEqual([
      { expr: 'UPPER(c)', column: 'c' },
      { expr: "CONCAT(a, ',', 'x AS y')", column: 'pad' },
      { expr: 'CAST(k AS CHAR)', column: 'k2' },
    ]);
  });
  test.each([
    ['UPPER(c)', "'UPPER(c)' has no AS <column>"],
    ['a AS b,', 'an empty item'],
    ['a AS b, c AS B', 'B is given twice'],
    ['x AS', "has no AS <column>"],
  ])('%j is a USAGE error', (text, message) => {
    let err: unknown;
    try {
      parseAsList(text);
    } catch (e) {
      err = e;
    }
    expect(isSynctlError(err, 'USAGE')).toBe(true);
    expect((err as Error).message).toContain(message);
  });
});
