import { mysqlCanonExpr, mysqlKeyParam, mysqlRowText } from '../mysql/mysql-normalize';
import { pgCanonExpr, pgColumnKind, pgKeyParam, pgRowText, pgValueParam } from './postgres-normalize';

describe('canonical text expressions', () => {
  test('PostgreSQL types map to the kinds MySQL columns are compared as', () => {
    expect(['int8', 'numeric', 'float4', 'bool', 'bpchar', 'bytea', 'timestamp', 'timestamptz', 'jsonb', 'uuid'].map(pgColumnKind)).toEqual([
      'int', 'decimal', 'float', 'bool', 'text', 'binary', 'datetime', 'timestamptz', 'json', 'other',
    ]);
  });

  test('both engines print decimals without trailing zeros, times with microseconds, bytes as hex', () => {
    expect(pgCanonExpr('"d"', 'decimal', { crossEngine: true })).toBe('trim_scale("d")::text');
    expect(mysqlCanonExpr('`d`', 'decimal', { crossEngine: true, scale: 4 })).toBe("TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(`d` AS CHAR)))");
    // scale 0: no '.' to stop at, so nothing is stripped
    expect(mysqlCanonExpr('`d`', 'decimal', { crossEngine: true, scale: 0 })).toBe('CAST(`d` AS CHAR)');
    expect(pgCanonExpr('"t"', 'timestamptz', { crossEngine: true })).toBe(`to_char("t", 'YYYY-MM-DD HH24:MI:SS.US')`);
    expect(mysqlCanonExpr('`t`', 'datetime', { crossEngine: false })).toBe("DATE_FORMAT(`t`, '%Y-%m-%d %H:%i:%s.%f')");
    expect(mysqlCanonExpr('`t`', 'datetime', { crossEngine: true })).toMatch(/^IF\(YEAR\(`t`\) = 0 OR MONTH/);
    expect(pgCanonExpr('"b"', 'binary', { crossEngine: true })).toBe(`encode("b", 'hex')`);
    expect(pgCanonExpr('"j"', 'json', { crossEngine: false })).toBe('("j")::jsonb::text');
  });

  test('keys and values are bound by type, not compared as strings', () => {
    expect(mysqlKeyParam('int')).toBe('CAST(? AS DECIMAL(65,0))');
    expect(pgKeyParam('text', 3, 'varchar(10)')).toBe('$3::text COLLATE "C"');
    expect(pgKeyParam('int', 1, 'integer')).toBe('$1::integer');
    expect(pgValueParam('bool', 2, 'boolean')).toBe('($2)::int::boolean');
  });

  test('row texts length-prefix each value and mark NULL', () => {
    expect(pgRowText(['a', 'b'])).toBe("COALESCE(char_length(a)::text || ':' || a, 'N') || ',' || COALESCE(char_length(b)::text || ':' || b, 'N')");
    expect(mysqlRowText(['a'])).toBe("CONCAT(COALESCE(CONCAT(CHAR_LENGTH(a), ':', a), 'N'))");
  });
});
