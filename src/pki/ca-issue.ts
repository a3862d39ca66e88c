import { join } from 'node:path';
import { pathExists } from '../core/path-exists.js';
import { MusterError } from '../core/errors.js';
import { createCsrPem } from './csr.js';
import { certificateFiles, writeCertificateFile, writeKeyFile } from './files.js';
import { createLocalCaIssuer } from './issuers/local-ca/index.js';
import { generatePrivateKeyPem, parsePrivateKeyPem, type KeyType } from './keys.js';
import { sanSet } from './sans.js';
import type { CertificateUsage } from './types.js';

export interface CaIssueOptions {
  /** A directory made by `muster ca init` (ca.pem, ca-key.pem). */
  caDir: string;
  /** Names the files <out>/<name>.pem and <name>-key.pem; also the CN unless commonName is given. */
  name: string;
  outDir: string;
  commonName?: string;
  sans?: readonly string[];
  usages?: readonly CertificateUsage[];
  days?: number;
  keyType?: KeyType;
}

export interface CaIssueResult {
  certificatePath: string;
  keyPath: string;
  caPath: string;
}

/**
 * `muster ca issue`: a certificate from a `muster ca init` CA for something that is not a node,
 * such as an operator's etcdctl when etcd requires client certificates. The key is made here and
 * written 0600; existing files are never replaced (a second identity would be issued silently).
 */
export async function issueFromCa(options: CaIssueOptions): Promise<CaIssueResult> {
  const { certificate: certificatePath, key: keyPath } = certificateFiles(options.outDir, options.name);
  for (const path of [certificatePath, keyPath]) {
    if (await pathExists(path)) {
      throw new MusterError(`${path} exists: refusing to replace it`, {
        code: 'PKI_FILE_EXISTS',
        kind: 'unsafe',
        hint: 'choose another --name or --out, or move the old files away first',
      });
    }
  }
  const caPath = join(options.caDir, 'ca.pem');
  const issuer = await createLocalCaIssuer({ type: 'local-ca', ca_cert_file: caPath, ca_key_file: join(options.caDir, 'ca-key.pem') });
  const keyPem = await generatePrivateKeyPem(options.keyType ?? 'ec-p256');
  const sans = sanSet({ mixed: options.sans ?? [] });
  const csrPem = await createCsrPem(parsePrivateKeyPem(keyPem), sans, options.commonName ?? options.name);
  const issued = await issuer.issue({
    name: options.name,
    csrPem,
    sans,
    usages: options.usages ?? ['client'],
    lifetimeHours: (options.days ?? 365) * 24,
  });
  await writeKeyFile(keyPath, keyPem);
  await writeCertificateFile(certificatePath, issued.certificatePem, issued.chainPem);
  return { certificatePath, keyPath, caPath };
}
