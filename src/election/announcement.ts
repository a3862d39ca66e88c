import { createHmac, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = 1;
export type MemberState = 'candidate' | 'leader' | 'done';

/** What one member says about itself, signed. Keys on the wire are ≤ 9 characters (DNS-SD's advice). */
export interface Announcement {
  name: string;
  group: string;
  /** Election id: the lowest leads. */
  id: number;
  /** Random tie-break between equal ids, stable for the member's life. */
  tiebreak: string;
  expect: number;
  state: MemberState;
  /** Hash of the membership this member sees (or, once a leader is agreed, the agreed one). */
  membership: string;
  ips: string[];
  role: string;
  hostKey: string;
  /** The agreed leader's name, once known. */
  leader: string;
  /** The action's exit code, with state done. */
  result: number | undefined;
  /** Seconds since the epoch when signed; with seq, what makes a replay stale. */
  time: number;
  seq: number;
}

const STATES: Record<MemberState, string> = { candidate: 'c', leader: 'l', done: 'd' };
const STATE_OF: Record<string, MemberState> = { c: 'candidate', l: 'leader', d: 'done' };

/** The TXT strings (RFC 6763 key=value), the HMAC last over all the others in order. */
export function encodeAnnouncement(announcement: Announcement, secret: Buffer): string[] {
  const fields: [string, string][] = [
    ['v', String(PROTOCOL_VERSION)],
    ['g', announcement.group],
    ['id', String(announcement.id)],
    ['tb', announcement.tiebreak],
    ['n', String(announcement.expect)],
    ['st', STATES[announcement.state]],
    ['mh', announcement.membership],
    ['ip', announcement.ips.join(',')],
    ['r', announcement.role],
    ['hk', announcement.hostKey],
    ['ld', announcement.leader],
    ['rc', announcement.result === undefined ? '' : String(announcement.result)],
    ['ts', String(announcement.time)],
    ['sq', String(announcement.seq)],
  ];
  const strings = fields.map(([key, value]) => `${key}=${value}`);
  return [...strings, `sig=${sign(announcement.name, strings, secret)}`];
}

export type Decoded = { ok: true; announcement: Announcement } | { ok: false; reason: 'unsigned' | 'bad-signature' | 'malformed' | 'version' };

/** The announcement of instance `name`, if its TXT is well formed and signed with the secret. */
export function decodeAnnouncement(name: string, strings: readonly string[], secret: Buffer): Decoded {
  const signature = strings.at(-1);
  if (signature === undefined || !signature.startsWith('sig=')) return { ok: false, reason: 'unsigned' };
  const signed = strings.slice(0, -1);
  const expected = Buffer.from(sign(name, signed, secret));
  const given = Buffer.from(signature.slice(4));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  const fields = new Map<string, string>();
  for (const entry of signed) {
    const equals = entry.indexOf('=');
    if (equals <= 0) return { ok: false, reason: 'malformed' };
    fields.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  if (fields.get('v') !== String(PROTOCOL_VERSION)) return { ok: false, reason: 'version' };
  const number = (key: string): number | undefined => {
    const value = fields.get(key);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const id = number('id');
  const expect = number('n');
  const time = number('ts');
  const seq = number('sq');
  const state = STATE_OF[fields.get('st') ?? ''];
  if (id === undefined || expect === undefined || time === undefined || seq === undefined || state === undefined) return { ok: false, reason: 'malformed' };
  const rc = fields.get('rc') ?? '';
  return {
    ok: true,
    announcement: {
      name,
      group: fields.get('g') ?? '',
      id,
      tiebreak: fields.get('tb') ?? '',
      expect,
      state,
      membership: fields.get('mh') ?? '',
      ips: (fields.get('ip') ?? '').split(',').filter((ip) => ip !== ''),
      role: fields.get('r') ?? '',
      hostKey: fields.get('hk') ?? '',
      leader: fields.get('ld') ?? '',
      result: /^\d+$/.test(rc) ? Number(rc) : undefined,
      time,
      seq,
    },
  };
}

/** HMAC-SHA256 over the instance name and every string, truncated to 128 bits: a forged or altered TXT fails. */
function sign(name: string, strings: readonly string[], secret: Buffer): string {
  return createHmac('sha256', secret).update(`${name}\n${strings.join('\n')}`).digest().subarray(0, 16).toString('base64url');
}

/** Bytes on the wire: each string with its length byte (RFC 6763 §6.1 advises ≤ 400 in all). */
export function txtBytes(strings: readonly string[]): number {
  return strings.reduce((sum, entry) => sum + 1 + Buffer.byteLength(entry), 0);
}
