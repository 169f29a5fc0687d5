import * as lz4 from 'lz4js';
import { isSynctlError } from '../errors';
import { compress, decompress } from './compress';
import { prng } from '../../test/support/prng';

const rnd = prng(0xc0ffee);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

function noise(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(0, 255);
  return b;
}

/** text-like data: repetitive with some randomness, like row images */
function rows(n: number): Buffer {
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const s = `{"id":${int(1, 1e6)},"k":${int(1, 1e4)},"c":"${'83868641912-28773972837-60736120486-'.slice(int(0, 20))}","pad":"${int(0, 99999)}"}\n`;
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

function expectWireDecode(f: () => unknown, pattern?: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  if (!isSynctlError(err, 'WIRE_DECODE')) throw new Error(`expected WIRE_DECODE, got ${String(err)}`);
  expect(err.message).toMatch(/^LZ4 payload: .* at offset \d+$/);
  if (pattern) expect(err.message).toMatch(pattern);
}

describe('lz4js API', () => {
  it('the functions we use exist at runtime (and in @types/lz4js, or this file would not compile)', () => {
    expect(typeof lz4.compressBound).toBe('function');
    expect(typeof lz4.compressFrame).toBe('function');
    expect(typeof lz4.decompressFrame).toBe('function');
    const bound: number = lz4.compressBound(10);
    expect(bound).toBeGreaterThanOrEqual(10);
  });
});

describe('compress / decompress', () => {
  it.each([0, 1, 12, 13, 100, 1000, 65536, 300000])('round trips %d bytes of text and of noise', (n) => {
    for (const src of [rows(n), noise(n), Buffer.alloc(n, 0x41)]) {
      const c = compress(src);
      expect(c.readUInt32BE(0)).toBe(n);
      expect(decompress(c)).toEqual(src);
    }
  });

  it('round trips more than one 4 MiB block (linked blocks, matches across blocks)', () => {
    const src = Buffer.concat([rows(5 << 20), noise(100000), rows(4 << 20)]);
    const c = compress(src);
    expect(c.length).toBeLessThan(src.length / 2);
    expect(decompress(c).equals(src)).toBe(true);
  });

  it('compresses row-like text', () => {
    const src = rows(200000);
    expect(compress(src).length).toBeLessThan(src.length / 2);
  });

  it('does not keep a huge worst-case buffer behind a small result', () => {
    const c = compress(Buffer.alloc(1 << 20));
    expect(c.buffer.byteLength).toBeLessThan(100 * 1024);
  });

  it('a wrong length prefix is detected', () => {
    const src = rows(5000);
    const c = compress(src);
    for (const len of [0, 4999, 5001, 100000]) {
      const bad = Buffer.from(c);
      bad.writeUInt32BE(len, 0);
      expectWireDecode(() => decompress(bad), /decompressed to 5000 bytes, length prefix says|impossible/);
    }
    const bad = Buffer.from(c);
    bad.writeUInt32BE(0xffffffff, 0);
    expectWireDecode(() => decompress(bad), /length prefix 4294967295 is impossible/);
  });

  it('every truncation is detected', () => {
    const c = compress(rows(3000));
    for (let n = 0; n < c.length; n++) expectWireDecode(() => decompress(c.subarray(0, n)));
  });

  it('concatenated or trailing data is detected (lz4js would silently ignore it)', () => {
    const a = compress(rows(1000));
    const b = compress(rows(1000));
    expectWireDecode(() => decompress(Buffer.concat([a, b.subarray(4)])), /after the LZ4 end mark/);
    expectWireDecode(() => decompress(Buffer.concat([a, Buffer.from([0])])), /after the LZ4 end mark/);
  });

  it('frame options lz4js mishandles are refused', () => {
    const c = compress(rows(1000));
    const withBlockChecksum = Buffer.from(c);
    withBlockChecksum[8] |= 0x10;
    expectWireDecode(() => decompress(withBlockChecksum), /block checksums are not supported at offset 8/);
    const badMagic = Buffer.from(c);
    badMagic[4] ^= 1;
    expectWireDecode(() => decompress(badMagic), /bad LZ4 magic at offset 4/);
  });

  it('random corruption gives either the right length or WIRE_DECODE, never another error or a hang', () => {
    const src = rows(20000);
    const c = compress(src);
    let detected = 0;
    for (let k = 0; k < 3000; k++) {
      const bad = Buffer.from(c);
      bad[int(0, bad.length - 1)] ^= int(1, 255);
      try {
        expect(decompress(bad).length).toBe(src.length);
      } catch (e) {
        if (!isSynctlError(e, 'WIRE_DECODE')) throw e;
        detected++;
      }
    }
    // lz4 has no checksum here: most flips in literals decode to wrong bytes of the right
    // length. That is why DATA frames carry a payload CRC over these compressed bytes.
    expect(detected).toBeGreaterThan(0);
  });
});
