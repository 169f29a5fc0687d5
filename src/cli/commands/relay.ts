import * as path from 'node:path';
import { loadSiteConfig } from '../../config/load';
import type { RecvConfig, SendConfig } from '../../config/types';
import { usageError } from '../../errors';
import { logger } from '../../log';
import { parseRecvSpec, parseSendSpec } from '../../net/address';
import { Relay, type RelayRole } from '../../relay/relay';
import type { LinkCliOptions } from '../program';

type RecvSpec = Pick<RecvConfig, 'source' | 'gateway' | 'tls'>;
type SendSpec = Pick<SendConfig, 'target' | 'gateway' | 'tls' | 'siteids'>;

/** `synctl transfer` and `synctl route`: run a relay until SIGTERM/SIGINT or the end of stdin. */
export async function relayCommand(role: RelayRole, opts: LinkCliOptions): Promise<number> {
  const log = logger(role);
  let siteid = Number(opts.siteid);
  let recvs: RecvSpec[] = [];
  let sends: SendSpec[] = [];
  let baseDir = process.cwd();
  if (opts.config) {
    const { config, warnings } = loadSiteConfig(opts.config);
    for (const w of warnings) log.warn(`${w.path}: ${w.message}`);
    const relay = config[role];
    if (!relay && !(opts.from && opts.to)) throw usageError(`${opts.config}: has no <${role}> element (dmhs/${role})`);
    siteid = config.base.siteid;
    (relay?.sends ?? []).forEach((send, i) => {
      const filtered = send.filter.disable.length > 0 || send.filter.enable.some((e) => e !== '*.*');
      const mapped = send.map.some((m) => !/^\s*\*\.\*\s*==\s*\*\.\*\s*$/.test(m));
      if (filtered || mapped) {
        log.warn(`dmhs/${role}/send[${i + 1}]: filter/map are not applied by a ${role} yet; frames are forwarded unchanged (filter at the capture)`);
      }
    });
    recvs = [...(relay?.recvs ?? [])];
    sends = [...(relay?.sends ?? [])];
    baseDir = path.dirname(path.resolve(opts.config));
  } else if (!Number.isInteger(siteid) || siteid < 1 || siteid > 30000) {
    throw usageError(`--siteid ${opts.siteid}: must be an integer in 1..30000`);
  }
  if (opts.from) recvs = [{ source: parseRecvSpec(opts.from), gateway: false }];
  if (opts.to) sends = opts.to.map((t) => ({ target: parseSendSpec(t), gateway: false, siteids: [] }));
  if (recvs.length === 0) throw usageError(`${role}: nothing to receive from: give -c <config> with a <${role}><recv>, or --from`);
  if (sends.length === 0) throw usageError(`${role}: nowhere to send: give -c <config> with a <${role}><send>, or --to`);
  if (role === 'transfer' && recvs.length > 1) throw usageError('transfer takes exactly one recv (use route for several)');
  if (recvs.filter((r) => r.source.kind === 'stdio').length > 1) throw usageError('only one recv can read stdin');
  if (sends.filter((s) => s.target.kind === 'stdio').length > 1) throw usageError('only one send can write to stdout');

  const stateDir = path.resolve(baseDir, opts.state ?? path.join('.synctl', `${role}-${siteid}`));
  const relay = new Relay({ role, siteid, stateDir, recvs, sends });
  const onSignal = (sig: string) => {
    log.info(`${sig}: stopping (progress is saved; a restart resumes)`);
    void relay.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await relay.start();
    await relay.wait();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}
