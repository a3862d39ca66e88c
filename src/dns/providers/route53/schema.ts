import * as z from 'zod';

/**
 * Config of the route53 DNS provider. Only zod here: the config schema imports it, and the AWS SDK
 * must load only when route53 is the configured provider.
 */
export const route53Schema = z.strictObject({
  type: z.literal('route53'),
  zone_id: z
    .string()
    .regex(/^(\/hostedzone\/)?[A-Z0-9]+$/, { message: 'must be a hosted zone ID such as Z0123456789ABCDEFGHIJ' })
    .optional()
    .describe('Hosted zone ID. Default: the one hosted zone named dns.zone (found with ListHostedZonesByName); required when a public and a private zone share that name.'),
  region: z
    .string()
    .min(1)
    .optional()
    .describe('AWS region to sign requests for. Route 53 is a global service: the default us-east-1 is right except in partitions such as China or GovCloud.'),
  endpoint: z.url({ message: 'must be a URL such as http://127.0.0.1:4566' }).optional().describe('Route 53 API endpoint override, for testing or a private endpoint.'),
  wait_for_sync: z
    .boolean()
    .default(false)
    .describe('After applying, wait (GetChange) until Route 53 reports every change INSYNC on all its name servers.'),
});

export type Route53Config = z.infer<typeof route53Schema>;
