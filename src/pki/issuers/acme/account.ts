/**
 * The ACME account key: one per node (one file), made on first use and reused afterwards, so the
 * CA sees one account instead of a new registration per boot (Let's Encrypt limits new accounts
 * per address). Its content is never logged.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Client } from 'acme-client';
import { MusterError, describeError, isMusterError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { acmeCall, type CallContext } from './errors.js';

export interface AccountKey {
  pem: string;
  created: boolean;
}

export async function loadOrCreateAccountKey(path: string, logger: Logger): Promise<AccountKey> {
  const existing = await readKey(path, logger);
  if (existing !== undefined) return { pem: existing, created: false };
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (await createExclusively(path, pem)) {
    logger.info({ path }, 'acme: created a new account key');
    return { pem, created: true };
  }
  // Another muster process created it first: use theirs, so both use the same account.
  const theirs = await readKey(path, logger);
  if (theirs === undefined) throw new Error(`${path} vanished while it was being created`);
  return { pem: theirs, created: false };
}

async function readKey(path: string, logger: Logger): Promise<string | undefined> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MusterError(`cannot read the ACME account key ${path}: ${describeError(error)}`, { code: 'ACME_ACCOUNT_KEY_UNREADABLE', kind: 'config', cause: error });
  }
  try {
    createPrivateKey(pem);
  } catch {
    // The parser's message may quote the file; say only what is wrong.
    throw new MusterError(`the ACME account key ${path} is not a PEM private key`, {
      code: 'ACME_ACCOUNT_KEY_INVALID',
      kind: 'config',
      hint: 'restore the key (a new one means a new ACME account), or delete the file to have muster make one',
    });
  }
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) logger.warn({ path, mode: mode.toString(8) }, 'acme: the account key is readable by others than its owner; chmod 600 it');
  return pem;
}

/**
 * Writes the file only if it does not exist: a complete temp file (0600 from its creation) is
 * hard-linked into place, which fails if the name is taken, so readers never see a half-written
 * key and two processes never overwrite each other's.
 */
async function createExclusively(path: string, content: string): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.chmod(0o600); // the umask may have narrowed it, never widened: keep it exact
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Finds the account of this key, or registers one. Looking up first (onlyReturnExisting) keeps a
 * reboot from sending a registration, which acme-client would turn into an account update that
 * some CAs refuse when nothing changed; the contact is updated only when email changed.
 */
export async function registerAccount(client: Client, call: CallContext, email: string | undefined, logger: Logger): Promise<void> {
  const contact = email === undefined ? undefined : [`mailto:${email}`];
  try {
    const account = await acmeCall(call, 'looking up the account', () => client.createAccount({ onlyReturnExisting: true }));
    if (contact && !contact.every((c) => account.contact?.includes(c))) {
      await acmeCall(call, 'updating the account\'s contact', () => client.updateAccount({ contact }));
    }
    logger.debug({ account: client.getAccountUrl() }, 'acme: using the existing account');
    return;
  } catch (error) {
    if (!isMusterError(error) || error.code !== 'ACME_ACCOUNT_DOES_NOT_EXIST') throw error;
  }
  await acmeCall(call, 'registering the account', () => client.createAccount({ termsOfServiceAgreed: true, ...(contact ? { contact } : {}) }));
  logger.info({ account: client.getAccountUrl() }, 'acme: registered a new account');
}
