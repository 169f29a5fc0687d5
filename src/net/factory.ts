import * as path from 'node:path';
import type { RecvConfig, SendConfig } from '../config/types';
import { DirReceiver } from './dir-receiver';
import { DirSender } from './dir-sender';
import type { InboundLink, OutboundLink, ResumeMap } from './link';
import { StreamReceiver, StreamSender } from './stdio';
import { TcpReceiver } from './tcp-receiver';
import { TcpSender } from './tcp-sender';

/** The one place that turns a config's send/recv into a transport. */

export interface OutboundContext {
  /** this module's siteid (HELLO) */
  readonly siteid: number;
  /** role name for the peer's logs */
  readonly role: string;
  /** directory for this link's own state (dir sender progress) */
  readonly stateDir: string;
  readonly heartbeatMs?: number;
}

export function createOutbound(send: Pick<SendConfig, 'target' | 'gateway' | 'tls'>, ctx: OutboundContext): OutboundLink {
  const t = send.target;
  switch (t.kind) {
    case 'tcp':
      return new TcpSender({
        host: t.ip,
        port: t.dataPort,
        siteid: ctx.siteid,
        role: ctx.role,
        gateway: send.gateway,
        ...(send.tls ? { tls: send.tls } : {}),
        ...(ctx.heartbeatMs ? { heartbeatMs: ctx.heartbeatMs } : {}),
      });
    case 'dir':
      return new DirSender({ path: t.path, fileSizeMb: t.fileSizeMb, fileTimeSec: t.fileTimeSec, stateDir: ctx.stateDir });
    case 'stdio':
      return new StreamSender(process.stdout);
  }
}

export interface InboundContext {
  readonly siteid: number;
  readonly resume: () => ResumeMap;
  readonly heartbeatMs?: number;
}

/** An inbound link, started (a TCP receiver is listening when this resolves). */
export async function createInbound(recv: Pick<RecvConfig, 'source' | 'gateway' | 'tls'>, ctx: InboundContext): Promise<InboundLink> {
  const s = recv.source;
  switch (s.kind) {
    case 'tcp': {
      const r = new TcpReceiver({
        host: s.ip,
        port: s.dataPort,
        siteid: ctx.siteid,
        resume: ctx.resume,
        gateway: recv.gateway,
        ...(recv.tls ? { tls: recv.tls } : {}),
        ...(ctx.heartbeatMs ? { heartbeatMs: ctx.heartbeatMs } : {}),
      });
      await r.start();
      return r;
    }
    case 'dir':
      return new DirReceiver({
        path: s.path,
        archivePath: s.archivePath,
        pollSec: s.pollSec,
        resume: ctx.resume,
        siteid: ctx.siteid,
      });
    case 'stdio':
      return new StreamReceiver(process.stdin, { siteid: ctx.siteid, resume: ctx.resume });
  }
}

export function hopStateDir(stateDir: string, index: number): string {
  return path.join(stateDir, `hop-${index}`);
}
