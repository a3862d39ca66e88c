import { readFile } from 'node:fs/promises';
import { MusterError } from '../../../core/errors.js';
import { isSelfSigned, splitPemCertificates } from '../../certificate-info.js';
import { parseCsrPem } from '../../csr.js';
import type { CertificateRequest, IssuedCertificate, Issuer, IssuerContext } from '../../types.js';
import { postJson, type VaultResponse } from './client.js';
import { plainHttpTokenWarning } from './plain-http.js';
import type { VaultIssuerConfig } from './schema.js';

/**
 * Vault's PKI secrets engine signs the node's CSR: POST /v1/<mount>/sign/<role>. Never
 * issue/<role>, which makes the key inside Vault and sends it back over the wire. Defaults follow
 * Vault's own CLI: VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, VAULT_NAMESPACE.
 */
export async function createVaultIssuer(config: VaultIssuerConfig, context: Pick<IssuerContext, 'env'> & Partial<Pick<IssuerContext, 'logger'>>): Promise<Issuer> {
  const { env } = context;
  const address = config.address ?? env['VAULT_ADDR'];
  if (!address) throw configError('no Vault address', 'set pki.issuer.address, or VAULT_ADDR in muster\'s environment');
  // Here rather than per request: a run makes one issuer, so the warning comes once per run, and
  // only when a token is configured to travel there.
  const plainHttp = plainHttpTokenWarning(address);
  const tokenConfigured = config.token_file !== undefined || Boolean(env['VAULT_TOKEN']);
  if (plainHttp !== undefined && tokenConfigured) context.logger?.warn({ address: new URL(address).origin }, plainHttp);
  const caFile = config.ca_cert_file ?? env['VAULT_CACERT'];
  const ca = caFile === undefined || caFile === '' ? undefined : await readSetting(caFile, 'the CA bundle', 'pki.issuer.ca_cert_file (or VAULT_CACERT)');
  const namespace = config.namespace ?? env['VAULT_NAMESPACE'];
  const path = `v1/${config.mount}/sign/${config.role}`;

  // Read at every request: Vault Agent rewrites the token file when it renews the token.
  const token = async (): Promise<string> => {
    if (config.token_file) {
      const value = (await readSetting(config.token_file, 'the token file', 'pki.issuer.token_file')).trim();
      if (value === '') throw configError(`the token file ${config.token_file} is empty`, 'write a Vault token into it (Vault Agent\'s auto-auth sink does)');
      return value;
    }
    const value = env['VAULT_TOKEN'];
    if (!value) throw configError('no Vault token', 'set pki.issuer.token_file, or VAULT_TOKEN in muster\'s environment');
    return value;
  };

  return {
    type: 'vault',
    async issue(request: CertificateRequest, signal?: AbortSignal): Promise<IssuedCertificate> {
      const csr = await parseCsrPem(request.csrPem);
      const headers: Record<string, string> = { 'X-Vault-Token': await token(), 'X-Vault-Request': 'true' };
      if (namespace) headers['X-Vault-Namespace'] = namespace;
      const response = await postJson({
        address,
        path,
        headers,
        body: {
          csr: request.csrPem,
          common_name: csr.commonName ?? request.sans.dns[0] ?? request.sans.ips[0] ?? '',
          alt_names: request.sans.dns.join(','),
          ip_sans: request.sans.ips.join(','),
          // The SANs are exactly the ones asked for: Vault must not add the CN (an etcd user name, say) as a DNS name.
          exclude_cn_from_sans: true,
          format: 'pem',
          ...(request.lifetimeHours === undefined ? {} : { ttl: `${request.lifetimeHours}h` }),
        },
        ...(ca === undefined ? {} : { ca }),
        timeoutMs: config.timeout,
        ...(signal === undefined ? {} : { signal }),
      });
      if (response.status !== 200) throw responseError(response, { address, path, config, name: request.name });
      return certificateFrom(response.body, address);
    },
  };
}

