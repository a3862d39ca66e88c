import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { runProgram } from '../../core/process.js';
import { asRoot, asSessionUser, createUserScript, installKeyScript, removeKeyScript, resolveAuthorizedKeysFile, sudoersFileFor } from './remote-steps.js';
import { shellQuote } from './shell-quote.js';

const publicKey = (comment: string): string => ssh2.utils.generateKeyPairSync('ed25519', { comment }).public;
const NEW = publicKey('new@leader');
const BOOT = publicKey('bootstrap');
const OTHER = publicKey('admin@laptop');
const blob = (line: string): string => line.split(' ')[1]!;

describe('remote step scripts (strings)', () => {
  it('quotes for sh, single quotes included', async () => {
    const word = `it's $(rm -rf /) "x"`;
    const echoed = await runProgram('sh', ['-c', `printf %s ${shellQuote(word)}`]);
    assert.equal(echoed.stdout, word);
  });

  it('runs scripts under sh, and as root through sudo -n only when not root already', () => {
    assert.equal(asSessionUser('echo hi'), `sh -c 'echo hi'`);
    const root = asRoot('echo hi');
    assert.match(root, /^sh -c /);
    assert.match(root, /sudo -n sh -c/);
    assert.match(root, /id -u/);
  });

  it('expands AuthorizedKeysFile tokens on the member, relative paths under the home', () => {
    assert.deepEqual(resolveAuthorizedKeysFile('file', 'core', '/etc/ssh/keys/%u'), [`file='/etc/ssh/keys/''core'`]);
    const relative = resolveAuthorizedKeysFile('file', 'core', '.ssh/authorized_keys');
    assert.match(relative.join('\n'), /getent passwd 'core'/);
    assert.equal(relative.at(-1), `file="$file_home"/'.ssh/authorized_keys'`);
    assert.equal(resolveAuthorizedKeysFile('f', 'core', '%h/.ssh/k%%').at(-1), `f="$f_home"'/.ssh/k''%'`);
    assert.match(resolveAuthorizedKeysFile('f', 'core', '/k/%U').join('\n'), /f_uid=\$\(id -u 'core'\)/);
    assert.throws(() => resolveAuthorizedKeysFile('f', 'core', '/k/%d'), { code: 'SSH_AUTHORIZED_KEYS_FILE' });
  });

  it('refuses user names that are not plain (no injection through a name, no dots for sudoers.d)', () => {
    for (const name of ['root; rm -rf /', 'a.b', 'Provision', '', '-x']) {
      assert.throws(() => createUserScript({ name, sudo: true }), { code: 'SSH_USER_INVALID' }, name);
      assert.throws(() => installKeyScript({ user: name, publicKey: NEW, authorizedKeysFile: '/k' }), { code: 'SSH_USER_INVALID' }, name);
    }
  });

  it('creates the user unlocked but without a password, and checks the sudoers file with visudo before it is used', () => {
    const script = createUserScript({ name: 'provision', sudo: true });
    assert.match(script, /useradd --create-home --shell "\$shell" --password '\*' 'provision'/);
    assert.match(script, /rule='provision ALL=\(ALL\) NOPASSWD:ALL'/);
    assert.match(script, /chmod 0440 "\$tmp"\n\s*visudo -cf "\$tmp" >\/dev\/null\n\s*mv -f -- "\$tmp" "\$f"/);
    assert.equal(sudoersFileFor('provision'), '/etc/sudoers.d/muster-provision');
    assert.doesNotMatch(createUserScript({ name: 'provision', sudo: false }), /sudoers/);
  });

  it('refuses to build a removal of the key it must keep', () => {
    assert.throws(() => removeKeyScript({ user: 'root', publicKey: NEW, authorizedKeysFile: '/k', keep: { user: 'root', publicKey: NEW, authorizedKeysFile: '/k' } }), {
      code: 'SSH_ROTATION_SAME_KEY',
    });
  });

  it('matches keys by their base64 blob, so a line with options or another comment counts', () => {
    assert.match(installKeyScript({ user: 'root', publicKey: NEW, authorizedKeysFile: '/k' }), new RegExp(`has_key '${blob(NEW).replace(/[+/]/g, '\\$&')}'`));
  });
});

