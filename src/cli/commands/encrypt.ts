/**
 * `synctl encrypt <password>`: print the db_pwd ciphertext for base/pwd_encipher=1.
 * The first run creates the key file (mode 0600); loading a config never does.
 */
import { readOrCreateKey, encryptPassword, resolveKeyFile } from '../../config/secrets';
import { registerSecret } from '../../log';

export interface EncryptOptions {
  readonly password: string;
  readonly keyFile?: string;
}

export async function encrypt(opts: EncryptOptions): Promise<number> {
  registerSecret(opts.password);
  const file = resolveKeyFile(opts.keyFile);
  const { key, created } = readOrCreateKey(file);
  if (created) {
    process.stderr.write(`synctl: created key file ${file} (mode 0600); every host that loads this config needs a copy of it\n`);
  }
  process.stdout.write(encryptPassword(opts.password, key) + '\n');
  return 0;
}
