import { GetHostedZoneCommand, ListHostedZonesByNameCommand, type HostedZone } from '@aws-sdk/client-route-53';
import { MusterError } from '../../../core/errors.js';
import { openSession, type Route53Session } from './client.js';
import type { Route53Config } from './schema.js';
import { decodeName } from './text.js';

export interface HostedZoneRef {
  /** Bare ID, e.g. Z0123456789ABCDEFGHIJ (Route 53 answers "/hostedzone/Z…"). */
  id: string;
  name: string;
  private: boolean;
}

/**
 * The hosted zone muster manages. With zone_id, GetHostedZone checks it is really dns.zone (a
 * copied ID from another zone would otherwise let muster write into the wrong one). Without,
 * ListHostedZonesByName finds the zones with that exact name: a public and a private zone (split
 * horizon), or private zones for different VPCs, can share it, and then muster asks rather than picks.
 */
export async function findHostedZone(session: Route53Session, zone: string, zoneId: string | undefined): Promise<HostedZoneRef> {
  if (zoneId !== undefined) {
    const answer = await session.call('route53:GetHostedZone', (options) => session.client.send(new GetHostedZoneCommand({ Id: zoneId }), options));
    const found = answer.HostedZone ? toRef(answer.HostedZone) : undefined;
    if (found?.name !== zone) {
      throw new MusterError(`route53: hosted zone ${bareId(zoneId)} is ${found?.name ?? 'unnamed'}, not ${zone}`, {
        code: 'DNS_ROUTE53_ZONE_MISMATCH',
        kind: 'config',
        hint: 'dns.provider.zone_id must be the ID of the hosted zone named dns.zone; check both',
      });
    }
    return found;
  }
  const matches = await zonesNamed(session, zone);
  const [only] = matches;
  if (only !== undefined && matches.length === 1) return only;
  if (matches.length === 0) {
    throw new MusterError(`route53: no hosted zone is named ${zone}`, {
      code: 'DNS_ROUTE53_ZONE_NOT_FOUND',
      kind: 'config',
      hint: 'create the hosted zone, or check dns.zone and that the credentials belong to the account that owns the zone (or set dns.provider.zone_id)',
    });
  }
  const listed = matches.map((match) => `${match.id} (${match.private ? 'private' : 'public'})`).join(', ');
  throw new MusterError(`route53: ${matches.length} hosted zones are named ${zone}: ${listed}`, {
    code: 'DNS_ROUTE53_ZONE_AMBIGUOUS',
    kind: 'config',
    hint: 'set dns.provider.zone_id to the ID of the one muster should manage',
  });
}

/** Zones come sorted by name from DNSName on; paging goes on only while names still match. */
async function zonesNamed(session: Route53Session, zone: string): Promise<HostedZoneRef[]> {
  const found: HostedZoneRef[] = [];
  let start: { DNSName: string; HostedZoneId?: string } = { DNSName: zone };
  for (;;) {
    const input = { ...start, MaxItems: 100 };
    const page = await session.call('route53:ListHostedZonesByName', (options) => session.client.send(new ListHostedZonesByNameCommand(input), options));
    const zones = (page.HostedZones ?? []).map(toRef);
    found.push(...zones.filter((candidate) => candidate.name === zone));
    const next = page.NextDNSName;
    if (page.IsTruncated !== true || next === undefined || decodeName(next) !== zone || zones.some((candidate) => candidate.name !== zone)) return found;
    start = { DNSName: next, ...(page.NextHostedZoneId === undefined ? {} : { HostedZoneId: page.NextHostedZoneId }) };
  }
}

function toRef(zone: HostedZone): HostedZoneRef {
  return { id: bareId(zone.Id ?? ''), name: decodeName(zone.Name ?? ''), private: zone.Config?.PrivateZone === true };
}

export function bareId(id: string): string {
  return id.replace(/^\/(hostedzone|change)\//, '');
}

/**
 * The name of a hosted zone known only by its ID (etcd-bootstrap's -route53-zone-id): muster's
 * dns.zone is a name, so the compat command asks GetHostedZone once, as etcd-bootstrap did.
 */
export async function hostedZoneName(config: Route53Config, zoneId: string): Promise<string> {
  const session = openSession(config, { timeoutMs: 30_000 }, undefined);
  try {
    const answer = await session.call('route53:GetHostedZone', (options) => session.client.send(new GetHostedZoneCommand({ Id: zoneId }), options));
    const name = answer.HostedZone?.Name;
    if (name === undefined) throw new MusterError(`route53: hosted zone ${bareId(zoneId)} has no name`, { code: 'DNS_ROUTE53_ZONE_NOT_FOUND', kind: 'config' });
    return decodeName(name);
  } finally {
    session.destroy();
  }
}
