import { ChaosProxy } from '../../test/support/chaos-proxy';
import { isIntact, testFrame } from '../../test/support/frames';
import { isSynctlError } from '../errors';
import { setLogSink } from '../log';
import { connect } from 'node:net';
import { encodeFrame, type Frame } from '../wire/frame';
import { helloFrame } from '../wire/control';
import type { ResumeMap } from './link';
import { TcpReceiver } from './tcp-receiver';
import { TcpSender } from './tcp-sender';

/** A consumer that "durably" keeps what it got in memory and acks each frame. */
class Sink {
  readonly got = new Map<number, bigint[]>();
  readonly bad: Frame[] = [];
  resume = (): ResumeMap => {
    const m: ResumeMap = new Map();
    for (const [origin, seqs] of this.got) m.set(origin, { origin, seq: seqs[seqs.length - 1] ?? 0n, position: '' });
    return m;
  };
  async consume(r: TcpReceiver, total: number): Promise<void> {
    let n = 0;
    for await (const f of r.frames()) {
      if (!isIntact(f)) this.bad.push(f);
      const list = this.got.get(f.origin) ?? [];
      list.push(f.seq);
      this.got.set(f.origin, list);
      r.ack(f.origin, f.seq);
      if (++n === total) return;
    }
  }
  count(): number {
    let n = 0;
    for (const l of this.got.values()) n += l.length;
    return n;
  }
  expectExactlyOnce(origins: number[], perOrigin: number): void {
    expect(this.bad).toEqual([]);
    for (const o of origins) {
      const seqs = this.got.get(o) ?? [];
      expect(seqs.length).toBe(perOrigin);
      seqs.forEach((s, i) => {
        if (s !== BigInt(i + 1)) throw new Error(`origin ${o}: position ${i} holds seq ${s}`);
      });
    }
  }
}

let logs: string[] = [];
let restoreSink: (l: string) => void;
beforeEach(() => {
  logs = [];
  restoreSink = setLogSink((l) => logs.push(l));
});
afterEach(() => setLogSink(restoreSink));

async function pump(sender: TcpSender, origin: number, from: number, to: number): Promise<void> {
  for (let s = from; s <= to; s++) await sender.send(testFrame(origin, s));
}

describe('tcp link', () => {
  test('delivers every frame once, in order, and acks drain the sender', async () => {
    const sink = new Sink();
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume });
    const port = await r.start();
    const s = new TcpSender({ host: '127.0.0.1', port, siteid: 1, role: 'test' });
    const consumed = sink.consume(r, 20000);
    expect((await s.open()).size).toBe(0);
    await Promise.all([pump(s, 1, 1, 10000), pump(s, 2, 1, 10000)]);
    await consumed;
    await s.drain();
    expect(s.unacked).toBe(0);
    sink.expectExactlyOnce([1, 2], 10000);
    await s.close();
    await r.close();
  });

  test('a proxy cutting connections at random loses and repeats nothing', async () => {
    const sink = new Sink();
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume, heartbeatMs: 200 });
    const port = await r.start();
    const proxy = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: port, cutEveryMs: [20, 120], seed: 7 });
    const pport = await proxy.start();
    const s = new TcpSender({ host: '127.0.0.1', port: pport, siteid: 1, role: 'test', heartbeatMs: 200, backoffMinMs: 5, backoffMaxMs: 50 });
    const consumed = sink.consume(r, 30000);
    await s.open();
    for (let i = 1; i <= 30000; i++) {
      await s.send(testFrame(3, i));
      if (i % 500 === 0) await new Promise((res) => setImmediate(res)); // let the proxy cut mid-stream
    }
    await consumed;
    await s.drain();
    expect(proxy.cuts).toBeGreaterThan(2);
    sink.expectExactlyOnce([3], 30000);
    await s.close();
    await proxy.stop();
    await r.close();
  });

  test('a flipped byte on the wire is reported with peer and sequence, nothing wrong is delivered', async () => {
    const sink = new Sink();
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume });
    const port = await r.start();
    const proxy = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: port });
    const pport = await proxy.start();
    const s = new TcpSender({ host: '127.0.0.1', port: pport, siteid: 1, role: 'test', backoffMinMs: 5 });
    const consumed = sink.consume(r, 2000);
    await s.open();
    await pump(s, 1, 1, 1000);
    // frames are 32 + 64 bytes: land inside the payload of a frame in the middle
    proxy.corruptAfter(96 * 10 + 40);
    await pump(s, 1, 1001, 2000);
    await consumed;
    await s.drain();
    sink.expectExactlyOnce([1], 2000);
    const err = logs.find((l) => l.includes('corrupt frame'));
    expect(err).toMatch(/peer 127\.0\.0\.1:\d+: corrupt frame at offset \d+ \(seq \d+\): payload CRC mismatch/);
    await s.close();
    await proxy.stop();
    await r.close();
  });

  test('a second connection claiming the same siteid is refused with a clear error', async () => {
    const sink = new Sink();
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume });
    const port = await r.start();
    const a = new TcpSender({ host: '127.0.0.1', port, siteid: 5, role: 'capture' });
    await a.open();
    const b = new TcpSender({ host: '127.0.0.1', port, siteid: 5, role: 'capture' });
    const err = await b.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSynctlError(err, 'SITE_CONFLICT')).toBe(true);
    expect((err as Error).message).toMatch(/siteid 5 is already connected from 127\.0\.0\.1:\d+; refusing a second connection/);
    await a.close();
    await b.close();
    await r.close();
  });

  test('receiver restarted from its durable state: the sender replays exactly the missing frames', async () => {
    const sink = new Sink();
    let r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume });
    const port = await r.start();
    const s = new TcpSender({ host: '127.0.0.1', port, siteid: 1, role: 'test', backoffMinMs: 5, backoffMaxMs: 50 });
    await s.open();
    const first = sink.consume(r, 3000);
    await pump(s, 1, 1, 3000);
    await first;
    await r.close(); // killed after taking 3000 frames; acks may or may not have reached the sender
    const sending = pump(s, 1, 3001, 6000);
    await new Promise((res) => setTimeout(res, 100));
    r = new TcpReceiver({ host: '127.0.0.1', port, siteid: 9, resume: sink.resume });
    await r.start();
    await Promise.all([sending, sink.consume(r, 3000)]);
    await s.drain();
    sink.expectExactlyOnce([1], 6000);
    await s.close();
    await r.close();
  });

  test('gateway mode: one reply byte per frame is the ack, cuts replay without duplicates', async () => {
    const sink = new Sink();
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume, gateway: true });
    const port = await r.start();
    const proxy = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: port, cutEveryMs: [30, 150], seed: 3 });
    const pport = await proxy.start();
    const s = new TcpSender({ host: '127.0.0.1', port: pport, siteid: 1, role: 'test', gateway: true, backoffMinMs: 5, backoffMaxMs: 50 });
    const consumed = sink.consume(r, 10000);
    await s.open();
    for (let i = 1; i <= 10000; i++) {
      await s.send(testFrame(4, i));
      if (i % 500 === 0) await new Promise((res) => setImmediate(res));
    }
    await consumed;
    await s.drain();
    sink.expectExactlyOnce([4], 10000);
    await s.close();
    await proxy.stop();
    await r.close();
  });
});

