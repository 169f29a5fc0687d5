import type { Value } from '../../model/value';
import { binlogPath, corpusBinlogs, readAll } from '../../../test/support/corpora';
import type { BinlogColumn, ValueEnd } from './column';
import { columnValueLength } from './value-length';
import { readColumnValue } from './values';

/**
 * columnValueLength (walking row images without decoding) and the value decoders must agree
 * on where every value ends: checked on every value of every corpus binlog.
 */
describe('columnValueLength', () => {
  test('agrees with the value decoders on every value of the corpus binlogs', async () => {
    const mismatches: string[] = [];
    let values = 0;
    const checking = (buf: Buffer, pos: number, col: BinlogColumn, at: ValueEnd): Value => {
      const value = readColumnValue(buf, pos, col, at);
      values++;
      let length: number | string;
      try {
        length = columnValueLength(buf, pos, col);
      } catch (e) {
        length = (e as Error).message; // readAll would take a throw here for the file's end
      }
      if (length !== at.end - pos && mismatches.length < 10) {
        mismatches.push(`type ${col.type} meta ${col.meta}: columnValueLength ${length}, decoder ${at.end - pos}`);
      }
      return value;
    };
    for (const rel of corpusBinlogs()) await readAll(binlogPath(rel), checking);
    expect(mismatches).toEqual([]);
    expect(values).toBeGreaterThan(1000);
  });
});