interface SignData {
  certificate?: unknown;
  issuing_ca?: unknown;
  ca_chain?: unknown;
}

/** Vault's answer → leaf, intermediates (leaf's issuer first) and the root the chain leads to. */
function certificateFrom(body: unknown, address: string): IssuedCertificate {
  const data = (body as { data?: SignData } | undefined)?.data;
  const leaf = typeof data?.certificate === 'string' ? splitPemCertificates(data.certificate)[0] : undefined;
  const issuing = typeof data?.issuing_ca === 'string' ? splitPemCertificates(data.issuing_ca) : [];
  if (leaf === undefined || issuing.length === 0) {
    throw new MusterError(`vault issuer: the answer of ${address} has no data.certificate and data.issuing_ca`, {
      code: 'PKI_VAULT_BAD_ANSWER',
      kind: 'unavailable',
      hint: 'check that pki.issuer.address points at Vault itself, not a proxy that rewrites answers',
    });
  }
  const listed = Array.isArray(data?.ca_chain) ? data.ca_chain.filter((pem): pem is string => typeof pem === 'string').flatMap(splitPemCertificates) : [];
  const cas = listed.length > 0 ? listed : issuing;
  // The trust anchor: the self-signed root when Vault lists it, else the top of what it sent (cas is never empty).
  const anchor = cas.find(isSelfSigned) ?? cas.at(-1) ?? '';
  return { certificatePem: leaf, chainPem: cas.filter((pem) => pem !== anchor), caPem: anchor };
}

function responseError(response: VaultResponse, at: { address: string; path: string; config: VaultIssuerConfig; name: string }): MusterError {
  const errors = (response.body as { errors?: unknown } | undefined)?.errors;
  const said = Array.isArray(errors) && errors.length > 0 ? `: ${errors.map(String).join('; ')}` : '';
  const where = `${at.address}/${at.path}`;
  const { mount, role } = at.config;
  if (response.status === 403) {
    return new MusterError(`vault issuer: permission denied on ${where}${said}`, {
      code: 'PKI_VAULT_FORBIDDEN',
      kind: 'config',
      hint: `the token needs a policy with capabilities ["update"] on path "${mount}/sign/${role}"${at.config.namespace ? ` in namespace ${at.config.namespace}` : ''}, and must not have expired; check pki.issuer.token_file or VAULT_TOKEN`,
    });
  }
  if (response.status === 404) {
    return new MusterError(`vault issuer: no PKI role ${role} at mount ${mount} (${where} answered 404)${said}`, {
      code: 'PKI_VAULT_NO_ROLE',
      kind: 'config',
      hint: `check pki.issuer.mount and pki.issuer.role: \`vault list ${mount}/roles\` shows the roles`,
    });
  }
  if (response.status === 400) {
    return new MusterError(`vault issuer: Vault refused to sign ${at.name}${said}`, {
      code: 'PKI_VAULT_REFUSED',
      kind: 'config',
      hint: `the role ${mount}/roles/${role} must allow these names and IPs (allowed_domains, allow_subdomains, allow_bare_domains, allow_ip_sans) and this lifetime (max_ttl ≥ pki.lifetime)`,
    });
  }
  const transient = response.status === 429 || response.status >= 500;
  return new MusterError(`vault issuer: ${where} answered HTTP ${response.status}${said}`, {
    code: 'PKI_VAULT_ERROR',
    kind: 'unavailable',
    retryable: transient,
    hint: response.status === 503 ? 'Vault is sealed or in standby without a leader: unseal it' : 'check Vault\'s server log',
  });
}

async function readSetting(path: string, what: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, `check ${key}`);
  }
}

function configError(problem: string, hint: string): MusterError {
  return new MusterError(`vault issuer: ${problem}`, { code: 'PKI_VAULT_CONFIG', kind: 'config', hint });
}
