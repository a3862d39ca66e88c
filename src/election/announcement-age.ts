// How old a signed announcement is, judged two ways: against this member's clock (a replay, or
// a clock to fix) and against the last one seen from the same member (a late packet).
import type { Announcement } from './announcement.js';

/** How far the announcement's time is from this clock, in ms. */
export function clockSkewMs(announcement: Announcement, nowMs: number): number {
  return Math.abs(nowMs / 1000 - announcement.time) * 1000;
}

/** Whether `announcement` was sent before `previous` by the same member (time, then sequence). */
export function isOlderThan(announcement: Announcement, previous: Announcement): boolean {
  return announcement.time < previous.time || (announcement.time === previous.time && announcement.seq < previous.seq);
}
