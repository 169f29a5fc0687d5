import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSynctlError } from '../../errors';
import { BinlogDecoder } from './decoder';
import { BinlogFileReader, listBinlogFiles, sortBinlogFiles, type BinlogFileEvent } from './file-reader';
import { binlogPath, corpus, removeTempDir, tempDir } from '../../../test/support/corpora';
import { rawValueDecoder } from './value-length';

afterAll(removeTempDir);

function reader(input: string | string[], extra: { allowTruncatedTail?: boolean; chunkSize?: number } = {}): BinlogFileReader {
  return new BinlogFileReader(input, { decoder: new BinlogDecoder({ decodeValue: rawValueDecoder }), ...extra });
}

async function collect(r: BinlogFileReader, start?: { file: string; pos: number }): Promise<BinlogFileEvent[]> {
  const out: BinlogFileEvent[] = [];
  for await (const it of r.events(start)) out.push(it);
  return out;
}

function makeDir(name: string): string {
  const d = path.join(tempDir(), name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

describe('BinlogFileReader', () => {
  test('sorts by numeric extension', () => {
    expect(sortBinlogFiles(['b.000010', 'b.000009', 'b.1000000', 'b.000100']).map((f) => path.basename(f))).toEqual([
      'b.000009',
      'b.000010',
      'b.000100',
      'b.1000000',
    ]);
  });

  test('a directory of the MariaDB series is read in order, following ROTATE across files', async () => {
    const d = makeDir('series');
    for (const n of ['mariadb-bin.000005', 'mariadb-bin.000002', 'mariadb-bin.000003', 'mariadb-bin.000004', 'mariadb-bin.000006']) {
      fs.copyFileSync(corpus(`generated/mariadb-10.11-datatypes/${n}`), path.join(d, n));
    }
    const items = await collect(reader(d));
    expect([...new Set(items.map((i) => i.file))]).toEqual([
      'mariadb-bin.000002',
      'mariadb-bin.000003',
      'mariadb-bin.000004',
      'mariadb-bin.000005',
      'mariadb-bin.000006',
    ]);
    expect(items.length).toBe(339 + 60 + 45 + 22 + 47);
  });

  test('a single file follows its final ROTATE to the next file when it exists', async () => {
    const d = makeDir('follow');
    for (const n of ['mariadb-bin.000002', 'mariadb-bin.000003']) {
      fs.copyFileSync(corpus(`generated/mariadb-10.11-datatypes/${n}`), path.join(d, n));
    }
    const r = reader(path.join(d, 'mariadb-bin.000002'));
    const items = await collect(r);
    expect(items.length).toBe(339 + 60);
    expect(r.end).toEqual({ file: 'mariadb-bin.000003', pos: 4216, clean: true, pendingBytes: 0 });
  });

  test('honours a .index file', async () => {
    const d = makeDir('indexed');
    for (const n of ['mariadb-bin.000003', 'mariadb-bin.000004']) {
      fs.copyFileSync(corpus(`generated/mariadb-10.11-datatypes/${n}`), path.join(d, n));
    }
    fs.writeFileSync(path.join(d, 'mariadb-bin.index'), './mariadb-bin.000003\n./mariadb-bin.000004\n');
    expect((await listBinlogFiles(d)).map((f) => path.basename(f))).toEqual(['mariadb-bin.000003', 'mariadb-bin.000004']);
    const items = await collect(reader(path.join(d, 'mariadb-bin.index')));
    expect(items.length).toBe(60 + 45);
  });

  test('starting at a position reads the FDE first, then seeks', async () => {
    const file = binlogPath('mysql-found/shyiko/mysql-bin.checksum-crc32');
    const all = await collect(reader([file]));
    const k = all.findIndex((i, n) => n >= 100 && i.event.kind === 'anonymousGtid'); // a transaction boundary
    const mid = all[k]!;
    const tail = await collect(reader([file]), { file: path.basename(file), pos: mid.offset });
    expect(tail.map((i) => i.offset)).toEqual(all.slice(k).map((i) => i.offset));
    expect(tail[0]!.event.kind).toBe(mid.event.kind);
  });

  test('small chunks give the same events (chunked reads, events bigger than a chunk)', async () => {
    const file = binlogPath('mysql-found/rust_mysql_common/ver_5_1_23.001'); // has a 131 kB event
    const big = await collect(reader([file]));
    const small = await collect(reader([file], { chunkSize: 64 }));
    expect(small.map((i) => [i.offset, i.event.kind])).toEqual(big.map((i) => [i.offset, i.event.kind]));
  });

  test('a truncated final event: error naming file and offset, or a not-clean end for live files', async () => {
    const d = makeDir('trunc');
    const src = fs.readFileSync(corpus('mysql-found/zalora/mysql-bin.01'));
    const cut = path.join(d, 'mysql-bin.000001');
    fs.writeFileSync(cut, src.subarray(0, src.length - 10));
    const all = await collect(reader([corpus('mysql-found/zalora/mysql-bin.01')]));
    const last = all[all.length - 1]!;

    let err: unknown;
    try {
      await collect(reader([cut]));
    } catch (e) {
      err = e;
    }
    expect(isSynctlError(err, 'WIRE_DECODE')).toBe(true);
    expect((err as Error).message).toBe(
      `mysql-bin.000001: truncated event at offset ${last.offset}: header says ${last.nextPos - last.offset} bytes, only ${last.nextPos - last.offset - 10} in the file`,
    );

    const live = reader([cut], { allowTruncatedTail: true });
    const items = await collect(live);
    expect(items.length).toBe(all.length - 1);
    expect(live.end).toEqual({ file: 'mysql-bin.000001', pos: last.offset, clean: false, pendingBytes: last.nextPos - last.offset - 10 });
  });

  test('not a binlog: clear error', async () => {
    const f = path.join(makeDir('junk'), 'junk.000001');
    fs.writeFileSync(f, 'hello world');
    await expect(collect(reader([f]))).rejects.toThrow(/^junk\.000001: not a binlog file/);
  });
});
