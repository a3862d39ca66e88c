// A three-"host" zeroinit election on this machine: three network namespaces on one bridge
// (real multicast), an OpenSSH server in each taking a bootstrap key, and `muster elect` in each
// with an action and the key rotation. Prints what each member printed, then proves the new
// key logs in everywhere and the bootstrap key is refused; removes everything it made.
//   npm ci && npm run build && sudo node --import tsx scripts/demo-elect.ts
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProgram } from '../src/core/process.js';
import { canMakeNamespaces, makeLan, type NetnsHost } from '../test/support/netns.js';
import { startSshd, sshdUnavailable, type Sshd } from '../test/support/sshd.js';

const cli = resolve('dist/main.js');
if (!existsSync(cli)) throw new Error('run `npm run build` first (dist/main.js is missing)');
if (!(await canMakeNamespaces())) throw new Error('needs root and `ip netns` (network namespaces): run it with sudo');
const noSshd = await sshdUnavailable();
if (noSshd !== undefined) throw new Error(noSshd);

const dir = await mkdtemp(join(tmpdir(), 'muster-demo-elect-'));
const lan = await makeLan(3);
let sshds: Sshd[] = [];
try {
  process.stderr.write(`three hosts: ${lan.hosts.map((host) => `${host.namespace} ${host.ipv4}`).join(', ')}\n`);
  const secret = join(dir, 'elect.secret');
  await writeFile(secret, `${(await runProgram('sh', ['-c', 'head -c 32 /dev/urandom | base64'])).stdout.trim()}\n`, { mode: 0o600 });
  const bootstrap = join(dir, 'bootstrap');
  await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bootstrap', '-f', bootstrap]);
  const keys = join(dir, 'keys');
  await mkdir(keys);
  const publicLine = await readFile(`${bootstrap}.pub`, 'utf8');
  sshds = await Promise.all(lan.hosts.map((host) => startSshd({ address: host.ipv4, namespace: host.namespace, sharedKeysDir: keys, authorizedKeys: { root: publicLine } })));
  process.stderr.write('an sshd on each host takes the bootstrap key for root; starting muster elect on all three…\n\n');

  const action = `/bin/sh -c 'echo "action on $MUSTER_LEADER ($MUSTER_LEADER_IP): members $*, new key $MUSTER_SSH_KEY"' action`;
  const members = lan.hosts.map((host: NetnsHost, index) => {
    const args = [cli, 'elect', '--interface', 'eth0', '--expect', '3', '--name', `master-${index + 1}`, '--secret-file', secret, '--state-dir', join(dir, `state-${index}`), '--linger', '2s', '--action', action, '--bootstrap-key', bootstrap, '--host-key-file', join(sshds[index]?.dir ?? '', 'ssh_host_ed25519_key.pub'), '--authorized-keys-file', `${keys}/%u/authorized_keys`, '--ssh-key-dir', join(dir, 'provision-key'), '--log-level', 'warn'];
    const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise<{ name: string; code: number; output: string }>((done) => child.on('close', (code) => done({ name: `master-${index + 1}`, code: code ?? 1, output })));
  });
  for (const member of await Promise.all(members)) {
    process.stdout.write(`== ${member.name} (exit ${member.code})\n${member.output.replace(/^/gm, '   ')}\n`);
  }
  const newKey = join(dir, 'provision-key', 'id_ed25519');
  for (const sshd of sshds) {
    const withNew = await sshd.ssh('root', newKey, 'echo "logged in on $(hostname -I)"');
    const withBootstrap = await sshd.ssh('root', bootstrap, 'true');
    process.stdout.write(`${sshd.address}: new key ${withNew.code === 0 ? 'logs in' : 'FAILS'}, bootstrap key ${withBootstrap.code === 0 ? 'STILL WORKS' : 'refused'}\n`);
  }
} finally {
  await Promise.all(sshds.map((sshd) => sshd.stop()));
  await lan.remove();
  await rm(dir, { recursive: true, force: true });
}
