import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAnnouncement, encodeAnnouncement, txtBytes, type Announcement } from './announcement.js';

const secret = Buffer.from('a-group-secret-of-32-bytes-long!');
const announcement: Announcement = {
  name: 'master-1',
  group: 'masters',
  id: 167772171,
  tiebreak: '0123456789abcdef',
  expect: 3,
  state: 'candidate',
  membership: 'fedcba9876543210',
  ips: ['10.0.0.11', 'fd00::11'],
  role: 'master',
  hostKey: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
  leader: '',
  result: undefined,
  time: 1_790_000_000,
  seq: 7,
};

describe('election announcements (signed DNS-SD TXT)', () => {
  it('round-trip through the TXT strings, keys of at most 9 characters, within 400 bytes', () => {
    const strings = encodeAnnouncement(announcement, secret);
    assert.deepEqual(decodeAnnouncement('master-1', strings, secret), { ok: true, announcement });
    for (const entry of strings) assert.ok((entry.split('=')[0] ?? '').length <= 9, entry);
    assert.ok(txtBytes(strings) <= 400, `${txtBytes(strings)} bytes`);
    const done = { ...announcement, state: 'done' as const, result: 3, leader: 'master-1' };
    assert.deepEqual(decodeAnnouncement('master-1', encodeAnnouncement(done, secret), secret), { ok: true, announcement: done });
  });

  it('are refused when unsigned, signed with another secret, altered, or replayed under another name', () => {
    const strings = encodeAnnouncement(announcement, secret);
    assert.deepEqual(decodeAnnouncement('master-1', strings.slice(0, -1), secret), { ok: false, reason: 'unsigned' });
    assert.deepEqual(decodeAnnouncement('master-1', strings, Buffer.from('another-secret-another-secret!!')), { ok: false, reason: 'bad-signature' });
    const altered = strings.map((entry) => (entry.startsWith('id=') ? 'id=1' : entry));
    assert.deepEqual(decodeAnnouncement('master-1', altered, secret), { ok: false, reason: 'bad-signature' });
    assert.deepEqual(decodeAnnouncement('master-2', strings, secret), { ok: false, reason: 'bad-signature' });
  });
});
