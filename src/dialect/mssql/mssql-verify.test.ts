/**
 * verify on SQL Server, by its generated SQL and documentation-written result sets
 * (fixtures/): no SQL Server runs where these tests run.
 */
import { createHash } from 'node:crypto';
import {
  mssqlCanonExpr,
  mssqlFilterLike,
  mssqlFilterLiteral,
  mssqlFilterOperand,
  mssqlHashParts,
  mssqlKeyExpr,
  mssqlKeyParam,
  mssqlLikePattern,
  mssqlNullSafeEq,
  mssqlRowText,
  mssqlValueParam,
  MSSQL_UTF8_CHECK_SQL,
} from './mssql-normalize';
import { mssqlText } from './mssql-side';
import { toTsql } from './mssql-tsql';
import page from './fixtures/verify-page-result.json';

const U8 = (e: string) => `CAST((${e}) COLLATE Latin1_General_100_BIN2_UTF8 AS varchar(max))`;

describe("verify's portable SQL in T-SQL", () => {
  test('LIMIT [OFFSET] becomes OFFSET ... FETCH', () => {
    expect(toTsql('SELECT a AS synctl_v0 FROM [s].[t] WHERE 1 = 1 ORDER BY [id] LIMIT 1 OFFSET 9999', [])).toBe(
      'SELECT a AS synctl_v0 FROM [s].[t] WHERE 1 = 1 ORDER BY [id] OFFSET 9999 ROWS FETCH NEXT 1 ROWS ONLY',
    );
    expect(toTsql('SELECT a FROM t WHERE [id] > CAST(@p1 AS int) ORDER BY [id] LIMIT 500', ['7'])).toBe(
      "SELECT a FROM t WHERE [id] > CAST(N'7' AS int) ORDER BY [id] OFFSET 0 ROWS FETCH NEXT 500 ROWS ONLY",
    );
  });

  test('row-value ranges are expanded column by column', () => {
    expect(toTsql('SELECT 1 FROM t WHERE (a, CAST(b AS int)) > (@p1, @p2) AND (a, CAST(b AS int)) <= (@p3, @p4)', ['1', '2', '3', '4'])).toBe(
      "SELECT 1 FROM t WHERE ((a > N'1') OR (a = N'1' AND CAST(b AS int) > N'2')) AND " +
        "((a < N'3') OR (a = N'3' AND CAST(b AS int) < N'4') OR (a = N'3' AND CAST(b AS int) = N'4'))",
    );
  });

  test('row-value IN becomes an OR of ANDs; a one-column IN stays', () => {
    expect(toTsql('SELECT 1 FROM t WHERE 1 = 1 AND (a, b) IN ((@p1, @p2), (@p3, @p4))', ['1', 'x', '2', null])).toBe(
      "SELECT 1 FROM t WHERE 1 = 1 AND ((a = N'1' AND b = N'x') OR (a = N'2' AND b = NULL))",
    );
    expect(toTsql('SELECT 1 FROM t WHERE a IN (@p1, @p2)', ['1', '2'])).toBe("SELECT 1 FROM t WHERE a IN (N'1', N'2')");
  });

  test("bucket digests: LIMIT inside a derived table, a row value inside CASE WHEN, SUM as exact text", () => {
    expect(
      toTsql(
        'SELECT synctl_g, COUNT(*) AS synctl_n, SUM(synctl_p0) AS synctl_s0 FROM (SELECT CASE WHEN (a, b) <= (@p1, @p2) THEN 0 ELSE 1 END AS synctl_g, p AS synctl_p0 ' +
          'FROM t WHERE (a, b) > (@p3, @p4) ORDER BY a, b LIMIT 10) d GROUP BY synctl_g',
        ['1', '2', '0', '0'],
      ),
    ).toBe(
      "SELECT synctl_g, COUNT(*) AS synctl_n, CAST(SUM(CAST(synctl_p0 AS decimal(38,0))) AS varchar(40)) AS synctl_s0 FROM (SELECT CASE WHEN ((a < N'1') OR (a = N'1' AND b < N'2') OR (a = N'1' AND b = N'2')) " +
        "THEN 0 ELSE 1 END AS synctl_g, p AS synctl_p0 FROM t WHERE ((a > N'0') OR (a = N'0' AND b > N'0')) ORDER BY a, b OFFSET 0 ROWS FETCH NEXT 10 ROWS ONLY) d GROUP BY synctl_g",
    );
  });

  test('function arguments, column lists and string contents are left alone; ? binds by position', () => {
    const sql = "INSERT INTO [t] ([a], [b]) VALUES (CONVERT(varbinary(max), @p1, 2), CONCAT(N'(x, y) > (?', @p2))";
    expect(toTsql(sql, ['ab', "it's"])).toBe("INSERT INTO [t] ([a], [b]) VALUES (CONVERT(varbinary(max), N'ab', 2), CONCAT(N'(x, y) > (?', N'it''s'))");
    expect(toTsql('DELETE TOP (1) FROM t WHERE x = ? AND y = ?', ['1', null])).toBe("DELETE TOP (1) FROM t WHERE x = N'1' AND y = NULL");
    expect(() => toTsql('SELECT @p3', ['a'])).toThrow(/@p3 has no value/);
  });
});

