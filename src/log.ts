/**
 * Logging. Everything goes to stderr so that stdout stays free for frames (stdio links)
 * and for machine-readable command output. Secrets are scrubbed before anything is written.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(scope: string): Logger;
}

let threshold: number = ORDER[(process.env.SYNCTL_LOG as LogLevel | undefined) ?? 'info'] ?? ORDER.info;
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');
const secrets = new Set<string>();

export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

/** Redirect log lines (tests). Returns the previous sink. */
export function setLogSink(fn: (line: string) => void): (line: string) => void {
  const prev = sink;
  sink = fn;
  return prev;
}

/** Register a value (a password) that must never appear in a log line. */
export function registerSecret(value: string): void {
  // Masking a one- or two-letter "password" would mangle every log line; such values are
  // still never printed by synctl itself (config output shows *** for every password).
  if (value.length >= 3) secrets.add(value);
}

/** Masks registered secrets and password-looking key=value pairs. */
export function redact(text: string): string {
  let out = text.replace(/\b(password|passwd|pwd|db_pwd)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi, '$1$2***');
  out = out.replace(/(\/\/[^:/@\s]+:)[^@/\s]+@/g, '$1***@');
  // longest first, so a secret that contains another is masked whole
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}

function write(level: LogLevel, scope: string, msg: string): void {
  if (ORDER[level] < threshold) return;
  const ts = new Date().toISOString();
  sink(redact(`${ts} ${level.toUpperCase().padEnd(5)} [${scope}] ${msg}`));
}

export function logger(scope: string): Logger {
  return {
    debug: (m) => write('debug', scope, m),
    info: (m) => write('info', scope, m),
    warn: (m) => write('warn', scope, m),
    error: (m) => write('error', scope, m),
    child: (s) => logger(`${scope}/${s}`),
  };
}
