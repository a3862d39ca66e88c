import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import { MusterError } from '../../../core/errors.js';
import { certificateMatchesKey, parseCertificatePem, splitPemCertificates } from '../../certificate-info.js';
import { parseCsrPem } from '../../csr.js';
import { parsePrivateKeyPem } from '../../keys.js';
import { formatSans, sameSans } from '../../sans.js';
import type { CertificateRequest, IssuedCertificate, Issuer } from '../../types.js';
import type { LocalCaIssuerConfig } from './schema.js';
import { signLeaf } from './sign.js';

const DEFAULT_LIFETIME_HOURS = 2160;

/**
 * Signs CSRs with a CA certificate and key read from files (made by `muster ca init`, or an
 * intermediate of the user's own PKI). The CA file may carry the CA's chain after it; its last
 * certificate is the trust anchor. Leaves never outlive the CA.
 */
export async function createLocalCaIssuer(config: LocalCaIssuerConfig, options: { now?: () => number } = {}): Promise<Issuer> {
  const now = options.now ?? Date.now;
  const bundle = splitPemCertificates(await readConfigFile(config.ca_cert_file, 'ca_cert_file', 'CA certificate'));
  const [caPem] = bundle;
  if (caPem === undefined) throw configError(`${config.ca_cert_file} holds no PEM certificate`, 'ca_cert_file');
  let key;
  try {
    key = parsePrivateKeyPem(await readConfigFile(config.ca_key_file, 'ca_key_file', 'CA key'));
  } catch (error) {
    if (error instanceof MusterError) throw error;
    throw configError(`${config.ca_key_file}: ${(error as Error).message}`, 'ca_key_file');
  }
  const info = parseCertificatePem(caPem);
  if (!info.isCa) throw configError(`${config.ca_cert_file} is not a CA certificate (no basicConstraints CA:TRUE)`, 'ca_cert_file');
  if (!certificateMatchesKey(caPem, key)) throw configError(`${config.ca_key_file} is not the key of the CA in ${config.ca_cert_file}`, 'ca_key_file');
  const ca = { certificate: new x509.X509Certificate(caPem), key };
  const anchor = bundle.at(-1) ?? caPem;
  // The chain a server sends: the signing CA and its intermediates, not the root.
  const chainPem = bundle.length > 1 ? bundle.slice(0, -1) : [];

  return {
    type: 'local-ca',
    async issue(request: CertificateRequest): Promise<IssuedCertificate> {
      if (now() >= info.notAfter) {
        throw new MusterError(`local-ca issuer: the CA in ${config.ca_cert_file} expired ${new Date(info.notAfter).toISOString()}`, {
          code: 'PKI_CA_EXPIRED',
          kind: 'config',
          hint: 'make a new CA (muster ca init --dir …) and point pki.issuer.ca_cert_file and ca_key_file at it',
        });
      }
      const csr = await parseCsrPem(request.csrPem);
      if (!csr.signatureValid) throw requestError(request, 'the CSR signature does not verify');
      if (csr.otherSans.length > 0) throw requestError(request, `the CSR asks for SANs other than DNS names and IPs: ${csr.otherSans.join(', ')}`);
      if (!sameSans(csr.sans, request.sans)) {
        throw requestError(request, `the CSR asks for ${formatSans(csr.sans).join(', ')}, the request for ${formatSans({ dns: [...request.sans.dns], ips: [...request.sans.ips] }).join(', ')}`);
      }
      const lifetimeMs = (request.lifetimeHours ?? DEFAULT_LIFETIME_HOURS) * 3_600_000;
      const leaf = await signLeaf({
        ca,
        publicKey: csr.publicKey,
        sans: csr.sans,
        usages: request.usages,
        commonName: csr.commonName,
        notAfter: new Date(Math.min(now() + lifetimeMs, info.notAfter)),
        now: now(),
      });
      return { certificatePem: `${leaf.toString('pem')}\n`, chainPem, caPem: anchor };
    },
  };
}

async function readConfigFile(path: string, key: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, key, error);
  }
}

function configError(problem: string, key: string, cause?: unknown): MusterError {
  return new MusterError(`local-ca issuer: ${problem}`, {
    code: 'PKI_LOCAL_CA_INVALID',
    kind: 'config',
    hint: `check pki.issuer.${key}; \`muster ca init --dir DIR\` makes a CA certificate and key`,
    cause,
  });
}

function requestError(request: CertificateRequest, problem: string): MusterError {
  return new MusterError(`local-ca issuer: refused ${request.name}: ${problem}`, { code: 'PKI_BAD_REQUEST', kind: 'internal' });
}