describe('canonical text on SQL Server', () => {
  test('numbers, text, binary, flags', () => {
    expect(mssqlCanonExpr('[i]', 'int')).toBe('CAST([i] AS varchar(40))');
    expect(mssqlCanonExpr('[d]', 'decimal')).toBe(
      "CASE WHEN CHARINDEX('.', CAST([d] AS varchar(60))) = 0 THEN CAST([d] AS varchar(60)) ELSE REVERSE(SUBSTRING(SUBSTRING(REVERSE(CAST([d] AS varchar(60))), PATINDEX('%[^0]%', REVERSE(CAST([d] AS varchar(60)))), 60), " +
        "CASE WHEN LEFT(SUBSTRING(REVERSE(CAST([d] AS varchar(60))), PATINDEX('%[^0]%', REVERSE(CAST([d] AS varchar(60)))), 60), 1) = '.' THEN 2 ELSE 1 END, 60)) END",
    );
    expect(mssqlCanonExpr('[f]', 'float')).toBe('CONVERT(varchar(40), [f], 3)');
    expect(mssqlCanonExpr('[c]', 'text', 'nchar(3)')).toBe('RTRIM([c])');
    expect(mssqlCanonExpr('[v]', 'text', 'nvarchar(40)')).toBe('CAST([v] AS nvarchar(max))');
    expect(mssqlCanonExpr('[b]', 'binary')).toBe('LOWER(CONVERT(varchar(max), CAST([b] AS varbinary(max)), 2))');
    expect(mssqlCanonExpr('[k]', 'bool')).toBe("CASE WHEN [k] = 1 THEN '1' WHEN [k] = 0 THEN '0' END");
    expect(mssqlCanonExpr('[u]', 'other', 'uniqueidentifier')).toBe('LOWER(CAST([u] AS char(36)))');
  });

  test('dates and times with six fractional digits; datetimeoffset in UTC', () => {
    expect(mssqlCanonExpr('[d]', 'date')).toBe('CONVERT(char(10), [d], 23)');
    expect(mssqlCanonExpr('[t]', 'time')).toBe("CONVERT(char(8), [t], 108) + '.' + RIGHT('000000' + CAST(DATEPART(microsecond, [t]) AS varchar(6)), 6)");
    expect(mssqlCanonExpr('[a]', 'datetime')).toBe("CONVERT(char(19), [a], 120) + '.' + RIGHT('000000' + CAST(DATEPART(microsecond, [a]) AS varchar(6)), 6)");
    expect(mssqlCanonExpr('[z]', 'timestamptz')).toBe(
      "CONVERT(char(19), CAST(SWITCHOFFSET([z], '+00:00') AS datetime2(7)), 120) + '.' + RIGHT('000000' + CAST(DATEPART(microsecond, CAST(SWITCHOFFSET([z], '+00:00') AS datetime2(7))) AS varchar(6)), 6)",
    );
  });

  test('keys: text by UTF-8 bytes (code point order), the rest by value with typed parameters', () => {
    expect(mssqlKeyExpr('[n]', 'text', 'nvarchar(10)')).toBe(U8('CAST([n] AS nvarchar(max))'));
    expect(mssqlKeyExpr('[id]', 'int')).toBe('[id]');
    expect(mssqlKeyParam({ kind: 'int', type: 'bigint' }, 2)).toBe('CAST(@p2 AS bigint)');
    expect(mssqlKeyParam({ kind: 'decimal', type: 'decimal(20,0)' }, 1)).toBe('CAST(@p1 AS decimal(20,0))');
    expect(mssqlKeyParam({ kind: 'text', type: 'nvarchar(10)' }, 3)).toBe(U8('CAST(@p3 AS nvarchar(max))'));
    expect(mssqlKeyParam({ kind: 'timestamptz', type: 'datetimeoffset(6)' }, 1)).toBe("CAST(@p1 + N' +00:00' AS datetimeoffset(7))");
    expect(mssqlValueParam({ kind: 'binary', type: 'varbinary(max)' }, 4)).toBe('CONVERT(varbinary(max), @p4, 2)');
    expect(mssqlValueParam({ kind: 'text', type: 'nvarchar(10)' }, 4)).toBe('@p4');
  });

  test('row text and its hash parts over UTF-8; a bucket sum sent as exact text', () => {
    const rt = mssqlRowText(['a', 'b']);
    expect(rt).toBe(
      "COALESCE(CAST(LEN((a + N'.') COLLATE Latin1_General_100_CI_AS_SC) - 1 AS nvarchar(20)) + N':' + a, N'N') + N',' + " +
        "COALESCE(CAST(LEN((b + N'.') COLLATE Latin1_General_100_CI_AS_SC) - 1 AS nvarchar(20)) + N':' + b, N'N')",
    );
    const part = `CAST(SUBSTRING(HASHBYTES('MD5', ${U8('x')}), 1, 7) AS bigint) * 16 + CAST(SUBSTRING(HASHBYTES('MD5', ${U8('x')}), 8, 1) AS int) / 16`;
    expect(mssqlHashParts('x')).toEqual([part]);
    // as verify's bucket query sends it: the sum exact (decimal, no bigint overflow) and as text
    expect(toTsql(`SELECT COUNT(*) AS synctl_n, SUM(synctl_p0) AS synctl_s0 FROM (SELECT ${part} AS synctl_p0 FROM [s].[t] WHERE 1 = 1) d`, [])).toBe(
      `SELECT COUNT(*) AS synctl_n, CAST(SUM(CAST(synctl_p0 AS decimal(38,0))) AS varchar(40)) AS synctl_s0 FROM (SELECT ${part} AS synctl_p0 FROM [s].[t] WHERE 1 = 1) d`,
    );
  });

  test('a side first checks that the server has the UTF-8 collation (SQL Server 2019+)', () => {
    expect(MSSQL_UTF8_CHECK_SQL).toBe("SELECT COUNT(*) AS n FROM sys.fn_helpcollations() WHERE name = 'Latin1_General_100_BIN2_UTF8'");
  });

  test("the digest's 60-bit slice is the same number as MySQL's CONV(SUBSTRING(MD5(t), 1, 15), 16, 10)", () => {
    for (const text of ['1:1,4:10.5,N', '8:Grüße 😀', '']) {
      const h = createHash('md5').update(text, 'utf8').digest();
      const mysql = BigInt('0x' + h.toString('hex').slice(0, 15));
      // the T-SQL arithmetic: CAST(bytes 1..7 AS bigint) * 16 + byte 8 / 16 (integer division)
      const tsql = BigInt('0x' + h.subarray(0, 7).toString('hex')) * 16n + BigInt(Math.floor(h[7]! / 16));
      expect(tsql).toBe(mysql);
    }
  });

  test('row-filter pushdown', () => {
    expect(mssqlFilterOperand('num', 'c')).toBe('CAST(c AS decimal(38,18))');
    expect(mssqlFilterLiteral('num', '100.5')).toBe("CAST('100.5' AS decimal(38,18))");
    expect(mssqlFilterLiteral('bytes', '00ff')).toBe('0x00ff');
    expect(mssqlFilterLiteral('text', "it's")).toBe(U8("N'it''s'"));
    expect(mssqlLikePattern('a\\_b_[x]%\\%')).toBe('a[_]b_[[]x]%[%]');
    expect(mssqlFilterLike('c', 'ab%', true)).toBe("(CAST(c AS nvarchar(max)) COLLATE Latin1_General_100_BIN2 NOT LIKE N'ab%')");
    expect(mssqlNullSafeEq('c', '?')).toBe(
      "EXISTS (SELECT (CAST(c AS nvarchar(max)) + N'.') COLLATE Latin1_General_100_BIN2 INTERSECT SELECT (CAST(? AS nvarchar(max)) + N'.') COLLATE Latin1_General_100_BIN2)",
    );
  });
});

