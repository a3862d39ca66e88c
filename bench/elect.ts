import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../src/core/process.js';
import { canMakeNamespaces, makeLan, type NetnsHost, type NetnsLan } from '../test/support/netns.js';
import { startSshd, sshdUnavailable, type Sshd } from '../test/support/sshd.js';
import { median, percentile, type Row } from './stats.js';

const cli = process.env['MUSTER_CLI'] ?? fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ROUNDS = 5;

interface Member {
  started: number;
  /** When it printed that it knows the leader (agreed, or finished). */
  knows: Promise<number>;
  /** When its probing was over (its first "waiting" line): start-up and RFC 6762 probing done. */
  probed: Promise<number>;
  exit: Promise<number>;
}

function member(host: NetnsHost, args: readonly string[]): Member {
  const started = Date.now();
  const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, cli, 'elect', '-i', 'eth0', '--log-level', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let probedAt: ((at: number) => void) | undefined;
  const probed = new Promise<number>((resolve) => (probedAt = resolve));
  const knows = new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/elect: (waiting|agreed on)/.test(stderr)) probedAt?.(Date.now());
      if (/elect: (agreed on|.* finished the action)/.test(stderr)) resolve(Date.now());
    });
    child.on('close', (code) => reject(new Error(`elect ${args.join(' ')} exited ${code} before knowing the leader:\n${stderr}`)));
  });
  knows.catch(() => undefined);
  const exit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  return { started, knows, probed, exit };
}

/**
 * `muster elect` between network namespaces on one bridge (real multicast): the time from the
 * last member's start to every member knowing the leader, for 3, 5 and 9 members, against the
 * RFC 6762 probing every member must do first (3 × 250 ms); the key
 * rotation of 5 members; and the mDNS packets a lingering leader sends per minute once done.
 */
