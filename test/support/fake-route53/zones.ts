import { FakeApiError } from '../fake-aws/query.js';
import { canonicalName, compare, findZone, nameServers, presentName, reversedName, type FakeRoute53Model, type FakeZone } from './model.js';
import { element } from './xml.js';

/**
 * GET /2013-04-01/hostedzonesbyname: zones sorted by name with labels reversed, then by ID,
 * starting at dnsname (and hostedzoneid); it lists every zone from there on, not only matches.
 */
export function listHostedZonesByName(model: FakeRoute53Model, query: URLSearchParams): string {
  const dnsName = query.get('dnsname');
  const startId = query.get('hostedzoneid');
  if (startId !== null && dnsName === null) throw new FakeApiError(400, 'InvalidInput', 'The input is not valid: hostedzoneid needs dnsname');
  const maxItems = Math.min(Number(query.get('maxitems') ?? '100') || 100, model.zonePageSize);
  const sorted = [...model.zones].sort((a, b) => compare(reversedName(a.name), reversedName(b.name)) || compare(a.id, b.id));
  const start = dnsName === null ? 0 : firstAtOrAfter(sorted, reversedName(canonicalName(dnsName)), startId);
  const page = sorted.slice(start, start + maxItems);
  const next = sorted[start + maxItems];
  return (
    `<ListHostedZonesByNameResponse xmlns="${NS}"><HostedZones>${page.map(hostedZoneXml).join('')}</HostedZones>` +
    element('DNSName', dnsName ?? undefined) +
    element('HostedZoneId', startId ?? undefined) +
    element('IsTruncated', next !== undefined) +
    (next === undefined ? '' : element('NextDNSName', presentName(next.name)) + element('NextHostedZoneId', next.id)) +
    element('MaxItems', maxItems) +
    '</ListHostedZonesByNameResponse>'
  );
}

/** GET /2013-04-01/hostedzone/{Id} */
export function getHostedZone(model: FakeRoute53Model, id: string): string {
  const zone = requireZone(model, id);
  const where = zone.private
    ? `<VPCs><VPC>${element('VPCRegion', 'eu-west-1')}${element('VPCId', 'vpc-0123456789abcdef0')}</VPC></VPCs>`
    : `<DelegationSet><NameServers>${nameServers().map((server) => element('NameServer', server.replace(/\.$/, ''))).join('')}</NameServers></DelegationSet>`;
  return `<GetHostedZoneResponse xmlns="${NS}">${hostedZoneXml(zone)}${where}</GetHostedZoneResponse>`;
}

export function requireZone(model: FakeRoute53Model, id: string): FakeZone {
  const zone = findZone(model, id);
  if (!zone) throw new FakeApiError(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
  return zone;
}

export const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

function hostedZoneXml(zone: FakeZone): string {
  return (
    '<HostedZone>' +
    element('Id', `/hostedzone/${zone.id}`) +
    element('Name', presentName(zone.name)) +
    element('CallerReference', `muster-test-${zone.id}`) +
    `<Config>${element('Comment', 'fake')}${element('PrivateZone', zone.private)}</Config>` +
    element('ResourceRecordSetCount', zone.records.length) +
    '</HostedZone>'
  );
}

function firstAtOrAfter(sorted: readonly FakeZone[], reversed: string, startId: string | null): number {
  const index = sorted.findIndex((zone) => {
    const order = compare(reversedName(zone.name), reversed);
    return order > 0 || (order === 0 && (startId === null || compare(zone.id, startId) >= 0));
  });
  return index < 0 ? sorted.length : index;
}
