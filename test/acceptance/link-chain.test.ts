/**
 * Acceptance (issue: foundation): 100,000 frames go
 *   source → tcp → transfer M → (tcp hop and dir hop) → transfer A / transfer B → stdout → sink
 * through real synctl processes, while proxies cut TCP connections at random and M is
 * killed with SIGKILL and restarted twice. Each sink must see every frame exactly once, in order.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setLogSink } from '../../src/log';
import { TcpSender } from '../../src/net/tcp-sender';
import { FrameDecoder } from '../../src/wire/frame';
import { ChaosProxy } from '../support/chaos-proxy';
import { isIntact, testFrame } from '../support/frames';
import { SynctlProcess, freePort, requireBuiltCli } from '../support/synctl-process';

const N = 100_000;

class StdoutSink {
  readonly seqs: bigint[] = [];
  bad = 0;
  constructor(readonly proc: SynctlProcess) {
    const dec = new FrameDecoder({ where: `stdout of ${proc.args.join(' ')}` });
    proc.child.stdout!.on('data', (chunk: Buffer) => {
      for (const f of dec.push(chunk)) {
        if (f.origin !== 1 || !isIntact(f)) this.bad++;
        this.seqs.push(f.seq);
      }
    });
  }
  check(): string | undefined {
    if (this.bad) return `${this.bad} damaged frames`;
    if (this.seqs.length !== N) return `${this.seqs.length} frames instead of ${N}`;
    for (let i = 0; i < N; i++) if (this.seqs[i] !== BigInt(i + 1)) return `position ${i} holds seq ${this.seqs[i]}`;
    return undefined;
  }
}

const waitFor = async (what: string, p: () => boolean, ms: number, diag: () => string) => {
  const t0 = Date.now();
  while (!p()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\n${diag()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('100k frames through tcp, transfer fan-out, dir and stdio with cuts and two SIGKILLs: exactly once, in order', async () => {
  requireBuiltCli();
  const restore = setLogSink(() => undefined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synctl-chain-'));
  const procs: SynctlProcess[] = [];
  const proxies: ChaosProxy[] = [];
  let source: TcpSender | undefined;
  try {
    const [portA, portM] = [await freePort(), await freePort()];
    const gap = path.join(tmp, 'gap');
    const a = new SynctlProcess(['transfer', '--siteid', '31', '--from', `tcp:127.0.0.1:${portA}`, '--to', '-', '--state', path.join(tmp, 'a')]);
    const b = new SynctlProcess(['transfer', '--siteid', '32', '--from', `dir:${gap}`, '--to', '-', '--state', path.join(tmp, 'b')]);
    procs.push(a, b);
    const sinkA = new StdoutSink(a);
    const sinkB = new StdoutSink(b);

    const proxyAM = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: portA, cutEveryMs: [200, 900], seed: 17 });
    const proxySM = new ChaosProxy({ targetHost: '127.0.0.1', targetPort: portM, cutEveryMs: [200, 900], seed: 29 });
    proxies.push(proxyAM, proxySM);
    const portProxyAM = await proxyAM.start();
    const portProxySM = await proxySM.start();

    const middleArgs = ['transfer', '--siteid', '20', '--from', `tcp:127.0.0.1:${portM}`,
      '--to', `tcp:127.0.0.1:${portProxyAM}`, `dir:${gap}`, '--state', path.join(tmp, 'm')];
    let m = new SynctlProcess(middleArgs);
    procs.push(m);
    const diag = () =>
      `sinkA ${sinkA.seqs.length}, sinkB ${sinkB.seqs.length}\n--- M stderr ---\n${m.stderr.slice(-3000)}\n--- A stderr ---\n${a.stderr.slice(-2000)}\n--- B stderr ---\n${b.stderr.slice(-2000)}`;

    source = new TcpSender({ host: '127.0.0.1', port: portProxySM, siteid: 1, role: 'capture', backoffMinMs: 20, backoffMaxMs: 500 });
    await source.open();
    const kills = [25_000, 60_000];
    for (let i = 1; i <= N; i++) {
      await source.send(testFrame(1, i));
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      if (kills.length && sinkA.seqs.length >= kills[0]!) {
        kills.shift();
        await m.kill('SIGKILL');
        m = new SynctlProcess(middleArgs);
        procs.push(m);
      }
    }
    // if the sink lagged behind the source, make sure both kills still happen mid-stream
    while (kills.length) {
      await waitFor('sink A to progress', () => sinkA.seqs.length >= kills[0]!, 120_000, diag);
      kills.shift();
      await m.kill('SIGKILL');
      m = new SynctlProcess(middleArgs);
      procs.push(m);
    }
    await source.drain();
    await waitFor('both sinks to receive every frame', () => sinkA.seqs.length >= N && sinkB.seqs.length >= N, 300_000, diag);
    await new Promise((r) => setTimeout(r, 500)); // anything extra (a duplicate) would arrive now
    expect(proxyAM.cuts + proxySM.cuts).toBeGreaterThan(2);
    expect(sinkA.check()).toBeUndefined();
    expect(sinkB.check()).toBeUndefined();
  } finally {
    await source?.close();
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await Promise.all(proxies.map((p) => p.stop()));
    setLogSink(restore);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 600_000);
