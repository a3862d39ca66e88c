import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { silentLogger } from '../../core/logger.js';
import { planRotation } from './rotation-plan.js';
import type { RotationOptions } from './types.js';

const bootstrap = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'bootstrap' });
const other = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'other' });
const FP = 'SHA256:vq3PStAi6KwplwfDTmS7o30wJyunIrXaGaX2vB8+OoU';

const base: RotationOptions = {
  members: [{ name: 'm1', host: '10.0.0.1', port: 22, hostKeyFingerprint: FP }],
  user: 'core',
  bootstrapKey: bootstrap.private,
  bootstrapPublicKey: bootstrap.public,
  keyDir: '/nonexistent',
  logger: silentLogger,
};

describe('the rotation plan', () => {
  it('fills defaults: the bootstrap user gets the new key unless a user is created', () => {
    const plan = planRotation(base);
    assert.equal(plan.targetUser, 'core');
    assert.equal(plan.authorizedKeysFile, '.ssh/authorized_keys');
    assert.deepEqual(plan.hostKeyAlgorithms, ['ssh-ed25519']);
    assert.equal(planRotation({ ...base, createUser: { name: 'provision', sudo: true } }).targetUser, 'provision');
  });

  it('lists every problem before connecting anywhere', () => {
    assert.throws(
      () =>
        planRotation({
          ...base,
          user: 'Core!',
          bootstrapPublicKey: other.public,
          createUser: { name: 'provision', sudo: false },
          members: [
            { name: 'm1', host: '10.0.0.1', port: 22, hostKeyFingerprint: '' },
            { name: 'm2', host: '10.0.0.1', port: 22, hostKeyFingerprint: 'MD5:aa:bb' },
          ],
        }),
      (error: Error & { code?: string; details?: readonly string[] }) => {
        assert.equal(error.code, 'SSH_ROTATION_INVALID');
        const details = (error.details ?? []).join('\n');
        assert.match(details, /^user: /m);
        assert.match(details, /createUser: provision without sudo/);
        assert.match(details, /bootstrapKey: bootstrapPublicKey is not the public half/);
        assert.match(details, /members\.m1: announced host key fingerprint ""/);
        assert.match(details, /members\.m2: .*MD5/);
        assert.match(details, /members\.m2: 10\.0\.0\.1:22 is listed twice/);
        assert.doesNotMatch(`${error.message}\n${details}`, /PRIVATE KEY/);
        return true;
      },
    );
  });

  it('refuses a bootstrap key that is not a private key without quoting it', () => {
    assert.throws(() => planRotation({ ...base, bootstrapKey: 'secret-looking garbage' }), (error: Error & { details?: readonly string[] }) => {
      assert.doesNotMatch((error.details ?? []).join(), /garbage/);
      return true;
    });
  });
});