describe('recorded result sets into canonical values', () => {
  test('a page of canonical texts stays as delivered (strings and NULL)', () => {
    const rows = page.page.map((r) => r.map(mssqlText));
    expect(rows[0]).toEqual(['1', '10.5', "it's", 'abc', '00ff10', '1', '2026-01-02 03:04:05.123456', '2026-01-02 02:04:05.000000']);
    expect(rows[1]).toEqual(['2', null, 'Grüße 😀', 'x', '', '0', '1999-12-31 23:59:59.000000', null]);
  });

  test('digest rows: the count (a number) and the sum (text) as the other engines print them', () => {
    expect(page.digest.map((r) => r.map(mssqlText).map((v) => v ?? '').join('/'))).toEqual(['2/1152921504606846975']);
    expect(page.emptyDigest.map((r) => r.map(mssqlText).map((v) => v ?? '').join('/'))).toEqual(['0/']);
  });

  test('the per-value length prefix counts characters, as CHAR_LENGTH/char_length do', () => {
    // what LEN(... COLLATE _SC) gives: a surrogate pair is one character, trailing spaces count
    const prefix = (s: string) => `${[...s].length}:${s}`;
    expect(prefix('Grüße 😀')).toBe('7:Grüße 😀');
    expect(prefix('a  ')).toBe('3:a  ');
  });
});
