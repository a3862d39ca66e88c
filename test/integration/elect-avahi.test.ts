import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { canMakeNamespaces, makeLan, type NetnsLan } from '../support/netns.js';

const run = promisify(execFile);
const CLI = process.env['MUSTER_CLI'] ?? resolve('dist/main.js');
const PROGRAMS = ['/usr/sbin/avahi-daemon', '/usr/bin/avahi-browse', '/usr/bin/dbus-daemon'];

async function missingPrograms(): Promise<string | undefined> {
  for (const program of PROGRAMS) {
    if (!(await access(program, constants.X_OK).then(() => true, () => false))) return `${program} is not installed (apt-get install avahi-daemon avahi-utils dbus; .ci/run does)`;
  }
  return (await canMakeNamespaces()) ? undefined : 'needs root and ip netns (network namespaces)';
}

const skip = await missingPrograms();

describe('muster elect interoperates with avahi (a real DNS-SD browser)', { skip: skip ?? false, concurrency: false }, () => {
  let dir: string;
  let lan: NetnsLan;
  const children: ChildProcess[] = [];
  let bus: string;
  let avahiLog = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-avahi-'));
    // avahi-daemon drops to its own user, which must reach the bus socket in here.
    await chmod(dir, 0o755);
    lan = await makeLan(2);
    // avahi talks D-Bus: a private system bus (a unix socket, reachable from any namespace).
    bus = `unix:path=${join(dir, 'bus')}`;
    children.push(spawn('dbus-daemon', ['--config-file=/usr/share/dbus-1/system.conf', `--address=${bus}`, '--nofork', '--nopidfile'], { stdio: 'ignore' }));
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    // avahi ignores loopback: it runs in the first host's namespace, on its eth0 only.
    await writeFile(join(dir, 'avahi.conf'), '[server]\nallow-interfaces=eth0\nuse-ipv4=yes\nuse-ipv6=no\nenable-dbus=yes\n[publish]\npublish-workstation=no\npublish-hinfo=no\n');
    const avahi = spawn('ip', ['netns', 'exec', lan.hosts[0]?.namespace ?? '', 'avahi-daemon', '-f', join(dir, 'avahi.conf'), '--no-chroot', '--no-rlimits'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus } });
    avahi.stderr?.on('data', (chunk: Buffer) => (avahiLog += chunk.toString()));
    children.push(avahi);
  });
  after(async () => {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    await lan.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('avahi-browse resolves the member\'s _muster._udp instance, its address and its signed TXT', async () => {
    const secret = join(dir, 'secret');
    await writeFile(secret, 'YXZhaGktaW50ZXJvcC1zZWNyZXQtYXZhaGktaW50ZXJvcA==\n', { mode: 0o600 });
    const member = lan.hosts[1];
    assert.ok(member);
    // expect 2 with one member: it keeps announcing until its timeout, which the test cuts short.
    const elect = spawn('ip', ['netns', 'exec', member.namespace, process.execPath, CLI, 'elect', '-i', 'eth0', '--expect', '2', '--name', 'solo', '--role', 'master', '--secret-file', secret, '--state-dir', join(dir, 'state'), '--timeout', '60s'], { stdio: 'ignore' });
    children.push(elect);
    let resolved: string | undefined;
    let lastError = '';
    for (let attempt = 0; attempt < 30 && resolved === undefined; attempt++) {
      // Until avahi-daemon is up on the bus, avahi-browse fails with "Daemon not running".
      const browsed = await run('ip', ['netns', 'exec', lan.hosts[0]?.namespace ?? '', 'avahi-browse', '--resolve', '--parsable', '--terminate', '_muster._udp'], { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: bus }, encoding: 'utf8', timeout: 15_000 }).catch((error: { stderr?: string }) => {
        lastError = error.stderr ?? 'avahi-browse failed';
        return { stdout: '' };
      });
      resolved = browsed.stdout.split('\n').find((line) => line.startsWith('=;') && line.includes(';solo;'));
      if (resolved === undefined) await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    }
    elect.kill('SIGTERM');
    assert.ok(resolved, `avahi-browse resolved the instance (last error: ${lastError || 'none'}; avahi-daemon: ${avahiLog})`);
    // =;iface;proto;name;type;domain;host;address;port;txt
    const fields = resolved.split(';');
    assert.deepEqual(fields.slice(3, 8), ['solo', '_muster._udp', 'local', 'solo.local', member.ipv4]);
    const txt = fields.slice(9).join(';');
    for (const entry of ['"v=1"', '"g=muster"', '"n=2"', '"st=c"', '"r=master"', `"ip=${member.ipv4}"`]) assert.ok(txt.includes(entry), `${entry} in ${txt}`);
    assert.match(txt, /"sig=[A-Za-z0-9_-]{22}"/);
  });
});
