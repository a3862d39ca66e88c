import * as z from 'zod';
import { absolutePath, duration } from '../../../config/common.js';

/**
 * The role goes into the URL that muster sends the token to: a `/`, a `..` (which URLs resolve,
 * also when written %2e%2e), a backslash (http URLs read it as `/`), `?` or `#` would send the
 * token to another path than <mount>/sign/<role>.
 */
function isOneSegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..' && !/[/\\?#%\s]/.test(segment);
}

/**
 * Config of the vault issuer: Vault's PKI secrets engine signs the node's CSR (sign/<role>; never
 * issue/<role>, which would make the key in Vault and send it over the wire). Address, token,
 * CA bundle and namespace default to Vault's own environment variables, read when muster runs.
 */
export const vaultIssuerSchema = z.strictObject({
  type: z.literal('vault'),
  address: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://vault.example.com:8200' })
    .optional()
    .describe('Vault\'s address. Default: the VAULT_ADDR environment variable.'),
  role: z
    .string()
    .refine(isOneSegment, { message: 'the role\'s name alone, such as node: one path segment (not empty, no / \\ ? # % or spaces, not . or ..)' })
    .describe('The PKI role that signs: muster calls <mount>/sign/<role>, so the role\'s name alone (one path segment). Its policy must allow the node\'s names and IPs.'),
  mount: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, { message: 'a mount path such as pki or pki_int, without leading or trailing /' })
    .refine((mount) => !mount.split('/').some((segment) => segment === '.' || segment === '..'), { message: 'a mount path such as pki or pki_int, without . or .. segments' })
    .default('pki')
    .describe('Path of the PKI secrets engine.'),
  token_file: absolutePath
    .optional()
    .describe('File holding the Vault token (e.g. written by Vault Agent). Default: the VAULT_TOKEN environment variable. Never logged.'),
  ca_cert_file: absolutePath.optional().describe('PEM CA bundle to trust for Vault\'s TLS certificate. Default: VAULT_CACERT, else the system store.'),
  namespace: z.string().min(1).optional().describe('Vault Enterprise namespace (sent as X-Vault-Namespace). Default: VAULT_NAMESPACE.'),
  timeout: duration.prefault('30s').describe('Deadline of one request to Vault.'),
});

export type VaultIssuerConfig = z.infer<typeof vaultIssuerSchema>;
