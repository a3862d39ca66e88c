import { ListResourceRecordSetsCommand, type ListResourceRecordSetsCommandInput, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { RecordSet } from '../../types.js';
import type { Route53Session } from './client.js';
import { fromRoute53 } from './records.js';

/** A listed record set, with the exact form Route 53 holds it in (a DELETE must repeat that form). */
export interface ListedSet {
  set: RecordSet;
  wire: ResourceRecordSet;
}

/**
 * Every record set of a managed type in the zone, page by page. The SDK has no paginator for
 * ListResourceRecordSets (its position is three fields, NextRecordName/Type/Identifier, not one
 * token), so the loop is here; each page is its own call with its own retries.
 */
export async function listRecordSets(session: Route53Session, zoneId: string, zone: string): Promise<ListedSet[]> {
  const listed: ListedSet[] = [];
  let input: ListResourceRecordSetsCommandInput = { HostedZoneId: zoneId, MaxItems: 300 };
  for (;;) {
    const page = await session.call('route53:ListResourceRecordSets', (options) => session.client.send(new ListResourceRecordSetsCommand(input), options));
    for (const wire of page.ResourceRecordSets ?? []) {
      const set = fromRoute53(wire, zone);
      if (set) listed.push({ set, wire });
    }
    if (page.IsTruncated !== true || page.NextRecordName === undefined) return listed;
    input = {
      HostedZoneId: zoneId,
      MaxItems: 300,
      StartRecordName: page.NextRecordName,
      ...(page.NextRecordType === undefined ? {} : { StartRecordType: page.NextRecordType }),
      ...(page.NextRecordIdentifier === undefined ? {} : { StartRecordIdentifier: page.NextRecordIdentifier }),
    };
  }
}
