import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import { underRoot } from '../core/root-path.js';

/**
 * The files of the pki step, under certificates_path: <name>.pem (leaf, then the chain: what
 * servers such as etcd send to clients), <name>-key.pem, and one ca.pem. Keys are created with
 * their final mode (0600 unless configured), so they are never readable by others, not even
 * for the moment between creating and chmod.
 */
export function certificateFiles(dir: string, name: string): { certificate: string; key: string } {
  return { certificate: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
}

export function caFile(dir: string): string {
  return join(dir, 'ca.pem');
}

export const CERTIFICATE_MODE = 0o644;
export const KEY_MODE = 0o600;

/** Returns whether the file changed (content or mode). */
export function writeKeyFile(path: string, pem: string, mode = KEY_MODE): Promise<boolean> {
  return writeFileAtomic(path, pem, { mode });
}

export function writeCertificateFile(path: string, leafPem: string, chainPem: readonly string[]): Promise<boolean> {
  return writeFileAtomic(path, [leafPem, ...chainPem].map(withNewline).join(''), { mode: CERTIFICATE_MODE });
}

export function writeCaFile(path: string, caPem: string): Promise<boolean> {
  return writeFileAtomic(path, withNewline(caPem), { mode: CERTIFICATE_MODE });
}

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** Puts a kept file back to its mode (someone may have made a key readable); returns whether it changed. */
export async function ensureMode(path: string, mode: number): Promise<boolean> {
  if (((await stat(path)).mode & 0o7777) === mode) return false;
  await chmod(path, mode);
  return true;
}

export interface Ownership {
  uid: number;
  gid: number;
}

/**
 * "user", "user:group" or numeric ids, looked up in the passwd and group files under root: the
 * node's users, not those of a container muster may run in.
 */
export async function resolveOwner(root: string, owner: string): Promise<Ownership> {
  const [user = '', group] = owner.split(':');
  const passwd = /^\d+$/.test(user) && (group === undefined || /^\d+$/.test(group)) ? [] : await readDatabase(root, '/etc/passwd');
  const userEntry = /^\d+$/.test(user) ? undefined : passwd.find((fields) => fields[0] === user);
  if (!/^\d+$/.test(user) && !userEntry) throw ownerError(owner, `no user ${user} in ${underRoot(root, '/etc/passwd')}`);
  const uid = userEntry ? Number(userEntry[2]) : Number(user);
  if (group === undefined || group === '') {
    const primary = userEntry ? Number(userEntry[3]) : Number.NaN;
    if (Number.isNaN(primary)) throw ownerError(owner, `a numeric user needs a group too (uid:gid)`);
    return { uid, gid: primary };
  }
  if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
  const groupEntry = (await readDatabase(root, '/etc/group')).find((fields) => fields[0] === group);
  if (!groupEntry) throw ownerError(owner, `no group ${group} in ${underRoot(root, '/etc/group')}`);
  return { uid, gid: Number(groupEntry[2]) };
}

async function readDatabase(root: string, path: string): Promise<string[][]> {
  try {
    return (await readFile(underRoot(root, path), 'utf8')).split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).map((line) => line.split(':'));
  } catch {
    return [];
  }
}

function ownerError(owner: string, problem: string): MusterError {
  return new MusterError(`pki: owner ${owner}: ${problem}`, {
    code: 'PKI_OWNER_UNKNOWN',
    kind: 'config',
    hint: 'set pki.extra[].owner to a user (and optional :group) that exists on the node, or to numeric uid:gid',
  });
}

/**
 * Gives `path` to `owner` when muster runs as root; returns what it did or why it did not, or
 * undefined when the file already has that owner.
 */
export async function applyOwner(path: string, ownership: Ownership, owner: string): Promise<string | undefined> {
  const info = await stat(path);
  if (info.uid === ownership.uid && info.gid === ownership.gid) return undefined;
  if (process.getuid?.() !== 0) return `owner ${owner} of ${path} not set: muster is not running as root`;
  await chown(path, ownership.uid, ownership.gid);
  return `owner of ${path} set to ${owner}`;
}
