import { randomBytes } from 'node:crypto';

/**
 * What the fake Route 53 account holds. Names are kept decoded and lower-case with a trailing dot
 * (`*.example.com.`), as Route 53 compares them; responses escape them as Route 53 does.
 */
export interface FakeRecordSet {
  name: string;
  type: string;
  ttl?: number;
  /** Values as stored (TXT in Route 53's escaped, quoted form). */
  values: string[];
  /** Routing-policy sets (weighted, …) carry one; muster must leave them alone. */
  setIdentifier?: string;
  weight?: number;
  /** Alias records have no TTL and no values. */
  alias?: { hostedZoneId: string; dnsName: string; evaluateTargetHealth: boolean };
}

export interface FakeZone {
  /** Bare ID (Z…); the API shows "/hostedzone/Z…". */
  id: string;
  name: string;
  private: boolean;
  records: FakeRecordSet[];
}

export interface FakeChange {
  id: string;
  submittedAt: string;
  comment?: string;
  /** GetChange answers PENDING this many more times, then INSYNC. */
  pendingPolls: number;
}

export interface FakeRoute53Model {
  zones: FakeZone[];
  changes: Map<string, FakeChange>;
  /** Record sets per ListResourceRecordSets page at most, whatever maxitems asks: small, so paging is exercised. */
  pageSize: number;
  /** Hosted zones per ListHostedZonesByName page at most. */
  zonePageSize: number;
  /** How many GetChange calls see a new change PENDING before INSYNC. */
  pendingPolls: number;
  /** IAM actions (e.g. "route53:ChangeResourceRecordSets") the caller is denied. */
  denied: Set<string>;
  /**
   * Answer InvalidChangeBatch as Route 53's own `<InvalidChangeBatch><Messages>` document (which
   * has no error Code) instead of the usual `<ErrorResponse>`; Route 53 sends both.
   */
  invalidChangeBatchDocument: boolean;
}

export function createRoute53Model(init: Partial<FakeRoute53Model> = {}): FakeRoute53Model {
  return { zones: [], changes: new Map(), pageSize: 100, zonePageSize: 2, pendingPolls: 1, denied: new Set(), invalidChangeBatchDocument: false, ...init };
}

/**
 * A new hosted zone with the SOA and NS record sets Route 53 creates with every zone, so callers
 * see (and must skip) them as they would in a real account.
 */
export function addZone(model: FakeRoute53Model, name: string, options: { id?: string; private?: boolean } = {}): FakeZone {
  const fqdn = canonicalName(name);
  const zone: FakeZone = {
    id: options.id ?? newId('Z', 21),
    name: fqdn,
    private: options.private ?? false,
    records: [
      { name: fqdn, type: 'NS', ttl: 172800, values: nameServers() },
      { name: fqdn, type: 'SOA', ttl: 900, values: ['ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'] },
    ],
  };
  model.zones.push(zone);
  return zone;
}

export function nameServers(): string[] {
  return ['ns-1536.awsdns-00.co.uk.', 'ns-0.awsdns-00.com.', 'ns-1024.awsdns-00.org.', 'ns-512.awsdns-00.net.'];
}

export function findZone(model: FakeRoute53Model, id: string): FakeZone | undefined {
  return model.zones.find((zone) => zone.id === id);
}

/** A name as the API takes it (`\052.Example.com`) in the form the model keeps (`*.example.com.`). */
export function canonicalName(name: string): string {
  const decoded = Buffer.from(unescapeOctal(name)).toString('utf8').toLowerCase();
  return decoded.endsWith('.') ? decoded : `${decoded}.`;
}

/** A name as Route 53 answers it: anything but a-z, 0-9, "-", "_" and "." as \ooo (so "*" is \052). */
export function presentName(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[a-z0-9_.-]/.test(char) ? char : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Route 53's sort order: by name with its labels reversed (com.example.www), then by type. */
export function compareRecordSets(a: FakeRecordSet, b: FakeRecordSet): number {
  return compare(reversedName(a.name), reversedName(b.name)) || compare(a.type, b.type) || compare(a.setIdentifier ?? '', b.setIdentifier ?? '');
}

export function reversedName(name: string): string {
  return name.replace(/\.$/, '').split('.').reverse().join('.');
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function newId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return prefix + Array.from(randomBytes(length - prefix.length), (byte) => alphabet[byte % alphabet.length]).join('');
}

function unescapeOctal(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const octal = text[i] === '\\' ? /^[0-7]{3}/.exec(text.slice(i + 1, i + 4)) : null;
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (text[i] === '\\' && i + 1 < text.length) {
      i++;
      bytes.push(...Buffer.from(text[i] ?? ''));
    } else {
      bytes.push(...Buffer.from(text[i] ?? ''));
    }
  }
  return bytes;
}