export async function benchElect(): Promise<Row[]> {
  if (!(await canMakeNamespaces())) {
    console.log('(skipped: needs root and ip netns)');
    return [];
  }
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-elect-'));
  const secret = join(dir, 'secret');
  await writeFile(secret, 'YmVuY2gtZ3JvdXAtc2VjcmV0LWJlbmNoLWdyb3VwLXNlY3JldA==\n', { mode: 0o600 });
  const lan = await makeLan(9);
  const rows: Row[] = [];
  let run = 0;
  const settings = (index: number, extra: readonly string[]): string[] => ['--secret-file', secret, '--state-dir', join(dir, `s${run}-${index}`), '--name', `m${index}`, '--linger', '1s', ...extra];
  try {
    for (const count of [3, 5, 9]) {
      const samples: number[] = [];
      const untilProbed: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        run += 1;
        const members = lan.hosts.slice(0, count).map((host, index) => member(host, settings(index, ['--expect', String(count)])));
        const lastStart = Math.max(...members.map((entry) => entry.started));
        const known = await Promise.all(members.map((entry) => entry.knows));
        const probed = await Promise.all(members.map((entry) => entry.probed));
        await Promise.all(members.map((entry) => entry.exit));
        samples.push(Math.max(...known) - lastStart);
        untilProbed.push(Math.max(...probed) - lastStart);
      }
      // The split: every member's start-up (all of them share this machine's cores, as real hosts
      // do not) and probing, then the announcements that make them agree.
      const probedMs = median(untilProbed);
      rows.push({
        what: `election, ${count} members started together: last start → every member knows the leader (median of ${ROUNDS}; p90 ${percentile(samples, 90).toFixed(0)} ms; of which start-up and probing until the last member's probing was over ${probedMs.toFixed(0)} ms, ${(probedMs - 750).toFixed(0)} ms of it ${count} processes starting on ${availableParallelism()} cores)`,
        subject: 'muster elect',
        // Exactly expect members that all announce the same set agree at once (the settle only
        // applies with more than expect), so what every member must wait for is its probing.
        baseline: 'RFC 6762 probing alone (3 × 250 ms)',
        subjectValue: median(samples),
        baselineValue: 750,
        unit: 'ms',
        target: '≤ 1.5 s',
      });
    }
    run += 1; // fresh state dirs: a done record would end the election before it starts
    rows.push(await packetsOnceDone(lan, settings));
    run += 1;
    const rotation = await rotationTime(lan, dir, settings);
    if (rotation !== undefined) rows.push(rotation);
  } finally {
    await lan.remove();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Packets a leader sends per minute while it lingers after done, counted by a listener in another member's namespace. */
async function packetsOnceDone(lan: NetnsLan, settings: (index: number, extra: readonly string[]) => string[]): Promise<Row> {
  const [leaderHost, listenerHost] = lan.hosts as [NetnsHost, NetnsHost];
  const windowMs = 20_000;
  const members = lan.hosts.slice(0, 3).map((host, index) => member(host, settings(index, ['--expect', '3', '--linger', `${windowMs / 1000 + 4}s`])));
  await Promise.all(members.map((entry) => entry.knows));
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the followers have exited; the leader lingers
  // A listener inside the listener host's namespace: a child process, since sockets join the namespace of their process.
  const counter = spawn('ip', ['netns', 'exec', listenerHost.namespace, process.execPath, '--import', 'tsx', fileURLToPath(new URL('./mdns-count.ts', import.meta.url)), listenerHost.ipv4, leaderHost.ipv4, String(windowMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  counter.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => counter.on('exit', resolve));
  await Promise.all(members.map((entry) => entry.exit));
  const packets = Number(out.trim());
  return { what: `mDNS packets a lingering leader sends per minute once done (counted for ${windowMs / 1000} s)`, subject: 'leader', baseline: 'one a second', subjectValue: (packets * 60_000) / windowMs, baselineValue: 60, unit: 'packets' };
}

/** The leader rotates the bootstrap SSH key on 5 members (real sshd in each namespace); time from agreement to done. */
async function rotationTime(lan: NetnsLan, dir: string, settings: (index: number, extra: readonly string[]) => string[]): Promise<Row | undefined> {
  if ((await sshdUnavailable()) !== undefined) return undefined;
  const bootstrap = join(dir, 'bootstrap');
  await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bootstrap', '-f', bootstrap]);
  const shared = join(dir, 'keys');
  await mkdir(shared);
  const publicLine = await readFile(`${bootstrap}.pub`, 'utf8');
  const hosts = lan.hosts.slice(0, 5);
  const sshds: Sshd[] = await Promise.all(hosts.map((host) => startSshd({ address: host.ipv4, namespace: host.namespace, sharedKeysDir: shared, authorizedKeys: { root: publicLine } })));
  try {
    const timed: number[] = [];
    const members = hosts.map((host, index) => {
      const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, cli, 'elect', '-i', 'eth0', '--log-level', 'error', ...settings(index, ['--expect', '5', '--bootstrap-key', bootstrap, '--host-key-file', join(sshds[index]?.dir ?? '', 'ssh_host_ed25519_key.pub'), '--authorized-keys-file', `${shared}/%u/authorized_keys`, '--ssh-key-dir', join(dir, 'newkey')])], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/rotating SSH keys on/.test(chunk.toString())) timed.push(Date.now());
        if (/SSH keys rotated/.test(chunk.toString())) timed.push(Date.now());
      });
      return new Promise<string>((resolve) => child.on('close', () => resolve(stderr)));
    });
    const outputs = await Promise.all(members);
    const [start, end] = timed;
    if (start === undefined || end === undefined) throw new Error(`no rotation seen:\n${outputs.join('\n---\n')}`);
    return { what: 'SSH key rotation of 5 members by the leader (one at a time, each proven)', subject: 'rotation', baseline: 'one ssh login per member', subjectValue: end - start, baselineValue: await loginTime(sshds[0] as Sshd, join(dir, 'newkey', 'id_ed25519'), 5), unit: 'ms' };
  } finally {
    await Promise.all(sshds.map((sshd) => sshd.stop()));
  }
}

/** `count` logins with OpenSSH's own client, one after another (the cheapest rotation could not do fewer). */
async function loginTime(sshd: Sshd, key: string, count: number): Promise<number> {
  const start = Date.now();
  for (let i = 0; i < count; i++) await sshd.ssh('root', key, 'true');
  return Date.now() - start;
}