describe('tcp link over TLS', () => {
  test('sender verifies the receiver certificate; frames arrive once; an untrusted certificate is rejected', async () => {
    const { execFileSync } = await import('node:child_process');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    // a real self-signed certificate for 127.0.0.1, made by the openssl CLI
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const otherKey = path.join(dir, 'okey.pem');
    const otherCert = path.join(dir, 'ocert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', otherKey, '-out', otherCert, '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    try {
      const sink = new Sink();
      const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume, tls: { cert, key, verify: false } });
      const port = await r.start();
      const s = new TcpSender({ host: '127.0.0.1', port, siteid: 1, role: 'test', tls: { ca: cert, verify: true } });
      const consumed = sink.consume(r, 2000);
      await s.open();
      await pump(s, 1, 1, 2000);
      await consumed;
      await s.drain();
      sink.expectExactlyOnce([1], 2000);
      await s.close();

      // a sender that trusts a different CA never gets through
      const bad = new TcpSender({ host: '127.0.0.1', port, siteid: 2, role: 'test', tls: { ca: otherCert, verify: true }, backoffMinMs: 10 });
      const outcome = await Promise.race([bad.open().then(() => 'opened'), new Promise((res) => setTimeout(() => res('refused'), 800))]);
      expect(outcome).toBe('refused');
      expect(logs.join('\n')).toMatch(/self[- ]signed certificate|unable to verify|DEPTH_ZERO_SELF_SIGNED_CERT|certificate/i);
      await bad.close();
      await r.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dead peers', () => {
  test('a sender whose connection silently stops passing bytes reconnects and loses nothing', async () => {
    const sink = new Sink();
    // the receiver would find the frozen peer silent after 300 ms too, and its drop (passed on
    // by the proxy) could beat the sender's own detection, which is what this test is about
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: sink.resume, heartbeatMs: 100, deadMs: 10_000 });
    const port = await r.start();
    const proxy = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: port });
    const pport = await proxy.start();
    const s = new TcpSender({ host: '127.0.0.1', port: pport, siteid: 1, role: 'test', heartbeatMs: 100, backoffMinMs: 10 });
    try {
      const consumed = sink.consume(r, 2000);
      await s.open();
      await pump(s, 1, 1, 1000);
      proxy.freeze();
      await pump(s, 1, 1001, 1500); // these go into the black hole
      await new Promise((res) => setTimeout(res, 100));
      proxy.thaw();
      await pump(s, 1, 1501, 2000);
      await consumed;
      await s.drain();
      sink.expectExactlyOnce([1], 2000);
      expect(logs.some((l) => /no reply for \d+ ms; reconnecting/.test(l))).toBe(true);
    } finally {
      await s.close();
      await proxy.stop();
      await r.close();
    }
  });

  test('a receiver drops a peer that says HELLO and then goes silent', async () => {
    const r = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 9, resume: () => new Map(), heartbeatMs: 100 });
    const port = await r.start();
    try {
      const sock = connect(port, '127.0.0.1');
      sock.on('data', () => undefined); // RESUME and heartbeats arrive; this peer never answers
      await new Promise<void>((res) => sock.once('connect', () => res()));
      sock.write(encodeFrame(helloFrame({ siteid: 8, version: 1, role: 'mute' })));
      const closed = await Promise.race([
        new Promise<string>((res) => sock.once('close', () => res('dropped'))),
        new Promise<string>((res) => setTimeout(() => res('still open'), 3000).unref()),
      ]);
      sock.destroy();
      expect(closed).toBe('dropped');
      expect(logs.some((l) => /peer 127\.0\.0\.1:\d+ \(siteid 8\) silent for \d+ ms; dropping it/.test(l))).toBe(true);
    } finally {
      await r.close();
    }
  });
});
