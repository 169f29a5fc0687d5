import { mysqlCanonExpr, mysqlHasWindowFunctions, mysqlKeyParam, mysqlRowText, mysqlValueParam } from '../mysql/mysql-normalize';
import { pgCanonExpr, pgColumnKind, pgKeyExpr, pgKeyParam, pgRowText, pgValueParam } from './postgres-normalize';

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
    // zero dates as exec's zero_date rule writes them: NULL, or the rule's date with the time kept
    expect(mysqlCanonExpr('`t`', 'datetime', { crossEngine: true, zeroDate: null })).toMatch(/^IF\(YEAR\(`t`\) = 0 OR MONTH\(`t`\) = 0 OR DAYOFMONTH\(`t`\) = 0, NULL, /);
    expect(mysqlCanonExpr('`t`', 'datetime', { crossEngine: true, zeroDate: '0001-01-01' })).toContain("= 0, CONCAT('0001-01-01', DATE_FORMAT(`t`, ' %H:%i:%s.%f')), ");
    expect(mysqlCanonExpr('`d`', 'date', { crossEngine: true, zeroDate: '0001-01-01' })).toContain("= 0, '0001-01-01', ");
    expect(mysqlCanonExpr('`t`', 'datetime', { crossEngine: true })).toBe("DATE_FORMAT(`t`, '%Y-%m-%d %H:%i:%s.%f')");
    expect(pgCanonExpr('"b"', 'binary', { crossEngine: true })).toBe(`encode("b", 'hex')`);
    expect(pgCanonExpr('"j"', 'json', { crossEngine: false })).toBe('("j")::jsonb::text');
    // inet's ::text carries the mask ('10.0.0.1/32'); MariaDB's INET4/INET6 text has none
    expect(pgCanonExpr('"a"', 'other', { crossEngine: true, type: 'inet' })).toBe('host("a")');
    expect(pgCanonExpr('"a"', 'other', { crossEngine: false, type: 'inet' })).toBe('("a")::text');
    // against a text column (verify compares it as text): its output, as COPY wrote it there ('10.0.0.1', '10.0.0.0/8')
    expect(pgCanonExpr('"a"', 'text', { crossEngine: true, type: 'inet' })).toBe('abbrev("a")');
    expect(pgKeyExpr('"a"', 'text', 'inet')).toBe('abbrev("a") COLLATE "C"');
    expect(pgKeyExpr('"a"', 'text', 'character(5)')).toBe('("a")::text COLLATE "C"');
  });

  test('keys and values are bound by type, not compared as strings', () => {
    expect(mysqlKeyParam('int')).toBe('CAST(? AS DECIMAL(65,0))');
    expect(pgKeyParam('text', 3, 'varchar(10)')).toBe('$3::text COLLATE "C"');
    expect(pgKeyParam('int', 1, 'integer')).toBe('$1::integer');
    expect(pgValueParam('bool', 2, 'boolean')).toBe('($2)::int::boolean');
  });

  test('BIT is told by its type: its value in binary digits across engines, written back at the column width', () => {
    expect(mysqlCanonExpr('`b`', 'other', { crossEngine: true, type: 'bit(5)' })).toBe('BIN(`b` + 0)');
    expect(pgCanonExpr('"b"', 'other', { crossEngine: true, type: 'bit varying(5)' })).toMatch(/^CASE WHEN "b" IS NOT NULL THEN COALESCE\(NULLIF\(ltrim/);
    expect(pgCanonExpr('"b"', 'other', { crossEngine: false, type: 'bit varying(5)' })).toBe('("b")::text');
    expect(pgValueParam('other', 4, 'bit varying(5)')).toBe("lpad($4, 5, '0')::bit varying(5)");
    expect(mysqlValueParam('other', 'bit(5)')).toBe('CAST(CONV(?, 2, 10) AS UNSIGNED)');
    expect(mysqlCanonExpr('`u`', 'other', { crossEngine: true, type: 'geometry' })).toBe('CAST(`u` AS CHAR)');
  });

  test('window functions: MySQL 8.0+, MariaDB 10.2+', () => {
    expect(['8.0.36', '5.7.44-log', '10.11.19-MariaDB-log', '10.1.48-MariaDB', '11.4.2-MariaDB'].map(mysqlHasWindowFunctions)).toEqual([true, false, true, false, true]);
  });

  test('row texts length-prefix each value and mark NULL', () => {
    expect(pgRowText(['a', 'b'])).toBe("COALESCE(char_length(a)::text || ':' || a, 'N') || ',' || COALESCE(char_length(b)::text || ':' || b, 'N')");
    expect(mysqlRowText(['a'])).toBe("CONCAT(COALESCE(CONCAT(CHAR_LENGTH(a), ':', a), 'N'))");
  });
});
