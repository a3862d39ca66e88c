import { isIPv4 } from 'node:net';
import { MusterError } from '../core/errors.js';
import type { HostnameConfig } from './config-schema.js';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * NodeReg's hostname: the value of tag `tag_name`, then the last `octets` octets of the node IP
 * joined by `ip_address.glue`, the two joined by `glue`; lower-cased and checked as an RFC 1123
 * label, so it is also a valid DNS label. Pure.
 */
export function computeHostname(tags: Readonly<Record<string, string>>, ip: string, config: HostnameConfig): string {
  const components: string[] = [];
  if (config.tag_name !== null) {
    const value = tags[config.tag_name];
    if (value === undefined || value.trim() === '') {
      throw new MusterError(`hostname: this node has no ${config.tag_name} tag to name it by`, {
        code: 'HOSTNAME_TAG_MISSING',
        kind: 'config',
        hint: `tag the node with ${config.tag_name}, or set hostname.tag_name to another tag (null: name by IP only)`,
      });
    }
    components.push(value.trim());
  }
  if (config.ip_address.octets > 0) components.push(ipPart(ip, config.ip_address.octets).join(config.ip_address.glue));
  const name = components.join(config.glue).toLowerCase();
  if (!LABEL.test(name)) {
    const tagValue = config.tag_name === null ? undefined : tags[config.tag_name];
    throw new MusterError(`hostname: "${name}" is not a valid host name (RFC 1123: 1-63 letters, digits and hyphens, not starting or ending with a hyphen)`, {
      code: 'HOSTNAME_INVALID',
      kind: 'config',
      hint: tagValue === undefined ? 'check hostname.glue and hostname.ip_address.glue' : `the ${config.tag_name} tag is "${tagValue}": use letters, digits and hyphens only, or change hostname.glue`,
    });
  }
  return name;
}

/** The trailing parts of the address: IPv4 octets, or IPv6 groups (expanded, without zero padding). */
function ipPart(ip: string, count: number): string[] {
  if (isIPv4(ip)) return ip.split('.').slice(-count);
  return expandIPv6(ip).slice(-count);
}

function expandIPv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...(ip.includes('::') ? zeros : []), ...right].map((group) => group.replace(/^0+(?=.)/, '').toLowerCase());
}
