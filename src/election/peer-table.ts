import type { Logger } from '../core/logger.js';
import { decodeAnnouncement, type Announcement } from './announcement.js';
import { clockSkewMs, isOlderThan } from './announcement-age.js';
import type { PeerView } from './decide.js';
import type { MdnsTransport } from './mdns-transport.js';

export interface PeerTableOptions {
  group: string;
  secret: Buffer;
  maxClockSkewMs: number;
  recordTtlMs: number;
  logger: Logger;
}

/**
 * What one member has heard from the others: the signed, fresh announcements of its own group by
 * instance name, those of other groups (to name a conflict), and when the membership last
 * changed. Anything unsigned, replayed or too far from this clock is logged once and ignored: an
 * intruder or a misconfigured member is not a reason to stop.
 */
export class PeerTable {
  readonly peers = new Map<string, PeerView & { lastSeen: number }>();
  private readonly otherGroups = new Map<string, { announcement: Announcement; lastSeen: number }>();
  private readonly rejected = new Set<string>();
  /** When a member was last added or dropped: the election settles after a quiet period. */
  lastChange: number;

  constructor(
    private readonly options: PeerTableOptions,
    now: number,
  ) {
    this.lastChange = now;
  }

  listen(transport: MdnsTransport): void {
    transport.on('txt', (instance: string, strings: readonly string[]) => this.onAnnouncement(instance, strings));
    transport.on('goodbye', (instance: string, strings: readonly string[]) => this.onGoodbye(instance, strings));
  }

  /** Drops members (and other groups) whose records have expired in this member's view. */
  expire(now: number): void {
    for (const [name, peer] of this.peers) {
      if (now - peer.lastSeen > this.options.recordTtlMs) {
        this.peers.delete(name);
        this.lastChange = now;
      }
    }
    for (const [name, other] of this.otherGroups) if (now - other.lastSeen > this.options.recordTtlMs) this.otherGroups.delete(name);
  }

  otherGroupAnnouncements(): Announcement[] {
    return [...this.otherGroups.values()].map((other) => other.announcement);
  }

  private onAnnouncement(instance: string, strings: readonly string[]): void {
    const decoded = decodeAnnouncement(instance, strings, this.options.secret);
    if (!decoded.ok) {
      this.warnOnce(`${instance}/${decoded.reason}`, { instance, reason: decoded.reason }, 'ignoring an mDNS announcement that is not signed with this group\'s secret');
      return;
    }
    const announcement = decoded.announcement;
    const skew = clockSkewMs(announcement, Date.now());
    if (skew > this.options.maxClockSkewMs) {
      this.warnOnce(`${instance}/stale`, { instance, skewSeconds: Math.round(skew / 1000) }, 'ignoring a signed announcement too far from this clock (a replay, or a clock to fix)');
      return;
    }
    if (announcement.group !== this.options.group) {
      this.otherGroups.set(instance, { announcement, lastSeen: Date.now() });
      return;
    }
    const previous = this.peers.get(instance);
    if (previous !== undefined && isOlderThan(announcement, previous.announcement)) return; // an older packet, late
    if (previous === undefined) this.lastChange = Date.now();
    this.peers.set(instance, { announcement, firstSeen: previous?.firstSeen ?? Date.now(), lastSeen: Date.now() });
  }

  /**
   * A goodbye is believed only when it carries the member's own signed announcement, fresh and
   * not older than the last one seen: anyone on the link can send a TTL 0 record, and an
   * unchecked one would make every member drop a live peer.
   */
  private onGoodbye(instance: string, strings: readonly string[]): void {
    const previous = this.peers.get(instance);
    if (previous === undefined) return;
    const decoded = decodeAnnouncement(instance, strings, this.options.secret);
    if (!decoded.ok) {
      this.warnOnce(`${instance}/goodbye`, { instance, reason: decoded.reason }, 'ignoring an mDNS goodbye that is not signed with this group\'s secret');
      return;
    }
    const { announcement } = decoded;
    const fresh = clockSkewMs(announcement, Date.now()) <= this.options.maxClockSkewMs;
    if (!fresh || isOlderThan(announcement, previous.announcement)) return; // a replayed goodbye
    this.peers.delete(instance);
    this.lastChange = Date.now();
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (!this.rejected.has(key)) this.options.logger.warn(fields, message);
    this.rejected.add(key);
  }
}
