import { usageError } from '../errors';
import type { RecvSource, SendTarget } from '../config/types';

/**
 * Command-line link specs, the short form of a config's send/recv:
 *   '-'                  stdio (stdin for --from, stdout for --to)
 *   dir:/path            file drop
 *   tcp:host:port        connect (for --to)
 *   tcp:port | tcp:ip:port   listen (for --from)
 */
export function parseSendSpec(spec: string): SendTarget {
  if (spec === '-') return { kind: 'stdio' };
  if (spec.startsWith('dir:') && spec.length > 4) return { kind: 'dir', path: spec.slice(4), fileSizeMb: 64, fileTimeSec: 5 };
  const m = /^tcp:(.+):(\d+)$/.exec(spec);
  if (m) return { kind: 'tcp', ip: m[1]!.replace(/^\[|\]$/g, ''), dataPort: port(m[2]!, spec), mgrPort: 5345 };
  throw usageError(`--to ${spec}: expected '-', dir:<path> or tcp:<host>:<port>`);
}

export function parseRecvSpec(spec: string): RecvSource {
  if (spec === '-') return { kind: 'stdio' };
  if (spec.startsWith('dir:') && spec.length > 4) return { kind: 'dir', path: spec.slice(4), archivePath: '', pollSec: 1 };
  const m = /^tcp:(?:(.+):)?(\d+)$/.exec(spec);
  if (m) return { kind: 'tcp', ip: m[1] ?? '0.0.0.0', dataPort: port(m[2]!, spec), mgrPort: 5345 };
  throw usageError(`--from ${spec}: expected '-', dir:<path> or tcp:[<ip>:]<port>`);
}

function port(text: string, spec: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw usageError(`${spec}: port ${text} is outside 1..65535`);
  return n;
}
