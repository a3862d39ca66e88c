import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * A warning when muster would send its Vault token over plain http to an address that is not
 * loopback, where anyone on the path can read it; undefined for https, and for http to loopback
 * (a dev Vault on 127.0.0.1 or localhost, a local Vault Agent listener), where the token never
 * leaves the machine: Vault's own docs warn only about the former.
 */
export function plainHttpTokenWarning(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return undefined; // not a URL: the request reports that
  }
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return undefined;
  // The origin only: a user:password in the address is a secret too.
  return `vault issuer: ${url.origin} is plain http to an address that is not loopback: the Vault token crosses the network in clear text; use https (with pki.issuer.ca_cert_file for a private CA)`;
}

/** localhost, 127.0.0.0/8 and ::1 (an IPv4-mapped 127.x too); URL hostnames keep IPv6 in brackets. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return LOOPBACK.check(host, 'ipv4');
  if (family === 6) return LOOPBACK.check(host, 'ipv6');
  return false;
}
