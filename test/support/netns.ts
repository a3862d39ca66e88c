import { spawn, type ChildProcess } from 'node:child_process';
import { runProgram } from '../../src/core/process.js';

export interface NetnsHost {
  /** The namespace's name, for `ip netns exec`. */
  namespace: string;
  /** Its interface (eth0) addresses. */
  ipv4: string;
  ipv6: string;
}

export interface NetnsLan {
  hosts: NetnsHost[];
  /** Runs a program inside a host's namespace (a child process the caller owns). */
  spawnIn: (host: NetnsHost, program: string, args: readonly string[], env?: NodeJS.ProcessEnv) => ChildProcess;
  /** Applies `tc qdisc … netem` to every host's eth0; false when the kernel has no netem. */
  packetLoss: (percent: number) => Promise<boolean>;
  remove: () => Promise<void>;
}

async function ip(args: readonly string[]): Promise<void> {
  const result = await runProgram('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
}

let lanCounter = 0;

export async function canMakeNamespaces(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const probe = `mprobe${process.pid % 10000}`;
  const made = await runProgram('ip', ['netns', 'add', probe]).catch(() => ({ code: 1, stdout: '', stderr: '' }));
  if (made.code !== 0) return false;
  await runProgram('ip', ['netns', 'del', probe]);
  return true;
}

/**
 * A LAN of network namespaces on this machine: one namespace holds a bridge, each "host" is a
 * namespace of its own joined to it by a veth pair (eth0 inside), with an IPv4 address, an IPv6
 * address (no duplicate address detection, so it is usable at once) and a route for multicast.
 * Real multicast flows between them and nowhere else. Names stay within IFNAMSIZ (15).
 */
export async function makeLan(count: number): Promise<NetnsLan> {
  lanCounter += 1;
  const tag = `${process.pid % 1000}${lanCounter}`;
  const bridgeNs = `mb${tag}`;
  const hosts: NetnsHost[] = [];
  const subnet = 10 + ((process.pid + lanCounter) % 200);
  await ip(['netns', 'add', bridgeNs]);
  try {
    // No multicast snooping: with no IGMP querier on this LAN, the bridge would stop forwarding
    // mDNS to a port whose host left the group and joined again (a restarted member).
    await ip(['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    await ip(['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    for (let index = 1; index <= count; index++) {
      const namespace = `mh${tag}x${index}`;
      const outside = `ve${tag}x${index}`;
      await ip(['netns', 'add', namespace]);
      await ip(['link', 'add', outside, 'netns', bridgeNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]);
      await ip(['-n', bridgeNs, 'link', 'set', outside, 'master', 'br0', 'up']);
      const ipv4 = `10.77.${subnet}.${index + 10}`;
      const ipv6 = `fd77:${subnet.toString(16)}::${(index + 10).toString(16)}`;
      await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      await ip(['-n', namespace, 'addr', 'add', `${ipv4}/24`, 'dev', 'eth0']);
      await ip(['-n', namespace, '-6', 'addr', 'add', `${ipv6}/64`, 'dev', 'eth0', 'nodad']);
      await ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', namespace, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      hosts.push({ namespace, ipv4, ipv6 });
    }
  } catch (error) {
    await removeAll(bridgeNs, hosts);
    throw error;
  }
  return {
    hosts,
    spawnIn: (host, program, args, env = {}) => spawn('ip', ['netns', 'exec', host.namespace, program, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }),
    packetLoss: async (percent) => {
      for (const host of hosts) {
        const result = await runProgram('ip', ['netns', 'exec', host.namespace, 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'loss', `${percent}%`]);
        if (result.code !== 0) return false;
      }
      return true;
    },
    remove: () => removeAll(bridgeNs, hosts),
  };
}

async function removeAll(bridgeNs: string, hosts: readonly NetnsHost[]): Promise<void> {
  // Deleting a namespace deletes the veth ends in it, and so their peers.
  for (const host of hosts) await runProgram('ip', ['netns', 'del', host.namespace]).catch(() => undefined);
  await runProgram('ip', ['netns', 'del', bridgeNs]).catch(() => undefined);
}
