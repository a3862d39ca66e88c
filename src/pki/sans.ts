import { isIP } from 'node:net';

/**
 * Subject alternative names in one canonical form (lower-case names without a trailing dot,
 * compressed IPv6, sorted, no duplicates), so the SANs muster wants and the SANs a certificate
 * holds compare with plain equality: a second run must see "same SANs" and change nothing.
 */
export interface SanSet {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/; // host names (LDH): CAs refuse underscores

/** Lower-case, no trailing dot; a leading "*." (wildcard) is allowed. Throws on a name that is not one. */
export function canonicalDnsName(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  const labels = lower.split('.');
  const [first, ...rest] = labels;
  const valid =
    lower.length > 0 &&
    lower.length <= 253 &&
    (first === '*' ? rest.length > 0 : LABEL.test(first ?? '')) &&
    rest.every((label) => LABEL.test(label));
  if (!valid) throw new Error(`"${name}" is not a DNS name`);
  return lower;
}

/** IPv4 as written; IPv6 compressed and lower-case (the URL parser's canonical form). */
export function canonicalIp(ip: string): string {
  // isIP accepts IPv6 zone ids (fe80::1%eth0); a certificate cannot hold one.
  const family = ip.includes('%') ? 0 : isIP(ip.trim());
  if (family === 4) return ip.trim();
  if (family === 6) return new URL(`http://[${ip.trim()}]/`).hostname.slice(1, -1);
  throw new Error(`"${ip}" is not an IP address`);
}

/** A SAN written in config (pki.extra_sans, extra[].sans): an IP address, else a DNS name. */
export function isValidSan(value: string): boolean {
  try {
    classify(value);
    return true;
  } catch {
    return false;
  }
}

function classify(value: string): { dns: string } | { ip: string } {
  return isIP(value.trim()) !== 0 || value.includes(':') ? { ip: canonicalIp(value) } : { dns: canonicalDnsName(value) };
}

export function sanSet(input: { dns?: Iterable<string>; ips?: Iterable<string>; mixed?: Iterable<string> }): SanSet {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const name of input.dns ?? []) dns.add(canonicalDnsName(name));
  for (const ip of input.ips ?? []) ips.add(canonicalIp(ip));
  for (const value of input.mixed ?? []) {
    const san = classify(value);
    if ('ip' in san) ips.add(san.ip);
    else dns.add(san.dns);
  }
  return { dns: [...dns].sort(), ips: [...ips].sort(compareIps) };
}

/** The node certificate's SANs: FQDN, short hostname, every node IP, plus pki.extra_sans. */
export function nodeSans(self: { hostname: string; fqdn?: string | undefined; ips: readonly string[] }, extra: readonly string[]): SanSet {
  return sanSet({ dns: [self.fqdn, self.hostname].filter((name): name is string => name !== undefined && name !== ''), ips: self.ips, mixed: extra });
}

export function unionSans(a: SanSet, b: SanSet): SanSet {
  return sanSet({ dns: [...a.dns, ...b.dns], ips: [...a.ips, ...b.ips] });
}

export function isEmptySanSet(set: SanSet): boolean {
  return set.dns.length === 0 && set.ips.length === 0;
}

/** What a certificate lacks and what it has too many of, each as DNS:… / IP:…. Both empty: same SANs. */
export function sanDifference(want: SanSet, have: SanSet): { missing: string[]; unexpected: string[] } {
  const wanted = new Set(formatSans(want));
  const held = new Set(formatSans(have));
  return { missing: [...wanted].filter((san) => !held.has(san)), unexpected: [...held].filter((san) => !wanted.has(san)) };
}

export function sameSans(a: SanSet, b: SanSet): boolean {
  const { missing, unexpected } = sanDifference(a, b);
  return missing.length === 0 && unexpected.length === 0;
}

/** OpenSSL's way of writing SANs (DNS:name, IP:address), for reports. */
export function formatSans(set: SanSet): string[] {
  return [...set.dns.map((name) => `DNS:${name}`), ...set.ips.map((ip) => `IP:${ip}`)];
}

/** Numeric order for IPv4 (10.0.0.2 before 10.0.0.10), then IPv6 as text. */
function compareIps(a: string, b: string): number {
  const fa = isIP(a);
  const fb = isIP(b);
  if (fa !== fb) return fa - fb;
  if (fa === 4) {
    const na = a.split('.').map(Number);
    const nb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) if (na[i] !== nb[i]) return (na[i] ?? 0) - (nb[i] ?? 0);
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
