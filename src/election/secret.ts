import { readFile, stat } from 'node:fs/promises';
import { MusterError } from '../core/errors.js';

const MIN_BYTES = 16;

/**
 * The group's shared secret (muster elect and the mdns platform): the file's content without
 * surrounding whitespace, at least 16 bytes. A file others can read is used, with a warning.
 */
export async function readGroupSecret(path: string, warn: (message: string) => void): Promise<Buffer> {
  let secret: Buffer;
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    secret = Buffer.from(text.trim());
    if ((info.mode & 0o077) !== 0) warn(`${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
  } catch (error) {
    throw new MusterError(`cannot read the group secret ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      code: 'ELECT_SECRET',
      kind: 'config',
      hint: 'deliver it with user-data (a cluster model secret with embed: true); make one with: head -c 32 /dev/urandom | base64 > FILE',
      cause: error,
    });
  }
  if (secret.length < MIN_BYTES) throw new MusterError(`the group secret in ${path} is ${secret.length} bytes: at least ${MIN_BYTES} are needed`, { code: 'ELECT_SECRET', kind: 'config', hint: 'head -c 32 /dev/urandom | base64 > FILE' });
  return secret;
}
