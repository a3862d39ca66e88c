import { readFile } from 'node:fs/promises';
import { certificateMatchesKey, parseCertificatePem, splitPemCertificates } from './certificate-info.js';
import { caFile, certificateFiles } from './files.js';
import { readPrivateKeyFile, type KeyFile } from './keys.js';
import type { CertificateSpec, Observed, ObservedCertificate } from './plan.js';
import { pathExists } from '../core/path-exists.js';

export interface OnDisk {
  /** Per certificate name: what the plan needs. */
  observed: Map<string, Observed>;
  /** Per certificate name: the key as read, so a kept key is used without reading it again. */
  keys: Map<string, KeyFile>;
  caPresent: boolean;
}

/** Reads each certificate's key and certificate from certificates_path (already under root). */
export async function observeCertificates(specs: readonly CertificateSpec[], dir: string): Promise<OnDisk> {
  const observed = new Map<string, Observed>();
  const keys = new Map<string, KeyFile>();
  for (const spec of specs) {
    const paths = certificateFiles(dir, spec.name);
    const key = await readPrivateKeyFile(paths.key);
    keys.set(spec.name, key);
    observed.set(spec.name, {
      key: key.state === 'present' ? { state: 'present', type: key.type } : key,
      certificate: await readCertificate(paths.certificate, key),
    });
  }
  return { observed, keys, caPresent: await pathExists(caFile(dir)) };
}

async function readCertificate(path: string, key: KeyFile): Promise<ObservedCertificate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'missing' } : { state: 'unreadable', problem: `cannot read it: ${code ?? 'error'}` };
  }
  const [leaf] = splitPemCertificates(text);
  if (leaf === undefined) return { state: 'unreadable', problem: 'no PEM certificate in it' };
  try {
    return { state: 'present', info: parseCertificatePem(leaf), matchesKey: key.state === 'present' && certificateMatchesKey(leaf, key.key) };
  } catch (error) {
    return { state: 'unreadable', problem: (error as Error).message };
  }
}

