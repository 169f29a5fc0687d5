/**
 * db_pwd encryption (base/pwd_encipher=1): AES-256-GCM, a random 12-byte IV per value,
 * text form 'enc:v1:' + base64(iv | tag | ciphertext). The 32-byte key lives in a key file
 * (base64 text, mode 0600) that only `synctl encrypt` ever creates.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SynctlError } from '../errors';

export const CIPHER_PREFIX = 'enc:v1:';
const IV_LEN = 12;
const TAG_LEN = 16;
const KEY_LEN = 32;

/** --key-file, else $SYNCTL_KEY_FILE, else ~/.synctl/key */
export function resolveKeyFile(keyFile?: string): string {
  if (keyFile !== undefined && keyFile !== '') return keyFile;
  const env = process.env.SYNCTL_KEY_FILE;
  if (env !== undefined && env !== '') return env;
  return join(homedir(), '.synctl', 'key');
}

export function isCiphertext(value: string): boolean {
  return value.startsWith(CIPHER_PREFIX);
}

/**
 * Read the key. `forPath` names the config element that needs it, so the error says why
 * a key was wanted at all.
 */
export function readKey(file: string, forPath?: string): Buffer {
  const needed = forPath === undefined ? '' : ` (needed to decrypt ${forPath})`;
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file; create it with `synctl encrypt` or pass --key-file' : (e as Error).message;
    throw new SynctlError('CRYPTO', `cannot read key file ${file}${needed}: ${why}`, { keyFile: file, path: forPath });
  }
  const key = decodeKey(raw);
  if (key === undefined) {
    throw new SynctlError('CRYPTO', `key file ${file}${needed} does not hold a 32-byte key (base64, hex or raw)`, {
      keyFile: file,
      path: forPath,
    });
  }
  return key;
}

function decodeKey(raw: Buffer): Buffer | undefined {
  if (raw.length === KEY_LEN) return raw;
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, 'base64');
  return undefined;
}

/** True when group or others may read the key file (worth a warning). */
export function keyFileTooOpen(file: string): boolean {
  try {
    return process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** Read the key, creating a fresh random one (mode 0600) if the file does not exist. */
export function readOrCreateKey(file: string): { key: Buffer; created: boolean } {
  const key = randomBytes(KEY_LEN);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    // 'wx' fails if the file exists: two concurrent first runs cannot overwrite each other's key
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { key: readKey(file), created: false };
    throw new SynctlError('CRYPTO', `cannot create key file ${file}: ${(e as Error).message}`, { keyFile: file });
  }
  try {
    writeSync(fd, key.toString('base64') + '\n');
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600); // openSync's mode is filtered by the umask
  return { key, created: true };
}

export function encryptPassword(plain: string, key: Buffer): string {
  const iv = randomBytes(IV_LEN);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return CIPHER_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/**
 * Decrypt one value. Errors name the element path and key file only: never the value,
 * so a wrong key cannot leak anything into logs.
 */
export function decryptPassword(text: string, key: Buffer, path: string, keyFile: string): string {
  const fail = (why: string) =>
    new SynctlError('CRYPTO', `${path}: cannot decrypt the password: ${why}`, { path, keyFile });
  if (!isCiphertext(text)) throw fail(`expected '${CIPHER_PREFIX}...' ciphertext from \`synctl encrypt\``);
  const b64 = text.slice(CIPHER_PREFIX.length);
  const raw = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || raw.length < IV_LEN + TAG_LEN) throw fail('the ciphertext is damaged');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_LEN));
    decipher.setAuthTag(raw.subarray(IV_LEN, IV_LEN + TAG_LEN));
    return Buffer.concat([decipher.update(raw.subarray(IV_LEN + TAG_LEN)), decipher.final()]).toString('utf8');
  } catch {
    throw fail(`wrong key (${keyFile}) or damaged ciphertext`);
  }
}
