import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../core/errors.js';
import { hostnameConfigSchema } from './config-schema.js';
import { guardDecision } from './guard.js';
import { computeHostname } from './hostname.js';

const defaults = hostnameConfigSchema.parse({});

describe('hostname', () => {
  const cases: [string, Record<string, unknown>, Record<string, string>, string, string][] = [
    ['NodeReg defaults', {}, { Role: 'master' }, '10.0.12.34', 'master12-34'],
    ['glue between tag and IP', { glue: '-' }, { Role: 'Worker' }, '10.0.12.34', 'worker-12-34'],
    ['all four octets, dotless', { ip_address: { octets: 4, glue: '' } }, { Role: 'db' }, '10.1.2.3', 'db10123'],
    ['IP part only', { tag_name: null, ip_address: { octets: 2, glue: '-' } }, {}, '192.168.7.9', '7-9'],
    ['tag only', { ip_address: { octets: 0 } }, { Role: 'etcd' }, '10.0.0.1', 'etcd'],
    ['another tag', { tag_name: 'Name', glue: '-' }, { Name: 'edge', Role: 'x' }, '10.0.0.5', 'edge-0-5'],
    ['IPv6 groups', { glue: '-', ip_address: { octets: 2, glue: '-' } }, { Role: 'm' }, 'fd00::0a:0b', 'm-a-b'],
  ];
  for (const [title, overrides, tags, ip, expected] of cases) {
    it(`${title}: ${expected}`, () => {
      assert.equal(computeHostname(tags, ip, hostnameConfigSchema.parse(overrides)), expected);
    });
  }

  it('rejects a tag value that makes an invalid name, naming the value', () => {
    assert.throws(
      () => computeHostname({ Role: 'web server' }, '10.0.0.1', defaults),
      (error: unknown) => isMusterError(error) && error.code === 'HOSTNAME_INVALID' && /"web server"/.test(error.hint ?? ''),
    );
    assert.throws(() => computeHostname({ Role: '-lead' }, '10.0.0.1', hostnameConfigSchema.parse({ ip_address: { octets: 0 } })), { code: 'HOSTNAME_INVALID' });
    assert.throws(() => computeHostname({ Role: 'x'.repeat(70) }, '10.0.0.1', defaults), { code: 'HOSTNAME_INVALID' });
  });

  it('says which tag is missing', () => {
    assert.throws(() => computeHostname({}, '10.0.0.1', defaults), (error: unknown) => isMusterError(error) && /no Role tag/.test(error.message));
  });
});

describe('guard', () => {
  const base = { ami_build_tag: 'is_ami_build', on_build: 'block' as const };
  it('lets a normal node boot', () => {
    assert.equal(guardDecision({ Role: 'master' }, base).building, false);
    assert.equal(guardDecision({ is_ami_build: 'false' }, base).building, false);
  });
  it('stops on an image-building instance and says how', () => {
    const decision = guardDecision({ is_ami_build: 'true' }, base);
    assert.equal(decision.building, true);
    assert.match(decision.reason, /blocking/);
    assert.match(guardDecision({ is_ami_build: '1' }, { ...base, on_build: 'exit' }).reason, /exiting/);
  });
});
