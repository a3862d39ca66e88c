import * as z from 'zod';
import { absolutePath, ipAddress } from '../../../config/common.js';

const nameserver = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).describe('Name server name, relative to the zone unless it ends with a dot.'),
    address: ipAddress.describe('Its address, written as an A/AAAA (glue) record: BIND refuses a zone whose in-zone name server has no address.'),
  }),
]);

export const zoneFileSchema = z.strictObject({
  type: z.literal('zone-file'),
  path: absolutePath.describe(
    'The zone file muster writes (under root), atomically, with the SOA serial raised on every change. Point a BIND or NSD zone at it, or serve it with CoreDNS\'s file plugin.',
  ),
  nameservers: z
    .array(nameserver)
    .min(1)
    .default(['localhost.'])
    .describe(
      'Apex NS records, written when muster creates the file (an existing file keeps its own): names (relative to the zone unless they end with a dot), or {name, address} for an in-zone name server. The default suits a zone that is not delegated.',
    ),
  hostmaster: z
    .string()
    .min(1)
    .default('hostmaster')
    .describe('The SOA mailbox of the zone\'s admin, as a DNS name (hostmaster → hostmaster.<zone>), written when muster creates the file.'),
});

export type ZoneFileConfig = z.infer<typeof zoneFileSchema>;
