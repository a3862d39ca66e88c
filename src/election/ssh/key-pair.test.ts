import assert from 'node:assert/strict';
import { access, chmod, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../core/process.js';
import { ensureKeyPair } from './key-pair.js';

const noKeygen = await access('/usr/bin/ssh-keygen').then(
  () => false,
  () => 'ssh-keygen is not installed (Debian: openssh-client)',
);

describe('the rotation key pair', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'muster-key-pair-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [type, prefix] of [['ed25519', 'ssh-ed25519 '], ['rsa', 'ssh-rsa '], ['ecdsa', 'ecdsa-sha2-nistp256 ']] as const) {
    it(`makes a ${type} pair in OpenSSH formats, private key 0600, that ssh-keygen reads`, { skip: noKeygen }, async () => {
      const keyDir = join(dir, type, 'keys');
      const pair = await ensureKeyPair({ dir: keyDir, type });
      assert.ok(pair.created);
      assert.equal(pair.privateKeyPath, join(keyDir, `id_${type}`));
      assert.ok(pair.publicKey.startsWith(prefix), pair.publicKey);
      assert.match(pair.privateKey.toString(), /^-----BEGIN OPENSSH PRIVATE KEY-----/);
      assert.equal((await stat(pair.privateKeyPath)).mode & 0o777, 0o600);
      assert.equal((await stat(keyDir)).mode & 0o777, 0o700);
      assert.equal((await readFile(pair.publicKeyPath, 'utf8')).trim(), pair.publicKey);
      const derived = await runProgram('ssh-keygen', ['-y', '-f', pair.privateKeyPath]);
      assert.equal(derived.code, 0, derived.stderr);
      assert.equal(derived.stdout.trim(), pair.publicKey);
    });
  }

  it('reuses the key on a rerun, even when the .pub is gone and the mode was loosened', async () => {
    const keyDir = join(dir, 'rerun');
    const first = await ensureKeyPair({ dir: keyDir });
    await unlink(first.publicKeyPath);
    await chmod(first.privateKeyPath, 0o644);
    const second = await ensureKeyPair({ dir: keyDir });
    assert.equal(second.created, false);
    assert.ok(second.privateKey.equals(first.privateKey));
    assert.equal(second.publicKey, first.publicKey);
    assert.equal((await readFile(second.publicKeyPath, 'utf8')).trim(), first.publicKey);
    assert.equal((await stat(second.privateKeyPath)).mode & 0o777, 0o600);
  });

  it('refuses to overwrite a private key file it cannot read as a key', async () => {
    const keyDir = join(dir, 'garbage');
    const pair = await ensureKeyPair({ dir: keyDir });
    await writeFile(pair.privateKeyPath, 'not a key');
    await assert.rejects(ensureKeyPair({ dir: keyDir }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SSH_KEY_INVALID');
      assert.doesNotMatch(error.message, /not a key/);
      return true;
    });
    assert.equal(await readFile(pair.privateKeyPath, 'utf8'), 'not a key');
  });
});
