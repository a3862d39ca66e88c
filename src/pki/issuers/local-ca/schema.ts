import * as z from 'zod';
import { absolutePath } from '../../../config/common.js';

/** Config of the local-ca issuer: a CA certificate and key in files on the node (`muster ca init` makes them). */
export const localCaIssuerSchema = z.strictObject({
  type: z.literal('local-ca'),
  ca_cert_file: absolutePath.describe(
    'PEM file of the CA certificate that signs, optionally followed by its chain up to the root (the last certificate is the trust anchor written as ca.pem).',
  ),
  ca_key_file: absolutePath.describe('PEM file of the CA\'s private key (keep it 0600, readable by root only). Never logged.'),
});

export type LocalCaIssuerConfig = z.infer<typeof localCaIssuerSchema>;
