import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { runProgram } from '../../src/core/process.js';
import { ensureKeyPair } from '../../src/election/ssh/key-pair.js';
import { rotateSshKeys, type RotationMember, type RotationOptions } from '../../src/election/ssh/rotate.js';
import { freePort, loopbackPrefix } from '../support/loopback.js';
import { sshdUnavailable, startSshd, type Sshd } from '../support/sshd.js';

const skip = await sshdUnavailable();

describe('SSH key rotation against real OpenSSH servers', { skip: skip ?? false, concurrency: false }, () => {
  const prefix = loopbackPrefix();
  let dir: string;
  let sharedKeysDir: string;
  let keyDir: string;
  let bootstrapFile: string;
  let bootstrapPublic: string;
  let adminPublic: string;
  let servers: Sshd[] = [];
  const logLines: string[] = [];

  const members = (): RotationMember[] => servers.map((s, i) => ({ name: `m${i + 1}`, host: s.address, port: s.port, hostKeyFingerprint: s.hostKeyFingerprint }));
  const options = async (list: RotationMember[]): Promise<RotationOptions> => ({
    members: list,
    user: 'root',
    bootstrapKey: await readFile(bootstrapFile),
    bootstrapPublicKey: bootstrapPublic,
    keyDir,
    // One AuthorizedKeysFile for all members, as in a real cluster (each sshd sees its own files there).
    authorizedKeysFile: join(sharedKeysDir, '%u', 'authorized_keys'),
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10_000,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
  });
  const snapshot = (): Promise<string[]> => Promise.all(servers.map((s) => readFile(s.authorizedKeysFile('root'), 'utf8')));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-ssh-rotation-'));
    keyDir = join(dir, 'leader-keys');
    sharedKeysDir = join(dir, 'member-keys');
    await mkdir(sharedKeysDir);
    bootstrapFile = join(dir, 'bootstrap_id_rsa');
    // zeroinit's bootstrap key is RSA 2048: the same here, so RSA signatures (rsa-sha2-*) are exercised.
    for (const [file, type] of [[bootstrapFile, 'rsa'], [join(dir, 'admin_ed25519'), 'ed25519']] as const) {
      const made = await runProgram('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `${type}@test`, '-f', file]);
      assert.equal(made.code, 0, made.stderr);
    }
    bootstrapPublic = (await readFile(`${bootstrapFile}.pub`, 'utf8')).trim();
    adminPublic = (await readFile(join(dir, 'admin_ed25519.pub'), 'utf8')).trim();
    // Other lines must survive; the last line has no newline, as hand-edited files often do not.
    const authorized = `# managed by hand\n${adminPublic}\n${bootstrapPublic}`;
    servers = await Promise.all([1, 2, 3].map((n) => startSshd({ address: `${prefix}.${n}`, authorizedKeys: { root: authorized }, sharedKeysDir })));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a member whose host key is not the announced one, names it and both fingerprints, and changes no file', async () => {
    const before = await snapshot();
    const list = members();
    const impostor = { ...list[0]!, hostKeyFingerprint: servers[1]!.hostKeyFingerprint };
    await assert.rejects(rotateSshKeys(await options([impostor, ...list.slice(1)])), (error: Error & { code?: string; kind?: string }) => {
      assert.equal(error.code, 'SSH_HOST_KEY_MISMATCH');
      assert.equal(error.kind, 'unsafe');
      assert.match(error.message, /member m1 \(/);
      assert.ok(error.message.includes(servers[0]!.hostKeyFingerprint), error.message);
      assert.ok(error.message.includes(servers[1]!.hostKeyFingerprint), error.message);
      assert.match(error.message, /State: unchanged/);
      return true;
    });
    assert.deepEqual(await snapshot(), before);
  });

  it('rotates all three: the new key logs in, the bootstrap key is refused, other lines are kept', async () => {
    // A crash in an earlier run after m3 got the new key: the rerun reuses the key pair and adds no second line.
    const earlier = await ensureKeyPair({ dir: keyDir });
    await appendFile(servers[2]!.authorizedKeysFile('root'), `\n${earlier.publicKey}\n`);

    const started = Date.now();
    const report = await rotateSshKeys(await options(members()));
    const ms = Date.now() - started;
    console.log(`rotation of 3 members: ${ms} ms (${report.members.map((m) => `${m.name} ${m.ms} ms`).join(', ')})`);

    assert.deepEqual(report.members.map((m) => [m.name, m.result]), [['m1', 'rotated'], ['m2', 'rotated'], ['m3', 'rotated']]);
    assert.equal(report.newPublicKey, earlier.publicKey);
    assert.equal((await stat(report.privateKeyPath)).mode & 0o777, 0o600);
    const derived = await runProgram('ssh-keygen', ['-y', '-f', report.privateKeyPath]);
    assert.equal(derived.stdout.trim().split(' ').slice(0, 2).join(' '), report.newPublicKey.split(' ').slice(0, 2).join(' '));

    const newBlob = report.newPublicKey.split(' ')[1]!;
    const bootstrapBlob = bootstrapPublic.split(' ')[1]!;
    for (const server of servers) {
      const login = await server.ssh('root', report.privateKeyPath);
      assert.equal(login.code, 0, `new key on ${server.address}: ${login.stderr}`);
      assert.equal(login.stdout.trim(), 'logged-in');
      const refused = await server.ssh('root', bootstrapFile);
      assert.equal(refused.code, 255, `bootstrap key on ${server.address} should be refused`);
      assert.match(refused.stderr, /Permission denied \(publickey\)/);

      const file = server.authorizedKeysFile('root');
      const content = await readFile(file, 'utf8');
      assert.ok(content.startsWith(`# managed by hand\n${adminPublic}\n`), content);
      assert.equal(content.split(newBlob).length - 1, 1, 'the new key exactly once');
      assert.ok(!content.includes(bootstrapBlob));
      assert.equal((await stat(file)).mode & 0o777, 0o600);
    }
    const logs = logLines.join('');
    assert.doesNotMatch(logs, /PRIVATE KEY/);
    const privateBody = (await readFile(report.privateKeyPath, 'utf8')).split('\n')[1]!;
    assert.ok(!logs.includes(privateBody), 'no private key material in the logs');
  });

  it('a second rotation is a no-op: every member is already rotated and no file changes', async () => {
    const before = await snapshot();
    const report = await rotateSshKeys(await options(members()));
    assert.deepEqual(report.members.map((m) => m.result), ['already-rotated', 'already-rotated', 'already-rotated']);
    assert.deepEqual(await snapshot(), before);
  });

  it('a member that does not answer fails as unreachable, never as rotated', async () => {
    const address = `${prefix}.9`;
    const silent: RotationMember = { name: 'gone', host: address, port: await freePort(address), hostKeyFingerprint: servers[0]!.hostKeyFingerprint };
    const started = Date.now();
    await assert.rejects(rotateSshKeys({ ...(await options(members())), members: [silent], connectTimeoutMs: 1500 }), (error: Error & { code?: string; kind?: string }) => {
      assert.equal(error.code, 'SSH_ROTATION_STOPPED');
      assert.equal(error.kind, 'unavailable');
      assert.match(error.message, /member gone .*could not reach sshd/);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'bounded by the connect timeout');
  });

});