// The scripts run here with the local sh against files in a temp dir, as they run on a member.
describe('remote step scripts (run with sh)', () => {
  let dir: string;
  const user = (process.env['USER'] ?? '') === '' || process.getuid?.() === 0 ? 'root' : process.env['USER']!;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'muster-remote-steps-'))));
  after(() => rm(dir, { recursive: true, force: true }));
  const sh = (script: string): Promise<{ code: number; stdout: string; stderr: string }> => runProgram('sh', ['-c', script]);

  it('install keeps every other line, adds a missing newline, is atomic and idempotent', async () => {
    const pattern = join(dir, 'a', '%u', 'authorized_keys');
    const file = join(dir, 'a', user, 'authorized_keys');
    await mkdir(join(dir, 'a', user), { recursive: true });
    const original = `# comment\ncommand="echo hi" ${OTHER}\n${BOOT}`;
    await writeFile(file, original, { mode: 0o644 });
    const script = installKeyScript({ user, publicKey: NEW, authorizedKeysFile: pattern });
    const first = await sh(script);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'installed');
    assert.equal(await readFile(file, 'utf8'), `${original}\n${NEW}\n`);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = await sh(script);
    assert.equal(again.stdout.trim(), 'present');
    assert.equal(await readFile(file, 'utf8'), `${original}\n${NEW}\n`);
    assert.deepEqual(await readdir(join(dir, 'a', user)), ['authorized_keys'], 'no temp file left behind');
  });

  it('install creates a missing directory 0700 and file', async () => {
    const script = installKeyScript({ user, publicKey: NEW, authorizedKeysFile: join(dir, 'b', '%u', '.ssh', 'authorized_keys') });
    const result = await sh(script);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(dir, 'b', user, '.ssh', 'authorized_keys'), 'utf8'), `${NEW}\n`);
    assert.equal((await stat(join(dir, 'b', user, '.ssh'))).mode & 0o777, 0o700);
  });

  it('removal drops only the bootstrap key lines (options and other comments too) and is idempotent', async () => {
    const pattern = join(dir, 'c', '%u');
    const file = join(dir, 'c', user);
    await mkdir(join(dir, 'c'));
    await writeFile(file, `${OTHER}\nfrom="10.0.0.0/8" ${BOOT.replace('bootstrap', 'renamed')}\n${BOOT}\n${NEW}\n`);
    const script = removeKeyScript({ user, publicKey: BOOT, authorizedKeysFile: pattern, keep: { user, publicKey: NEW, authorizedKeysFile: pattern } });
    const first = await sh(script);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'removed');
    assert.equal(await readFile(file, 'utf8'), `${OTHER}\n${NEW}\n`);
    assert.equal((await sh(script)).stdout.trim(), 'absent');
  });

  it('removal refuses, changing nothing, when the new key is not installed', async () => {
    const pattern = join(dir, 'd', '%u');
    const file = join(dir, 'd', user);
    await mkdir(join(dir, 'd'));
    const original = `${OTHER}\n${BOOT}\n`;
    await writeFile(file, original);
    const result = await sh(removeKeyScript({ user, publicKey: BOOT, authorizedKeysFile: pattern, keep: { user, publicKey: NEW, authorizedKeysFile: pattern } }));
    assert.equal(result.code, 4);
    assert.match(result.stderr, /refusing to remove the bootstrap key/);
    assert.equal(await readFile(file, 'utf8'), original);
  });

  it('a relative AuthorizedKeysFile resolves under the user\'s home from the passwd database', async () => {
    const home = (await runProgram('sh', ['-c', `getent passwd ${user} | cut -d: -f6`])).stdout.trim();
    const lines = resolveAuthorizedKeysFile('file', user, '.ssh/authorized_keys');
    const result = await sh([...lines, 'printf %s "$file"'].join('\n'));
    assert.equal(result.stdout, `${home}/.ssh/authorized_keys`);
  });
});
