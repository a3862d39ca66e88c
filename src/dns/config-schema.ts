import * as z from 'zod';
import { OWNER_ID_PATTERN } from './ownership.js';
import { corednsEtcdSchema } from './providers/coredns-etcd/schema.js';
import { rfc2136Schema } from './providers/rfc2136/schema.js';
import { route53Schema } from './providers/route53/schema.js';
import { zoneFileSchema } from './providers/zone-file/schema.js';
import { canonicalName, canonicalZone } from './record.js';

/** Each provider exports its own schema; the `dns.provider` union is assembled from them. */
export const dnsProviderSchema = z.discriminatedUnion('type', [route53Schema, rfc2136Schema, corednsEtcdSchema, zoneFileSchema]);

const zoneName = z.string().transform((value, ctx) => {
  try {
    return canonicalZone(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message.replace(/^invalid DNS record /, '') : String(error) });
    return z.NEVER;
  }
});

const relativeLabel = z
  .string()
  .min(1)
  .refine((value) => !value.endsWith('.') && isName(value), { message: 'must be a name relative to the zone, such as etcd or k8s-members' });

function isName(value: string): boolean {
  try {
    canonicalName(value, 'zone.invalid.');
    return true;
  } catch {
    return false;
  }
}

export const dnsRecordsSchema = z.strictObject({
  node: z.boolean().default(true).describe('Publish <hostname>.<zone> with each node\'s address (NodeReg\'s hosted-zone A record).'),
  members: relativeLabel
    .nullable()
    .default(null)
    .describe('Publish one name (relative to the zone) holding the addresses of every member, e.g. etcd → etcd.<zone>. null: none.'),
  etcd_srv: z
    .boolean()
    .default(false)
    .describe('Publish _etcd-server._tcp and _etcd-client._tcp SRV records (…-ssl… with https), for etcd\'s --discovery-srv.'),
});

export const dnsConfigSchema = z.strictObject({
  zone: zoneName.describe('The zone muster manages, e.g. k8s.example.com. (NodeReg\'s hosted_zone.name).'),
  owner_id: z
    .string()
    .regex(OWNER_ID_PATTERN, { message: 'use 1-63 letters, digits and . _ : / - (no commas, "=" or spaces)' })
    .default('muster')
    .describe(
      'Written into the TXT ownership record of every record set muster creates; muster changes and deletes only record sets with its own owner_id. Give each cluster sharing a zone its own.',
    ),
  policy: z
    .enum(['sync', 'upsert-only', 'create-only'])
    .default('sync')
    .describe('sync: create, update, and delete owned records no longer wanted; upsert-only: never delete; create-only: never update or delete.'),
  take_over: z
    .boolean()
    .default(false)
    .describe(
      'Adopt wanted record sets that exist without any ownership record (e.g. made by NodeReg). A record set another owner_id owns, or whose ownership record muster cannot read, is never adopted: it stays a conflict. Records muster does not want are never deleted.',
    ),
  ttl: z.number().int().min(0).max(2 ** 31 - 1).default(60).describe('TTL in seconds of the records muster writes.'),
  records: dnsRecordsSchema.prefault({}).describe('Which records to publish.'),
  provider: dnsProviderSchema.describe('Where the zone lives: route53, rfc2136 (BIND and other RFC 2136 servers), coredns-etcd or zone-file.'),
});

export type DnsConfig = z.infer<typeof dnsConfigSchema>;
export type DnsProviderConfig = z.infer<typeof dnsProviderSchema>;
