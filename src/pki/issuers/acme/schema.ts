import * as z from 'zod';
import { absolutePath, duration, ipAddress, port } from '../../../config/common.js';

/**
 * Config of the acme issuer. Only zod here: the config schema imports it, and acme-client (with
 * axios and node-forge) must load only when an acme issuer is configured.
 */
const http01Schema = z.strictObject({
  type: z.literal('http-01'),
  port: port
    .default(80)
    .describe(
      'Port muster serves /.well-known/acme-challenge/ on while an order is pending. The CA always connects to port 80: use another port only when port 80 is forwarded to it.',
    ),
  address: ipAddress.default('0.0.0.0').describe('Address the challenge server listens on; :: also takes IPv6 (needed for IPv6 identifiers).'),
});

const dns01Schema = z.strictObject({
  type: z.literal('dns-01'),
  propagation_timeout: duration
    .prefault('2m')
    .describe(
      'After publishing _acme-challenge TXT records through the dns provider, wait this long at most for the provider to list them before telling the CA. For route53, also set dns.provider.wait_for_sync so a listed record is on every name server.',
    ),
});

export const acmeIssuerSchema = z.strictObject({
  type: z.literal('acme'),
  directory: z
    .url({ protocol: /^https$/, message: 'must be the https URL of an ACME directory, such as https://acme-v02.api.letsencrypt.org/directory' })
    .describe('ACME directory URL (RFC 8555): Let\'s Encrypt, ZeroSSL, step-ca, Pebble, …'),
  email: z.email().optional().describe('Contact address registered with the account (expiry and policy mail).'),
  ca_bundle: absolutePath
    .optional()
    .describe(
      'PEM file of the CA(s) to trust for the directory\'s TLS certificate instead of the system store, for a private CA (step-ca, Pebble). Used only for this directory.',
    ),
  root_ca_file: absolutePath
    .optional()
    .describe(
      'PEM file holding the root the issued chain leads to (ACME servers send the leaf and intermediates only); written as ca.pem and to the trust store. Default: the ca_bundle certificate that issued the chain, a self-signed top of the chain, or the public root (Mozilla\'s list, as Node ships it: Let\'s Encrypt\'s ISRG roots). Set it for a private CA whose TLS and issuing roots differ (Pebble).',
    ),
  eab: z
    .strictObject({
      kid: z.string().min(1).describe('Key identifier the CA gave for external account binding.'),
      hmac_key_file: absolutePath.describe('File holding the base64url HMAC key the CA gave. Never logged.'),
    })
    .optional()
    .describe('External account binding (RFC 8555 §7.3.4), for CAs that require one (ZeroSSL, Google, some step-ca setups).'),
  challenge: z
    .discriminatedUnion('type', [http01Schema, dns01Schema])
    .prefault({ type: 'http-01' })
    .describe('How muster proves control of the names: http-01 (a short-lived web server; works for IP addresses) or dns-01 (TXT records through the configured dns provider; DNS names only).'),
  account_key_file: absolutePath
    .default('/etc/muster/acme-account-key.pem')
    .describe('The ACME account key, under root, mode 0600: created on first use and reused, so every issue uses one account.'),
  timeout: duration.prefault('5m').describe('Give up on one certificate after this long (order, challenges, finalize, download).'),
});

export type AcmeIssuerConfig = z.infer<typeof acmeIssuerSchema>;
export type AcmeChallengeConfig = AcmeIssuerConfig['challenge'];
