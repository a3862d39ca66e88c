import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../src/core/process.js';
import { canMakeNamespaces, makeLan, type NetnsHost, type NetnsLan } from '../support/netns.js';
import { startSshd, sshdUnavailable, type Sshd } from '../support/sshd.js';

const CLI = process.env['MUSTER_CLI'] ?? resolve('dist/main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number>;
}

const running = new Set<ChildProcess>();

/** `muster elect` in a host's namespace, as its own process group (so a kill takes its action with it, as systemd's would). */
function elect(host: NetnsHost, args: readonly string[]): Run {
  const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, CLI, 'elect', '-i', 'eth0', '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  running.add(child);
  const exit = new Promise<number>((resolveExit) =>
    // 'close', not 'exit': the output is complete only once the pipes are closed.
    child.on('close', (code, signal) => {
      running.delete(child);
      resolveExit(code ?? (signal === 'SIGKILL' ? 137 : 1));
    }),
  );
  return { child, output: () => output, exit };
}

const sleep = (ms: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

describe('muster elect over real multicast between network namespaces', { concurrency: false, skip: (await canMakeNamespaces()) ? false : 'needs root and ip netns (network namespaces)' }, () => {
  let dir: string;
  let lan: NetnsLan;
  let secret: string;
  let run = 0;
  /** Where each test's actions append a line: `<leader> <ips…>`. */
  let log: string;
  const action = (): string => `/bin/sh -c 'echo "$MUSTER_LEADER $*" >> ${log}' action`;
  const settings = (host: number, extra: readonly string[] = []): string[] => ['--secret-file', secret, '--state-dir', join(dir, `state-${run}-${host}`), '--name', `m${host}`, '--linger', '3s', '--timeout', '30s', ...extra];
  const lines = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-elect-'));
    secret = join(dir, 'secret');
    await writeFile(secret, 'c2hhcmVkLWdyb3VwLXNlY3JldC1mb3ItdGhlLXRlc3Rz\n', { mode: 0o600 });
    lan = await makeLan(7);
  });
  after(async () => {
    // A failed test may leave members waiting: their process groups go first.
    for (const child of running) if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    await lan.remove();
    await rm(dir, { recursive: true, force: true });
  });
  const fresh = (): void => {
    run += 1;
    log = join(dir, `actions-${run}.log`);
  };

  for (const count of [1, 3, 5]) {
    it(`${count} member${count === 1 ? '' : 's'} booted at once: one leader, the lowest address, runs the action once with every member's IP`, async () => {
      fresh();
      const hosts = lan.hosts.slice(0, count);
      const started = Date.now();
      const runs = hosts.map((host, index) => elect(host, [...settings(index, ['--expect', String(count), '--action', action()])]));
      const codes = await Promise.all(runs.map((member) => member.exit));
      assert.deepEqual(codes, hosts.map(() => 0), runs.map((member) => member.output()).join('\n---\n'));
      assert.deepEqual(await lines(), [`m0 ${hosts.map((host) => host.ipv4).join(' ')}`]);
      for (const member of runs.slice(1)) assert.match(member.output(), /followed the election of \d+ members: leader m0, action exit 0/);
      assert.ok(Date.now() - started < 15_000);
    });
  }

  it('seven masters for expect 5, started over 10 s: more than expect is fine, the action runs once, no one starts a second election', async () => {
    fresh();
    const runs: Run[] = [];
    for (const [index, host] of lan.hosts.entries()) {
      runs.push(elect(host, settings(index, ['--expect', '5', '--action', action(), '--linger', '8s'])));
      if (index < lan.hosts.length - 1) await sleep(1600);
    }
    const codes = await Promise.all(runs.map((member) => member.exit));
    assert.deepEqual(codes, runs.map(() => 0), runs.map((member) => member.output()).join('\n---\n'));
    const actions = await lines();
    assert.equal(actions.length, 1, actions.join('\n'));
    const ips = (actions[0] ?? '').split(' ').slice(1);
    assert.ok(ips.length >= 5, actions[0]);
    const late = runs.filter((member) => /came late to the election/.test(member.output()));
    assert.equal(late.length, 7 - ips.length, 'every member not in the membership learned the election was over');
  });

  it('an intruder without the secret is ignored (and logged), and cannot join; it times out naming who it saw', async () => {
    fresh();
    const intruderSecret = join(dir, 'intruder-secret');
    await writeFile(intruderSecret, 'bm90LXRoZS1ncm91cHMtc2VjcmV0LWF0LWFsbC1yZWFsbHk=\n', { mode: 0o600 });
    const intruder = elect(lan.hosts[0] as NetnsHost, [...settings(0, ['--expect', '3', '--timeout', '6s']), '--secret-file', intruderSecret, '--priority', '0']);
    const members = lan.hosts.slice(1, 4).map((host, index) => elect(host, settings(index + 1, ['--expect', '3', '--action', action()])));
    assert.deepEqual(await Promise.all(members.map((member) => member.exit)), [0, 0, 0]);
    assert.deepEqual(await lines(), [`m1 ${lan.hosts.slice(1, 4).map((host) => host.ipv4).join(' ')}`]);
    assert.match(members[0]?.output() ?? '', /ignoring an mDNS announcement that is not signed with this group's secret/);
    assert.equal(await intruder.exit, 69);
    assert.match(intruder.output(), /no agreement within 6 s: 1 of 3 members seen; seen: m0/);
  });

  it('a forged goodbye (TTL 0, not signed) for a member is ignored and logged: the election still agrees', async () => {
    fresh();
    // An attacker on the link says goodbye for m1 every 100 ms; believed, it would keep m1 out
    // of everyone's view, and no agreement would ever settle.
    const flood = `const mdns = require('multicast-dns')({ interface: '${lan.hosts[3]?.ipv4 ?? ''}', bind: '0.0.0.0' });
      setInterval(() => mdns.respond({ answers: [{ name: 'm1._muster._udp.local', type: 'TXT', ttl: 0, data: ['forged'] }] }), 100);`;
    const forger = lan.spawnIn(lan.hosts[3] as NetnsHost, process.execPath, ['-e', flood]);
    let forgerOutput = '';
    forger.stderr?.on('data', (chunk: Buffer) => (forgerOutput += chunk.toString()));
    running.add(forger);
    try {
      const runs = lan.hosts.slice(0, 3).map((host, index) => elect(host, settings(index, ['--expect', '3', '--action', action(), '--timeout', '15s'])));
      assert.deepEqual(await Promise.all(runs.map((member) => member.exit)), [0, 0, 0], runs.map((member) => member.output()).join('\n---\n'));
      assert.deepEqual(await lines(), [`m0 ${lan.hosts.slice(0, 3).map((host) => host.ipv4).join(' ')}`]);
      assert.equal(forger.exitCode, null, `the forger runs: ${forgerOutput}`);
      assert.match(runs[0]?.output() ?? '', /ignoring an mDNS goodbye that is not signed with this group's secret/, forgerOutput);
    } finally {
      forger.kill('SIGKILL');
      running.delete(forger);
    }
  });

  it('a member that expects another count stops the election with an error naming it', async () => {
    fresh();
    const runs = lan.hosts.slice(0, 3).map((host, index) => elect(host, settings(index, ['--expect', index === 2 ? '4' : '3', '--action', action(), '--timeout', '10s'])));
    const codes = await Promise.all(runs.map((member) => member.exit));
    // Every member stops on the error (exit 2), also one whose conflicting peers stopped first.
    const output = runs.map((member) => member.output()).join('\n---\n');
    assert.deepEqual(codes, [2, 2, 2], output);
    for (const member of runs.slice(0, 2)) assert.match(member.output(), /members expect another count than this one's 3: m2 \(10\.77\.\d+\.13\) expects 4/);
    assert.match(runs[2]?.output() ?? '', /members expect another count than this one's 4: m[01] \(10\.77\.\d+\.1[12]\) expects 3/);
    assert.deepEqual(await lines(), []);
  });

  it('a conflict stands once seen: members still stop on it (naming the member) when that member says goodbye first', async () => {
    fresh();
    // The race the full conflict test runs into at random: the member that expects another
    // count stops (goodbye) before the others' two announce intervals are over. Here it is
    // stopped on purpose, 300 ms after its first announcement.
    const runs = lan.hosts.slice(0, 2).map((host, index) => elect(host, settings(index, ['--expect', '3', '--action', action(), '--timeout', '8s'])));
    while (!runs.every((member) => /elect: waiting/.test(member.output()))) await sleep(50);
    const odd = elect(lan.hosts[2] as NetnsHost, settings(2, ['--expect', '4', '--timeout', '8s']));
    while (!/elect: waiting/.test(odd.output())) await sleep(20);
    await sleep(300);
    odd.child.kill('SIGTERM');
    assert.equal(await odd.exit, 143, odd.output());
    const codes = await Promise.all(runs.map((member) => member.exit));
    const output = runs.map((member) => member.output()).join('\n---\n');
    assert.deepEqual(codes, [2, 2], output);
    for (const member of runs) assert.match(member.output(), /members expect another count than this one's 3: m2 \(10\.77\.\d+\.13\) expects 4/);
    assert.deepEqual(await lines(), []);
  });

  it('a leader killed during the action runs it again when it restarts (once); a reboot after done runs nothing', async () => {
    fresh();
    const slow = `/bin/sh -c 'echo start >> ${log}; sleep 2; echo end >> ${log}' action`;
    const hosts = lan.hosts.slice(0, 3);
    const runs = hosts.map((host, index) => elect(host, settings(index, ['--expect', '3', '--action', slow])));
    while (!(await lines()).includes('start')) await sleep(100);
    process.kill(-(runs[0]?.child.pid ?? 0), 'SIGKILL');
    assert.equal(await runs[0]?.exit, 137);
    assert.deepEqual(await lines(), ['start']);
    const restarted = elect(hosts[0] as NetnsHost, settings(0, ['--expect', '3', '--action', slow]));
    assert.deepEqual(await Promise.all([restarted.exit, runs[1]?.exit, runs[2]?.exit]), [0, 0, 0], restarted.output());
    assert.deepEqual(await lines(), ['start', 'start', 'end']);

    const rebooted = elect(hosts[0] as NetnsHost, settings(0, ['--expect', '3', '--action', slow, '--linger', '0s']));
    assert.equal(await rebooted.exit, 0);
    assert.match(rebooted.output(), /from the done record: nothing ran now/);
    const follower = elect(hosts[1] as NetnsHost, settings(1, ['--expect', '3', '--action', slow]));
    assert.equal(await follower.exit, 0);
    assert.deepEqual(await lines(), ['start', 'start', 'end']);
  });

  it('works over IPv6 only (ff02::fb)', async () => {
    fresh();
    const hosts = lan.hosts.slice(0, 3);
    const runs = hosts.map((host, index) => elect(host, settings(index, ['--expect', '3', '--family', 'ipv6', '--action', action()])));
    assert.deepEqual(await Promise.all(runs.map((member) => member.exit)), [0, 0, 0], runs.map((member) => member.output()).join('\n---\n'));
    const actions = await lines();
    assert.equal(actions.length, 1);
    assert.deepEqual((actions[0] ?? '').split(' ').slice(1).sort(), hosts.map((host) => host.ipv6).sort());
  });
  it('the leader rotates the bootstrap SSH key on every member (itself included), checking each host key against its announcement', async (t) => {
    const unavailable = await sshdUnavailable();
    if (unavailable !== undefined) return t.skip(unavailable);
    fresh();
    const { bootstrap, shared, sshds } = await sshPerHost(3);
    try {
      const newKeyDir = join(dir, `newkey-${run}`);
      const runs = lan.hosts.slice(0, 3).map((host, index) =>
        elect(host, settings(index, ['--expect', '3', '--bootstrap-key', bootstrap, '--host-key-file', join(sshds[index]?.dir ?? '', 'ssh_host_ed25519_key.pub'), '--authorized-keys-file', `${shared}/%u/authorized_keys`, '--ssh-key-dir', newKeyDir, '--action', `/bin/sh -c 'echo "$MUSTER_SSH_KEY" >> ${log}' action`])),
      );
      assert.deepEqual(await Promise.all(runs.map((member) => member.exit)), [0, 0, 0], runs.map((member) => member.output()).join('\n---\n'));
      const [newKey = ''] = await lines();
      assert.ok(newKey.startsWith(newKeyDir), newKey);
      for (const sshd of sshds) {
        assert.equal((await sshd.ssh('root', newKey)).code, 0, `the new key logs in on ${sshd.address}`);
        const refused = await sshd.ssh('root', bootstrap);
        assert.notEqual(refused.code, 0, `the bootstrap key is refused on ${sshd.address}`);
        assert.match(refused.stderr, /Permission denied/);
      }
    } finally {
      await Promise.all(sshds.map((sshd) => sshd.stop()));
    }
  });

  it('a member whose host key is not the one it announced is refused and named, and keeps its bootstrap key', async (t) => {
    const unavailable = await sshdUnavailable();
    if (unavailable !== undefined) return t.skip(unavailable);
    fresh();
    const { bootstrap, shared, sshds } = await sshPerHost(3);
    try {
      // m2 announces m0's host key: whatever answers at m2's address is not what m2 vouched for.
      const announced = [0, 1, 0].map((index) => join(sshds[index]?.dir ?? '', 'ssh_host_ed25519_key.pub'));
      const runs = lan.hosts.slice(0, 3).map((host, index) =>
        elect(host, settings(index, ['--expect', '3', '--bootstrap-key', bootstrap, '--host-key-file', announced[index] ?? '', '--authorized-keys-file', `${shared}/%u/authorized_keys`, '--ssh-key-dir', join(dir, `newkey-${run}`), '--timeout', '8s'])),
      );
      const [leader, ...followers] = await Promise.all(runs.map((member) => member.exit));
      assert.equal(leader, 75, runs[0]?.output());
      assert.deepEqual(followers, [69, 69], 'the followers give up on a leader that never finishes, at elect.timeout');
      assert.match(runs[1]?.output() ?? '', /the agreed leader m0 has not finished within 8 s/);
      assert.match(runs[0]?.output() ?? '', /m2/);
      assert.match(runs[0]?.output() ?? '', /host key/i);
      assert.equal((await sshds[2]?.ssh('root', bootstrap))?.code, 0, 'm2 still takes the bootstrap key');
    } finally {
      await Promise.all(sshds.map((sshd) => sshd.stop()));
    }
  });

  it('agrees under 20 % packet loss on every host (tc netem)', async (t) => {
    if (!(await lan.packetLoss(20))) return t.skip('this kernel has no netem (sch_netem): `tc qdisc … netem loss 20%` fails, so loss cannot be simulated here');
    try {
      fresh();
      const runs = lan.hosts.slice(0, 5).map((host, index) => elect(host, settings(index, ['--expect', '5', '--action', action()])));
      assert.deepEqual(await Promise.all(runs.map((member) => member.exit)), [0, 0, 0, 0, 0], runs.map((member) => member.output()).join('\n---\n'));
      assert.equal((await lines()).length, 1);
    } finally {
      await lan.packetLoss(0);
    }
  });

  /** A bootstrap key pair, and an sshd in each of the first `count` hosts that takes it for root. */
  async function sshPerHost(count: number): Promise<{ bootstrap: string; shared: string; sshds: Sshd[] }> {
    const bootstrap = join(dir, `bootstrap-${run}`);
    const keygen = await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bootstrap', '-f', bootstrap]);
    assert.equal(keygen.code, 0, keygen.stderr);
    const shared = join(dir, `keys-${run}`);
    await mkdir(shared);
    const publicLine = await readFile(`${bootstrap}.pub`, 'utf8');
    const sshds = await Promise.all(lan.hosts.slice(0, count).map((host) => startSshd({ address: host.ipv4, namespace: host.namespace, sharedKeysDir: shared, authorizedKeys: { root: publicLine } })));
    return { bootstrap, shared, sshds };
  }
});
