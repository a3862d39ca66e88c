// Makes `npm test` and `npm run local` work on a fresh Debian machine with only Node.js and npm:
// installs the npm dependencies when node_modules is missing, and the Debian packages of the real
// servers muster drives (etcd, BIND 9, ...) when their programs are missing.
// Usage: node scripts/ensure-deps.mjs local|test|bench
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { onPath } from './on-path.mjs';

// The test vCenter (scripts/build-vcsim.sh) is built from govmomi's Go sources, not a program on PATH.
const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator';
// The test kube-apiserver (scripts/build-kube-apiserver.sh) is built from Debian's kubernetes source
// with Go and rsync, its vendored reflect2 replaced by Debian's sources of it.
const REFLECT2 = '/usr/share/gocode/src/github.com/modern-go/reflect2';

const NEEDS = {
  local: { etcd: 'etcd-server', etcdctl: 'etcd-client' },
  test: { etcd: 'etcd-server', etcdctl: 'etcd-client', named: 'bind9', dig: 'dnsutils', pebble: 'pebble', openssl: 'openssl', ip: 'iproute2', go: 'golang-go', [GOVMOMI]: 'golang-github-vmware-govmomi-dev', dockerd: 'docker.io', sshd: 'openssh-server', 'cloud-init': 'cloud-init', 'ignition-validate': 'ignition', 'avahi-daemon': 'avahi-daemon', 'avahi-browse': 'avahi-utils', 'dbus-daemon': 'dbus', rsync: 'rsync', [REFLECT2]: 'golang-github-modern-go-reflect2-dev' },
  bench: { etcd: 'etcd-server', etcdctl: 'etcd-client', named: 'bind9', dig: 'dnsutils', pebble: 'pebble', openssl: 'openssl', go: 'golang-go', [GOVMOMI]: 'golang-github-vmware-govmomi-dev', dockerd: 'docker.io', sshd: 'openssh-server', ip: 'iproute2' },
};

const purpose = process.argv[2] ?? 'test';
const needs = NEEDS[purpose];
if (!needs) {
  console.error(`usage: ensure-deps.mjs ${Object.keys(NEEDS).join('|')}`);
  process.exit(64);
}

const missing = [...new Set(Object.entries(needs).filter(([program]) => !onPath(program)).map(([, pkg]) => pkg))];
if (missing.length > 0) {
  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ['sudo'];
  const hasApt = onPath('apt-get');
  if (!hasApt || (!root && !onPath('sudo'))) {
    console.error(`muster: missing Debian packages: ${missing.join(' ')}\nInstall them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(72);
  }
  console.error(`muster: installing ${missing.join(' ')} (Debian packages) ...`);
  const run = (args) => {
    const result = spawnSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) process.exit(result.status ?? 1);
  };
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', ...missing]);
}

if (!existsSync('node_modules/.package-lock.json') || !existsSync('dist/main.js')) {
  console.error('muster: installing npm dependencies (npm ci) ...');
  execFileSync('npm', ['ci'], { stdio: 'inherit' });
}
