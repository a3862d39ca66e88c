import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { MusterError } from '../core/errors.js';

export interface ElectionInterface {
  name: string;
  address: string;
  family: 'ipv4' | 'ipv6';
}

/**
 * The interfaces (and one address of each family on each) the election runs on: the ones named,
 * or every interface with a non-loopback address. IPv6 prefers a global address to announce,
 * the link-local one being what mDNS itself uses. A named interface that is missing, or has no
 * address of the family, is an error: an election on the wrong network would wait forever.
 */
export function selectInterfaces(names: readonly string[], family: 'ipv4' | 'ipv6' | 'both', system: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): ElectionInterface[] {
  const wanted = names.length > 0 ? names : Object.keys(system).filter((name) => (system[name] ?? []).some((info) => !info.internal));
  const families: ('ipv4' | 'ipv6')[] = family === 'both' ? ['ipv4', 'ipv6'] : [family];
  const selected: ElectionInterface[] = [];
  for (const name of wanted) {
    const infos = system[name];
    if (infos === undefined) throw new MusterError(`no network interface ${name}`, { code: 'ELECT_INTERFACE', kind: 'config', hint: `interfaces here: ${Object.keys(system).join(', ')}` });
    for (const want of families) {
      const matching = infos.filter((info) => (want === 'ipv4' ? info.family === 'IPv4' : info.family === 'IPv6'));
      const chosen = want === 'ipv6' ? (matching.find((info) => !info.address.startsWith('fe80')) ?? matching[0]) : matching[0];
      if (chosen === undefined) {
        if (names.length > 0) throw new MusterError(`interface ${name} has no ${want} address`, { code: 'ELECT_INTERFACE', kind: 'config', hint: 'wait until it is configured, or choose elect.family' });
        continue;
      }
      selected.push({ name, address: chosen.address, family: want });
    }
  }
  if (selected.length === 0) throw new MusterError(`no interface with an ${family} address to elect on`, { code: 'ELECT_INTERFACE', kind: 'config', hint: 'name one with --interface (zeroinit\'s --iface)' });
  return selected;
}

/** zeroinit's election id: the first IPv4 address as an integer; IPv6 only: its last 32 bits. */
export function defaultElectionId(interfaces: readonly ElectionInterface[]): number {
  const ipv4 = interfaces.find((iface) => iface.family === 'ipv4');
  if (ipv4 !== undefined) return ipv4.address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const ipv6 = interfaces[0]?.address ?? '::';
  const groups = ipv6.split('::').length === 2 ? expand(ipv6) : ipv6.split(':');
  return (parseInt(groups.at(-2) ?? '0', 16) * 65536 + parseInt(groups.at(-1) ?? '0', 16)) >>> 0;
}

function expand(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  return [...left, ...Array.from({ length: 8 - left.length - right.length }, () => '0'), ...right];
}
