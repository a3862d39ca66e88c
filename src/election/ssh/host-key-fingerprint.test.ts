import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../core/process.js';
import { fingerprintOfPublicKeyLine, isSha256Fingerprint, readOwnHostKeyFingerprint, sameFingerprint } from './host-key-fingerprint.js';
import { parsePublicKeyLine } from './public-key-line.js';

const noKeygen = await access('/usr/bin/ssh-keygen').then(
  () => false,
  () => 'ssh-keygen is not installed (Debian: openssh-client)',
);

describe('OpenSSH SHA256 host key fingerprints', { skip: noKeygen }, () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'muster-fingerprint-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [type, bits] of [['ed25519', []], ['rsa', ['-b', '2048']], ['ecdsa', ['-b', '384']]] as const) {
    it(`matches ssh-keygen -lf for a ${type} key`, async () => {
      const file = join(dir, `key_${type}`);
      assert.equal((await runProgram('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', 'a comment', '-f', file])).code, 0);
      const listed = await runProgram('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]);
      const expected = listed.stdout.split(' ')[1];
      const ours = fingerprintOfPublicKeyLine(await readFile(`${file}.pub`, 'utf8'));
      assert.equal(ours, expected);
      assert.ok(isSha256Fingerprint(ours));
    });
  }

  it('reads this machine\'s own host key under root, and is undefined when there is none', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'etc/ssh'), { recursive: true });
    assert.equal(await readOwnHostKeyFingerprint({ root }), undefined);
    const file = join(dir, 'host');
    await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), await readFile(`${file}.pub`));
    const listed = await runProgram('ssh-keygen', ['-lf', `${file}.pub`]);
    assert.equal(await readOwnHostKeyFingerprint({ root }), listed.stdout.split(' ')[1]);
  });

  it('rejects a host key file that is not a public key', async () => {
    const root = join(dir, 'bad');
    await mkdir(join(root, 'etc/ssh'), { recursive: true });
    await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'ssh-ed25519 not-base64!\n');
    await assert.rejects(readOwnHostKeyFingerprint({ root }), { code: 'SSH_HOST_KEY_INVALID' });
  });
});

describe('public key lines and fingerprint forms', () => {
  it('refuses a line whose blob is of another type than it says (a truncated or mixed-up paste)', () => {
    const ed = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x';
    assert.equal(parsePublicKeyLine(ed).comment, 'x');
    assert.throws(() => parsePublicKeyLine(ed.replace('ssh-ed25519', 'ssh-rsa')), { code: 'SSH_PUBLIC_KEY_INVALID' });
    assert.throws(() => parsePublicKeyLine('ssh-ed25519'), { code: 'SSH_PUBLIC_KEY_INVALID' });
  });

  it('knows the SHA256 form and ignores padding when comparing', () => {
    const fp = 'SHA256:vq3PStAi6KwplwfDTmS7o30wJyunIrXaGaX2vB8+OoU';
    assert.ok(isSha256Fingerprint(fp));
    assert.ok(!isSha256Fingerprint('MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48'));
    assert.ok(!isSha256Fingerprint(''));
    assert.ok(sameFingerprint(fp, `${fp}=`));
    assert.ok(!sameFingerprint(fp, fp.replace('vq3', 'vq4')));
  });
});
