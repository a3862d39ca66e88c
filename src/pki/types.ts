import type { Logger } from '../core/logger.js';
import type { DnsProvider } from '../dns/types.js';

/**
 * The certificate family. The node's private key is made on the node and never leaves it:
 * issuers only ever see a CSR. Every issuer implements Issuer and passes the shared contract suite
 * in test/contract/issuer-contract.ts.
 */

/** What a certificate is for; maps to extended key usages (serverAuth, clientAuth). */
export type CertificateUsage = 'server' | 'client';

export interface CertificateRequest {
  /** Logical name: "node" for the node certificate, or an extra certificate's name (etcd-peer, …). */
  name: string;
  /** PEM PKCS#10 request signed with the node's key. */
  csrPem: string;
  /** The subject alternative names the CSR asks for (issuers must issue exactly these). */
  sans: { dns: readonly string[]; ips: readonly string[] };
  usages: readonly CertificateUsage[];
  /** Requested lifetime; an issuer may cap it (ACME CAs choose their own). */
  lifetimeHours?: number;
}

export interface IssuedCertificate {
  /** PEM of the leaf certificate. */
  certificatePem: string;
  /** PEM of the intermediates, leaf's issuer first (may be empty). */
  chainPem: readonly string[];
  /** PEM of the trust anchor (root) that the chain verifies against, for ca.pem and the trust store. */
  caPem: string;
}

export interface Issuer {
  readonly type: string;
  issue(request: CertificateRequest, signal?: AbortSignal): Promise<IssuedCertificate>;
}

/** What every issuer factory gets besides its own config section (see registry.ts). */
export interface IssuerContext {
  /** The config's root: prefixes every path an issuer writes (an ACME account key). */
  root: string;
  logger: Logger;
  /** Where defaults such as VAULT_ADDR and VAULT_TOKEN come from: process.env, or a test's own. */
  env: Readonly<Record<string, string | undefined>>;
  /** The `dns` section's provider, for ACME dns-01; a function so it is only made when an issuer needs it. */
  dns?: () => Promise<{ provider: DnsProvider; zone: string; ownerId?: string }>;
}
