import { FakeApiError } from '../fake-aws/query.js';
import { canonicalName, compare, compareRecordSets, presentName, reversedName, type FakeRecordSet, type FakeZone } from './model.js';
import { NS } from './zones.js';
import { element } from './xml.js';

/**
 * GET /2013-04-01/hostedzone/{Id}/rrset: record sets in Route 53's order (name with labels
 * reversed, then type, then set identifier), from name/type/identifier on, at most `pageSize` per
 * page whatever maxitems asks; the next position comes back as NextRecordName/Type/Identifier.
 */
export function listResourceRecordSets(zone: FakeZone, query: URLSearchParams, pageSize: number): string {
  const name = query.get('name');
  const type = query.get('type');
  const identifier = query.get('identifier');
  if (type !== null && name === null) throw new FakeApiError(400, 'InvalidInput', 'The input is not valid: type needs name');
  if (identifier !== null && type === null) throw new FakeApiError(400, 'InvalidInput', 'The input is not valid: identifier needs name and type');
  const requested = Number(query.get('maxitems') ?? '300');
  if (!Number.isInteger(requested) || requested < 1) throw new FakeApiError(400, 'InvalidInput', `maxitems ${query.get('maxitems')} is not a positive number`);
  const maxItems = Math.min(requested, 300, pageSize);
  // Sorted here too: tests may put record sets into the model in any order.
  const records = [...zone.records].sort(compareRecordSets);
  const start = name === null ? 0 : firstAtOrAfter(records, reversedName(canonicalName(name)), type, identifier);
  const page = records.slice(start, start + maxItems);
  const next = records[start + maxItems];
  return (
    `<ListResourceRecordSetsResponse xmlns="${NS}"><ResourceRecordSets>${page.map(recordSetXml).join('')}</ResourceRecordSets>` +
    element('IsTruncated', next !== undefined) +
    (next === undefined ? '' : element('NextRecordName', presentName(next.name)) + element('NextRecordType', next.type) + element('NextRecordIdentifier', next.setIdentifier)) +
    element('MaxItems', maxItems) +
    '</ListResourceRecordSetsResponse>'
  );
}

function recordSetXml(set: FakeRecordSet): string {
  const values = set.values.map((value) => `<ResourceRecord>${element('Value', value)}</ResourceRecord>`).join('');
  return (
    '<ResourceRecordSet>' +
    element('Name', presentName(set.name)) +
    element('Type', set.type) +
    element('SetIdentifier', set.setIdentifier) +
    element('Weight', set.weight) +
    element('TTL', set.ttl) +
    (set.alias === undefined ? `<ResourceRecords>${values}</ResourceRecords>` : '') +
    (set.alias === undefined
      ? ''
      : `<AliasTarget>${element('HostedZoneId', set.alias.hostedZoneId)}${element('DNSName', set.alias.dnsName)}${element('EvaluateTargetHealth', set.alias.evaluateTargetHealth)}</AliasTarget>`) +
    '</ResourceRecordSet>'
  );
}

function firstAtOrAfter(records: readonly FakeRecordSet[], reversed: string, type: string | null, identifier: string | null): number {
  const index = records.findIndex((set) => {
    const order = compare(reversedName(set.name), reversed) || (type === null ? 0 : compare(set.type, type)) || (identifier === null ? 0 : compare(set.setIdentifier ?? '', identifier));
    return order >= 0;
  });
  return index < 0 ? records.length : index;
}
