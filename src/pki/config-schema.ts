import * as z from 'zod';
import { absolutePath, duration, fileMode, owner } from '../config/common.js';
import { acmeIssuerSchema } from './issuers/acme/schema.js';
import { localCaIssuerSchema } from './issuers/local-ca/schema.js';
import { vaultIssuerSchema } from './issuers/vault/schema.js';
import { KEY_TYPES } from './key-types.js';
import { isValidSan } from './sans.js';

/** Each issuer exports its own schema; the `pki.issuer` union is assembled from them. */
export const issuerSchema = z.discriminatedUnion('type', [localCaIssuerSchema, acmeIssuerSchema, vaultIssuerSchema]);

const san = z.string().refine(isValidSan, { message: 'must be a DNS name (wildcards as *.name) or an IP address' });

const usage = z.enum(['server', 'client']);

// Plain names only: they become file names, and "node", "ca" and "*-key" would collide with node.pem, ca.pem and the key files.
const extraName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: 'use lower-case letters, digits, . _ and -' })
  .refine((name) => name !== 'node' && name !== 'ca' && !name.endsWith('-key'), { message: 'node, ca and names ending in -key are taken by muster\'s own files' });

export const extraCertificateSchema = z.strictObject({
  name: extraName.describe('Names the files: <name>.pem (certificate, then chain) and <name>-key.pem.'),
  sans: z.array(san).default([]).describe('DNS names and IP addresses of this certificate.'),
  node_sans: z
    .boolean()
    .default(true)
    .describe('Also include the node certificate\'s SANs (FQDN, hostname, node IPs, pki.extra_sans): one config serves every node.'),
  common_name: z
    .string()
    .max(64)
    .optional()
    .describe('Subject CN, e.g. the user name of an etcd client certificate (etcd --client-cert-auth); \'\' for none (etcd grpc-proxy refuses a client certificate with a CN). Default: the node\'s FQDN, else its hostname.'),
  usages: z.array(usage).min(1).default(['server', 'client']).describe('Extended key usages: server (serverAuth), client (clientAuth).'),
  mode: fileMode.prefault('0600').describe('Mode of the key file (the certificate is 0644).'),
  owner: owner.optional().describe('Owner of both files, e.g. etcd or etcd:etcd, looked up under root; applied when muster runs as root.'),
});

export const pkiConfigSchema = z
  .strictObject({
    issuer: issuerSchema.describe('Who signs the node\'s CSR: local-ca (a CA key in a file), acme (an ACME CA) or vault (Vault PKI sign/<role>).'),
    key: z
      .strictObject({ type: z.enum(KEY_TYPES).default('ec-p256').describe('Type of the keys muster makes on the node.') })
      .prefault({})
      .describe('Private keys, made on the node and never sent anywhere.'),
    extra_sans: z.array(san).default([]).describe('Names and addresses added to the node certificate (besides FQDN, hostname and node IPs), e.g. a load balancer name.'),
    certificates_path: absolutePath
      .default('/etc/ssl/node_certs')
      .describe('Directory (under root) of node.pem (certificate, then chain), node-key.pem (0600), ca.pem and the extra certificates.'),
    ca_path: absolutePath
      .nullable()
      .default('/etc/ssl/certs')
      .describe('NodeReg\'s ca_path: the CA is also written here (under root) as <common name>.pem. null: not written.'),
    trust: z.boolean().default(true).describe('Install the CA in the system trust store (Debian/Ubuntu, RHEL/Fedora, Flatcar/CoreOS, detected from os-release).'),
    lifetime: duration.prefault('2160h').describe('Lifetime asked for (local-ca, vault; ACME CAs choose their own).'),
    renew_before: duration
      .nullable()
      .default(null)
      .describe('Renew this long before a certificate ends. null: at 2/3 of its lifetime. Either way a per-node jitter spreads renewals.'),
    reload: z
      .array(z.string().min(1))
      .default([])
      .describe('Shell commands run once after `muster certs renew` renewed anything, e.g. systemctl try-reload-or-restart etcd.'),
    extra: z.array(extraCertificateSchema).default([]).describe('More certificates for this node, each with its own key, SANs, usages, mode and owner.'),
    timeout: duration.prefault('2m').describe('Keep retrying an issuer that is unavailable this long, then fail.'),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.extra.forEach((extra, index) => {
      if (seen.has(extra.name)) ctx.addIssue({ code: 'custom', path: ['extra', index, 'name'], message: `${extra.name} is listed twice` });
      seen.add(extra.name);
    });
  });

export type PkiConfig = z.infer<typeof pkiConfigSchema>;
export type IssuerConfig = z.infer<typeof issuerSchema>;
export type ExtraCertificateConfig = z.infer<typeof extraCertificateSchema>;
