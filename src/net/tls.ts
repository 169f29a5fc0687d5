import * as fs from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions, TlsOptions as NodeTlsOptions } from 'node:tls';
import { SynctlError } from '../errors';
import type { TlsOptions } from '../config/types';

function read(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw new SynctlError('NET', `TLS ${what} file ${path}: ${(e as Error).message}`);
  }
}

/** Options for tls.createServer from a recv's <tls>. */
export function serverTlsOptions(t: TlsOptions): NodeTlsOptions {
  const cert = read(t.cert, 'cert');
  const key = read(t.key, 'key');
  if (!cert || !key) throw new SynctlError('NET', 'TLS on a recv needs both <cert> and <key>');
  const ca = read(t.ca, 'ca');
  return { cert, key, ...(ca ? { ca, requestCert: t.verify, rejectUnauthorized: t.verify } : {}) };
}

/** Options for tls.connect from a send's <tls>. */
export function clientTlsOptions(t: TlsOptions, host: string): ConnectionOptions {
  const ca = read(t.ca, 'ca');
  const cert = read(t.cert, 'cert');
  const key = read(t.key, 'key');
  // SNI takes host names only; an IP address is still checked against the certificate's SAN
  return { ...(isIP(host) ? {} : { servername: host }), rejectUnauthorized: t.verify, ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
}
