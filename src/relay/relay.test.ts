import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChaosProxy } from '../../test/support/chaos-proxy';
import { isIntact, testFrame } from '../../test/support/frames';
import { setLogSink } from '../log';
import { DirReceiver } from '../net/dir-receiver';
import type { InboundLink, ResumeMap } from '../net/link';
import { TcpReceiver } from '../net/tcp-receiver';
import { TcpSender } from '../net/tcp-sender';
import { Relay } from './relay';

/** Collects frames from an inbound link, acking each; durable progress = what it holds. */
class Sink {
  readonly seqs = new Map<number, bigint[]>();
  bad = 0;
  resume = (): ResumeMap => {
    const m: ResumeMap = new Map();
    for (const [o, l] of this.seqs) m.set(o, { origin: o, seq: l[l.length - 1]!, position: '' });
    return m;
  };
  total(): number {
    let n = 0;
    for (const l of this.seqs.values()) n += l.length;
    return n;
  }
  async consume(link: InboundLink, until: () => boolean): Promise<void> {
    for await (const f of link.frames()) {
      if (!isIntact(f)) this.bad++;
      const l = this.seqs.get(f.origin) ?? [];
      l.push(f.seq);
      this.seqs.set(f.origin, l);
      link.ack(f.origin, f.seq);
      if (until()) return;
    }
  }
  expectExactly(origin: number, n: number): void {
    expect(this.bad).toBe(0);
    const l = this.seqs.get(origin) ?? [];
    expect(l.length).toBe(n);
    for (let i = 0; i < l.length; i++) if (l[i] !== BigInt(i + 1)) throw new Error(`origin ${origin}: index ${i} holds seq ${l[i]}`);
  }
}

let tmp: string;
let restore: (l: string) => void;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-relay-'));
  restore = setLogSink(() => undefined);
});
afterEach(() => {
  setLogSink(restore);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const until = (p: () => boolean, ms = 60000) =>
  new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (p() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(tick, 20));
    tick();
  });

describe('transfer relay', () => {
  test('fans out to a tcp hop and a dir hop; restarts and cuts lose and repeat nothing', async () => {
    const N = 20000;
    const tcpSink = new Sink();
    const final = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 30, resume: tcpSink.resume, heartbeatMs: 300 });
    const finalPort = await final.start();
    const hopProxy = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: finalPort, cutEveryMs: [50, 200], seed: 11 });
    const hopProxyPort = await hopProxy.start();
    const gap = path.join(tmp, 'gap');
    const dirSink = new Sink();
    const dirIn = new DirReceiver({ path: gap, archivePath: '', pollSec: 0.05, resume: dirSink.resume, siteid: 31 });

    // the relay listens on a fixed port so a restarted one is found again
    const probe = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 0, resume: () => new Map() });
    const relayPort = await probe.start();
    await probe.close();
    const relayOpts = {
      role: 'transfer' as const,
      siteid: 20,
      stateDir: path.join(tmp, 'state'),
      heartbeatMs: 300,
      spoolSegmentBytes: 256 * 1024,
      recvs: [{ source: { kind: 'tcp' as const, ip: '127.0.0.1', dataPort: relayPort, mgrPort: 5345 }, gateway: false }],
      sends: [
        { target: { kind: 'tcp' as const, ip: '127.0.0.1', dataPort: hopProxyPort, mgrPort: 5345 }, gateway: false, siteids: [] },
        { target: { kind: 'dir' as const, path: gap, fileSizeMb: 0.05, fileTimeSec: 0.2 }, gateway: false, siteids: [] },
      ],
    };
    let relay = new Relay(relayOpts);
    await relay.start();

    const srcProxy = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: relayPort, cutEveryMs: [50, 250], seed: 5 });
    const srcProxyPort = await srcProxy.start();
    const source = new TcpSender({ host: '127.0.0.1', port: srcProxyPort, siteid: 1, role: 'capture', heartbeatMs: 300, backoffMinMs: 5, backoffMaxMs: 100 });
    await source.open();

    const sinks = Promise.all([tcpSink.consume(final, () => tcpSink.total() === N), dirSink.consume(dirIn, () => dirSink.total() === N)]);
    for (let i = 1; i <= N; i++) {
      await source.send(testFrame(1, i));
      if (i % 7000 === 0) {
        // stop the relay abruptly-ish (no drain) and start a new one on the same state
        await relay.stop(0);
        relay = new Relay(relayOpts);
        await relay.start();
      }
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    await source.drain();
    await until(() => tcpSink.total() >= N && dirSink.total() >= N);
    await sinks;
    tcpSink.expectExactly(1, N);
    dirSink.expectExactly(1, N);
    expect(srcProxy.cuts + hopProxy.cuts).toBeGreaterThan(2);

    await source.close();
    await relay.stop();
    await Promise.all([srcProxy.stop(), hopProxy.stop(), final.close(), dirIn.close()]);
  });

  test('route forwards each origin only to the sends whose siteids name it', async () => {
    const a = new Sink();
    const b = new Sink();
    const ra = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 40, resume: a.resume });
    const rb = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 41, resume: b.resume });
    const [pa, pb] = [await ra.start(), await rb.start()];
    const probe = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 0, resume: () => new Map() });
    const p1 = await probe.start();
    await probe.close();
    const probe2 = new TcpReceiver({ host: '127.0.0.1', port: 0, siteid: 0, resume: () => new Map() });
    const p2 = await probe2.start();
    await probe2.close();
    const relay = new Relay({
      role: 'route',
      siteid: 50,
      stateDir: path.join(tmp, 'route'),
      recvs: [
        { source: { kind: 'tcp', ip: '127.0.0.1', dataPort: p1, mgrPort: 5345 }, gateway: false },
        { source: { kind: 'tcp', ip: '127.0.0.1', dataPort: p2, mgrPort: 5345 }, gateway: false },
      ],
      sends: [
        { target: { kind: 'tcp', ip: '127.0.0.1', dataPort: pa, mgrPort: 5345 }, gateway: false, siteids: [1] },
        { target: { kind: 'tcp', ip: '127.0.0.1', dataPort: pb, mgrPort: 5345 }, gateway: false, siteids: [2, 1] },
      ],
    });
    await relay.start();
    const s1 = new TcpSender({ host: '127.0.0.1', port: p1, siteid: 1, role: 'capture' });
    const s2 = new TcpSender({ host: '127.0.0.1', port: p2, siteid: 2, role: 'capture' });
    await Promise.all([s1.open(), s2.open()]);
    const done = Promise.all([a.consume(ra, () => a.total() === 3000), b.consume(rb, () => b.total() === 6000)]);
    for (let i = 1; i <= 3000; i++) {
      await s1.send(testFrame(1, i));
      await s2.send(testFrame(2, i));
    }
    await Promise.all([s1.drain(), s2.drain()]);
    await done;
    a.expectExactly(1, 3000);
    expect(a.seqs.has(2)).toBe(false);
    b.expectExactly(1, 3000);
    b.expectExactly(2, 3000);
    await Promise.all([s1.close(), s2.close()]);
    await relay.stop();
    await Promise.all([ra.close(), rb.close()]);
  });
});
