import { encodeAnnouncement, type Announcement, type MemberState } from './announcement.js';
import type { ElectConfig } from './config-schema.js';
import type { MdnsTransport } from './mdns-transport.js';
import type { Member } from './membership.js';

/** What this member says about the election at one tick. */
export interface OwnView {
  membership: string;
  members: Member[];
  state: MemberState;
  leader: string;
  result: number | undefined;
  /** Once agreed, a member stops browsing: the others' announcements still reach it. */
  browsing: boolean;
}

/**
 * Publishes this member's signed announcement: again when what it says changes, otherwise once
 * per announce interval, so the records stay fresh in the others' caches without flooding the
 * link. Remembers every membership it published, which is how a member recognises its own
 * proposal in another's announcement.
 */
export class Announcer {
  readonly published = new Map<string, Member[]>();
  private seq = 0;
  private lastAnnounced = '';
  private lastAnnounceTime = 0;

  constructor(
    private readonly self: Member,
    private readonly config: ElectConfig,
    private readonly secret: Buffer,
    private readonly transport: MdnsTransport,
  ) {}

  announce(view: OwnView): void {
    const { self, config } = this;
    this.published.set(view.membership, view.members);
    const announcement: Announcement = {
      ...self,
      ips: [...self.ips],
      group: config.group,
      expect: config.expect,
      state: view.state,
      membership: view.membership,
      leader: view.leader,
      result: view.result,
      time: Math.floor(Date.now() / 1000),
      seq: 0,
    };
    const key = JSON.stringify({ ...announcement, time: 0 });
    const now = Date.now();
    // Once done, a lingering leader only keeps its records from expiring in others' caches
    // (half their TTL); a late member's browse is answered at once anyway.
    const interval = view.state === 'done' ? Math.max(config.announce_interval, (config.record_ttl * 1000) / 2) : config.announce_interval;
    if (key === this.lastAnnounced && now - this.lastAnnounceTime < interval) return;
    announcement.seq = ++this.seq;
    this.transport.publish(self.name, encodeAnnouncement(announcement, this.secret));
    if (view.browsing) this.transport.browse();
    this.lastAnnounced = key;
    this.lastAnnounceTime = now;
  }
}
