import { binlogPosition, comparePositions, formatPosition, mssqlPosition, parsePosition, pgPosition } from './position';

test('positions round-trip through their text form', () => {
  for (const p of [
    binlogPosition('mysql-bin.000042', 1234),
    binlogPosition('mariadb-bin.000002', 4, '0-1-100,1-2-5'),
    binlogPosition('binlog.000001', 157, '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:mytag:3'),
    pgPosition('16/B374D848'),
    mssqlPosition('0000002a000001f80003'),
  ]) {
    expect(parsePosition(formatPosition(p))).toEqual(p);
  }
  expect(formatPosition(pgPosition('16/B374D848'))).toBe('pg:16/B374D848');
});

test('positions are totally ordered within their kind', () => {
  const ordered = [
    binlogPosition('mysql-bin.000009', 900),
    binlogPosition('mysql-bin.000010', 4),
    binlogPosition('mysql-bin.000010', 120),
    binlogPosition('mysql-bin.1000000', 4),
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      expect(Math.sign(comparePositions(ordered[i]!, ordered[j]!))).toBe(Math.sign(i - j));
    }
  }
  expect(comparePositions(pgPosition('0/FFFFFFFF'), pgPosition('1/0'))).toBe(-1);
  expect(comparePositions(mssqlPosition('0000002a000001f80003'), mssqlPosition('0000002a000001f80004'))).toBe(-1);
  expect(() => comparePositions(pgPosition('1/0'), binlogPosition('a.000001', 4))).toThrow(/cannot compare/);
});

test('bad position text is refused with the text named', () => {
  expect(() => parsePosition('pg:xyz')).toThrow("not a PostgreSQL LSN: 'xyz'");
  expect(() => parsePosition('binlog:nofile')).toThrow("not a position: 'binlog:nofile'");
  expect(() => mssqlPosition('12')).toThrow(/20 hex digits/);
});
