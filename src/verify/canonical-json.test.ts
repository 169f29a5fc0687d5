import { canonicalJson, codePointCompare, exactNumber } from './canonical-json';

describe('canonical JSON', () => {
  test('numbers are exact decimals without exponent or trailing zeros', () => {
    expect(['1.50e2', '-0.0', '1e-3', '100', '0.1', '120', '1.20', '0', '12e1', '12345678901234567890', '-2.5E-7'].map(exactNumber)).toEqual([
      '150', '0', '0.001', '100', '0.1', '120', '1.2', '0', '120', '12345678901234567890', '-0.00000025',
    ]);
  });

  test('keys sorted, spacing removed, strings re-escaped; MariaDB and jsonb texts agree', () => {
    const maria = '{"b": [1.0, 2e0, "x\\u0041"], "a": {"z": null, "y": true}}';
    const jsonb = '{"a": {"y": true, "z": null}, "b": [1.0, 2, "xA"]}';
    expect(canonicalJson(maria)).toBe('{"a":{"y":true,"z":null},"b":[1,2,"xA"]}');
    expect(canonicalJson(jsonb)).toBe(canonicalJson(maria));
    expect(canonicalJson('{"a":1,"a":2}')).toBe('{"a":2}');
  });

  test('what is not JSON stays as it is (and then differs as text)', () => {
    expect(canonicalJson('{"a":')).toBe('{"a":');
    expect(canonicalJson('[1] x')).toBe('[1] x');
  });

  test('code point order puts astral characters after the whole BMP', () => {
    expect(codePointCompare('\uffff', '😀')).toBeLessThan(0);
    expect(codePointCompare('a', 'b')).toBeLessThan(0);
    expect(codePointCompare('ab', 'a')).toBeGreaterThan(0);
  });
});
