/**
 * The one errors module. Every error synctl raises on purpose is a SynctlError with a
 * stable `code`; callers match on `code`, never on the class or the message text.
 * Only the CLI entry point (src/cli/main.ts) turns these into exit codes.
 */

export type ErrorCode =
  | 'CONFIG_INVALID' // a dmhs.hs element broke a rule
  | 'CONFIG_READ' // the file could not be read or parsed as XML
  | 'USAGE' // bad command-line arguments
  | 'CRYPTO' // password encryption/decryption failed (wrong key, bad ciphertext)
  | 'FRAME_CORRUPT' // a frame failed its CRC or structure checks
  | 'FRAME_TRUNCATED' // input ended inside a frame
  | 'WIRE_DECODE' // a payload could not be decoded
  | 'PROTOCOL' // the peer broke the link protocol (unexpected frame, refused HELLO, ...)
  | 'SITE_CONFLICT' // a second connection claimed a siteid that is already connected
  | 'SEQUENCE_GAP' // a frame arrived (or a segment is missing) past the next expected sequence
  | 'SEGMENT_CORRUPT' // a dir segment failed its manifest checks
  | 'STATE' // a persisted progress/state file is unreadable or inconsistent
  | 'NET' // connection-level failure that retries could not cure
  | 'HARNESS' // the test harness could not start a server
  | 'APPLY_VALUE' // a value cannot be stored in its target column (type mapping)
  | 'APPLY_SCHEMA' // the target table or a column exec needs is missing
  | 'APPLY_FAILED' // the target rejected a statement and exec_policy says stop
  | 'DB' // a database connection or query failed
  | 'INTERNAL';

export class SynctlError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts (path, offset, peer, seq...) for --json output and tests. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SynctlError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isSynctlError(e: unknown, code?: ErrorCode): e is SynctlError {
  return e instanceof SynctlError && (code === undefined || e.code === code);
}

/** Config rule failure: message is always `<element path>: <rule>`. */
export function configError(path: string, rule: string): SynctlError {
  return new SynctlError('CONFIG_INVALID', `${path}: ${rule}`, { path, rule });
}

export function usageError(message: string): SynctlError {
  return new SynctlError('USAGE', message);
}
