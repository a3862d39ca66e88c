import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText } from '../config/load.js';
import { isMusterError } from '../core/errors.js';
import { bootSteps } from '../boot/steps.js';

const BASE = `
platform: { type: static, self: m1, peers: [{ name: m1, ip: 10.0.0.11 }] }
`;

function problemsOf(text: string): readonly string[] {
  try {
    parseConfigText(text, 'test.yaml');
  } catch (error) {
    assert.ok(isMusterError(error) && error.kind === 'config', String(error));
    return error.details;
  }
  assert.fail('expected the config to be rejected');
}

describe('swarm config section', () => {
  it('fills every default; the swarm step is not in muster boot\'s default list (muster swarm runs it after etcd), and runs last when named', () => {
    const { config } = parseConfigText(`${BASE}swarm: { role: manager }\n`, 'test.yaml');
    assert.deepEqual(config.swarm, { role: 'manager', advertise: 'auto', listen_port: 2377, managers: 3, rotate_tokens: false, socket: '/var/run/docker.sock', timeout: 120_000 });
    assert.deepEqual(bootSteps(config), ['guard', 'etcd']);
    const named = parseConfigText(`${BASE}boot: { steps: [swarm, etcd] }\nswarm: { role: manager }\n`, 'test.yaml').config;
    assert.deepEqual(bootSteps(named), ['etcd', 'swarm']);
  });

  it('refuses an even manager target and more than seven, saying what to use', () => {
    assert.match(problemsOf(`${BASE}swarm: { role: manager, managers: 4 }\n`).join('\n'), /^swarm\.managers → 4 managers is even: .*use 3 or 5$/m);
    assert.match(problemsOf(`${BASE}swarm: { role: manager, managers: 9 }\n`).join('\n'), /^swarm\.managers → 9 managers: Docker advises at most 7/m);
  });

  it('needs a role, and an address or auto to advertise', () => {
    const text = problemsOf(`${BASE}swarm: { advertise: somewhere }\n`).join('\n');
    assert.match(text, /^swarm\.role → /m);
    assert.match(text, /^swarm\.advertise → /m);
  });
});
