import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { NodeEvent } from '../events/node-event.js';
import { decide } from './outcome.js';
import { DeliveryQueue } from './queue.js';
import { queueFileName, readListing } from './queue-files.js';
import { redactUrl } from './redact-url.js';
import { parseRetryAfter } from './retry-after.js';
import { escapeSlackText, slackBody } from './slack-message.js';
import { webhookBody } from './webhook-body.js';

const event = (id: string, name = 'w1'): NodeEvent => ({ id, event: 'up', node: { name, role: 'worker', ip: '10.0.0.1', version: '0.1.0', boot_time: '2024-01-01T00:00:00.000Z' }, time: '2024-01-01T00:01:00.000Z' });
const policy = { initialMs: 1000, maxMs: 8000 };

describe('Retry-After', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wednesday, 01-May-24 12:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now), 0, 'a date in the past: now');
  });
  it('ignores what is neither', () => {
    for (const text of [null, undefined, '', '1.5', '-3', 'soon']) assert.equal(parseRetryAfter(text, now), undefined, String(text));
  });
});

describe('what an answer means', () => {
  it('2xx delivers; 429 waits Retry-After; 5xx and network errors back off, doubling to the cap; other 4xx drop', () => {
    assert.deepEqual(decide({ kind: 'answer', status: 204 }, 1, policy, 0), { kind: 'delivered' });
    const limited = decide({ kind: 'answer', status: 429, retryAfter: '3' }, 5, policy, 0);
    assert.equal(limited.kind === 'retry' ? limited.delayMs : -1, 3000, 'Retry-After, not the backoff');
    const delays = [1, 2, 3, 4, 5].map((failures) => decide({ kind: 'answer', status: 503 }, failures, policy, 0)).map((d) => (d.kind === 'retry' ? d.delayMs : -1));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
    assert.equal(decide({ kind: 'network-error', detail: 'ECONNREFUSED' }, 1, policy, 0).kind, 'retry');
    assert.deepEqual(decide({ kind: 'answer', status: 404 }, 1, policy, 0), { kind: 'drop', reason: 'HTTP 404' });
  });
});

describe('Slack messages', () => {
  it('escapes &, < and > as Slack requires, and nothing else', () => {
    assert.equal(escapeSlackText('a&b <c> "d" \'e\''), 'a&amp;b &lt;c&gt; "d" \'e\'');
    assert.equal(escapeSlackText('&amp;'), '&amp;amp;', 'an ampersand is escaped even before an entity');
  });
  it('posts {text} and the channel only when set', () => {
    assert.deepEqual(slackBody(event('up-1', 'db<&>1'), undefined), { text: 'db&lt;&amp;&gt;1 (10.0.0.1, worker) is UP' });
    assert.deepEqual(JSON.parse(webhookBody({ type: 'slack', url: 'https://hooks.slack.com/services/T/B/X', channel: '#ops' }, event('up-1'))), { text: 'w1 (10.0.0.1, worker) is UP', channel: '#ops' });
  });
  it('gives the JSON webhook {event, node, time, id}', () => {
    assert.deepEqual(JSON.parse(webhookBody({ type: 'json', url: 'https://example.net/hook' }, event('up-1'))), { event: 'up', node: event('up-1').node, time: '2024-01-01T00:01:00.000Z', id: 'up-1' });
  });
});

describe('webhook URLs in logs', () => {
  it('show the host and first path segment only', () => {
    assert.equal(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET'), 'https://hooks.slack.com/services/…');
    assert.equal(redactUrl('https://user:pw@example.net:8443/hook?token=abc'), 'https://example.net:8443/hook/…');
    assert.equal(redactUrl('http://127.0.0.1:9/'), 'http://127.0.0.1:9/');
  });
});

describe('the delivery queue', () => {
  it('sorts files into waiting events, delivered leftovers and markers, with the next sequence above all', () => {
    const listing = readListing([queueFileName(3, 'event'), queueFileName(1, 'event'), queueFileName(1, 'sent'), queueFileName(7, 'dropped'), queueFileName(2, 'event'), '.tmp-x', 'README']);
    assert.deepEqual(listing.waiting, [2, 3]);
    assert.deepEqual(listing.deliveredLeftovers, [1]);
    assert.deepEqual(listing.markers.map((marker) => marker.seq), [1, 7]);
    assert.equal(listing.nextSeq, 8);
  });

  it('keeps order across a reopen, never repeats a delivered id, and drops a leftover beside its marker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muster-queue-'));
    try {
      const queue = await DeliveryQueue.open(dir);
      for (const id of ['a', 'b', 'c']) assert.equal(await queue.enqueue(event(id)), true);
      assert.equal(await queue.enqueue(event('b')), false, 'b is waiting already');
      const first = await queue.head();
      assert.equal(first?.event.id, 'a');
      await queue.markSent(first.seq, 'a');
      assert.equal(await queue.enqueue(event('a')), false, 'a was delivered');

      // A crash after b's marker was written but before its file was deleted.
      const b = await queue.head();
      assert.ok(b);
      await writeFile(join(dir, queueFileName(b.seq, 'sent')), 'b\n');
      const reopened = await DeliveryQueue.open(dir);
      assert.equal((await reopened.head())?.event.id, 'c', 'b is not sent again');
      assert.equal(reopened.size, 1);
      assert.equal(await reopened.enqueue(event('a')), false, 'delivered ids are remembered across the reopen');
      assert.equal(await reopened.enqueue(event('d')), true);
      const names = (await readdir(dir)).filter((name) => name.endsWith('.event.json')).sort();
      assert.deepEqual(names, [queueFileName(3, 'event'), queueFileName(4, 'event')], 'd is after c, whatever was deleted');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
