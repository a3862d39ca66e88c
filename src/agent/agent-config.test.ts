import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../config/load.js';
import { MusterError } from '../core/errors.js';
import { keepaliveIntervalMs, leaseTtlSeconds } from './config-schema.js';
import { renderNodesTable } from './nodes-table.js';
import { parseRecord, serializeRecord } from './node-record.js';

const BASE = 'platform: { type: static, self: a, peers: [ { name: a, ip: 10.0.0.1 } ] }\n';

describe('agent and events config', () => {
  it('fills the agent defaults: the seed\'s 60 s TTL, keepalive a third of it', () => {
    const { config } = parseConfigText(BASE, 'test.yaml');
    assert.deepEqual(config.agent, { role: 'node', ttl: 60_000, docker_socket: '/var/run/docker.sock', leave_swarm_on_stop: false });
    assert.equal(leaseTtlSeconds(config.agent), 60);
    assert.equal(keepaliveIntervalMs(config.agent), 20_000);
    assert.equal(config.events, undefined);
  });

  it('fills the events defaults', () => {
    const { config } = parseConfigText(`${BASE}events: { webhooks: [ { type: json, url: 'https://example.net/hook' } ] }\n`, 'test.yaml');
    assert.deepEqual(config.events, {
      webhooks: [{ type: 'json', url: 'https://example.net/hook' }],
      rate: 1,
      retry: { initial: 1000, max: 300_000 },
      timeout: 10_000,
      replace_window: 600_000,
      queue_dir: '/var/lib/muster/events',
      drain_timeout: 5000,
    });
  });

  it('takes the seed\'s slack-webhook-url and slack-channel as one slack webhook, and says so', () => {
    const loaded = parseConfigText(`${BASE}slack-webhook-url: https://hooks.slack.com/services/T0/B0/SECRET\nslack-channel: '#ops'\n`, 'test.yaml');
    assert.deepEqual(loaded.config.events?.webhooks, [{ type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/SECRET', channel: '#ops' }]);
    assert.match(loaded.aliasNotes.join('\n'), /slack-webhook-url \/ slack-channel accepted/);
    assert.ok(!loaded.aliasNotes.join('\n').includes('SECRET'), 'the note does not repeat the secret URL');
  });

  it('refuses a keepalive not shorter than the TTL, and never repeats a webhook URL in a problem', () => {
    try {
      parseConfigText(`${BASE}agent: { ttl: 3s, keepalive: 3s }\nevents: { webhooks: [ { type: slack, url: 'ftp://hooks.example/services/SECRET' } ] }\n`, 'test.yaml');
      assert.fail('expected a config error');
    } catch (error) {
      assert.ok(error instanceof MusterError);
      const text = error.details.join('\n');
      assert.match(text, /agent\.keepalive → must be shorter than agent\.ttl/);
      assert.match(text, /events\.webhooks\[0\]\.url → must be an http\(s\) URL/);
      assert.ok(!text.includes('SECRET'));
    }
  });
});

describe('registry values', () => {
  it('round-trip, and a seed-style bare IP value still reads as a node', () => {
    const record = { name: 'w1', role: 'worker', ip: '10.0.0.1', version: '0.1.0', boot_time: '2024-01-01T00:00:00.000Z', swarm_node_id: 'n1' };
    assert.deepEqual(parseRecord('/muster/nodes/worker/w1', serializeRecord(record)), record);
    assert.deepEqual(parseRecord('/muster/nodes/worker/w2', '10.0.0.2'), { name: 'w2', role: 'worker', ip: '10.0.0.2', version: '', boot_time: '' });
    assert.equal(parseRecord('/muster/nodes/worker', '{}'), undefined);
  });

  it('`muster nodes` prints one aligned line per node, by role then name', () => {
    const row = (role: string, name: string, ip: string) => ({ role, name, ip, version: '0.1.0', boot_time: '2024-01-01T00:00:00.000Z' });
    assert.equal(
      renderNodesTable([row('worker', 'w1', '10.0.0.21'), row('manager', 'm2', '10.0.0.12'), row('manager', 'm1', '10.0.0.11')]),
      [
        'ROLE     NAME  IP         VERSION  UP SINCE',
        'manager  m1    10.0.0.11  0.1.0    2024-01-01T00:00:00.000Z',
        'manager  m2    10.0.0.12  0.1.0    2024-01-01T00:00:00.000Z',
        'worker   w1    10.0.0.21  0.1.0    2024-01-01T00:00:00.000Z',
        '',
      ].join('\n'),
    );
  });
});
