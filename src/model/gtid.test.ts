import { MariadbGtidPos, MysqlGtidSet } from './gtid';

const U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const U2 = '57b70f4e-20c1-11e9-8a10-0242ac110002';

test.each([
  ['', ''],
  [`${U1}:1-5`, `${U1}:1-5`],
  [`${U1}:1-5:7:9-10`, `${U1}:1-5:7:9-10`],
  [`${U2}:1-3,${U1}:4`, `${U1}:4,${U2}:1-3`],
  [`${U1}:1-2:mytag:3`, `${U1}:1-2:mytag:3`],
  [`${U1.toUpperCase()}:1-2`, `${U1}:1-2`],
])('MySQL GTID set %s round-trips as %s', (text, expected) => {
  expect(MysqlGtidSet.parse(text).toString()).toBe(expected);
});

test('adding GTIDs merges adjacent intervals', () => {
  const s = MysqlGtidSet.parse(`${U1}:1-5:8`);
  s.add(U1, 6n);
  expect(s.toString()).toBe(`${U1}:1-6:8`);
  s.add(U1, 7n);
  expect(s.toString()).toBe(`${U1}:1-8`);
  s.add(`${U1}:mytag`, 3n);
  expect(s.toString()).toBe(`${U1}:1-8:mytag:3`);
  expect(s.contains(U1, 4n)).toBe(true);
  expect(s.contains(U1, 9n)).toBe(false);
});

test('bad GTID sets are refused', () => {
  expect(() => MysqlGtidSet.parse('nope:1')).toThrow(/bad uuid/);
  expect(() => MysqlGtidSet.parse(`${U1}:1-x`)).toThrow(/bad interval/);
});

test('MariaDB GTID position keeps the last GTID per domain', () => {
  const p = MariadbGtidPos.parse('1-2-50,0-1-100');
  expect(p.toString()).toBe('0-1-100,1-2-50');
  p.apply(0, 3, 101n);
  p.apply(5, 1, 1n);
  expect(p.toString()).toBe('0-3-101,1-2-50,5-1-1');
  expect(() => MariadbGtidPos.parse('0-1')).toThrow(/not a MariaDB GTID position/);
});
