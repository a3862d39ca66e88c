import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import { readSandboxFile, writeSandboxFile, type SandboxFile } from '../platform/local/sandbox-file.js';
import { findEtcdBinary } from './etcd-binary.js';
import { viewCluster, type ClusterView } from './health.js';
import { sandboxLayout, type SandboxLayout } from './layout.js';
import { nodePid, startNode, stopNode } from './node-process.js';
import { renderNodeConfig, SANDBOX_ZONE_FILE, type SandboxSettings } from './node-config.js';

export interface SandboxOptions {
  dir: string;
  etcdBin?: string;
  ipPrefix?: string;
  clientPort?: number;
  peerPort?: number;
  /** How long to wait for the cluster to become healthy. */
  timeoutMs?: number;
  /** `up` only: etcd over TLS with a sandbox CA (the default), or plain http. */
  tls?: boolean;
}

const DEFAULTS = { ipPrefix: '127.0.1', clientPort: 2379, peerPort: 2380, timeoutMs: 180_000 };

/** A cluster view plus the files an operator's etcdctl needs for it (over TLS). */
export interface SandboxView extends ClusterView {
  etcdctlTls?: { cacert: string; cert: string; key: string };
}

type SandboxNode = SandboxFile['nodes'][number];

/** Ports come from the flags when a sandbox is made, and from its sandbox.json afterwards. */
function settingsOf(options: SandboxOptions, layout: SandboxLayout, sandbox?: { client_port: number; peer_port: number; tls: boolean }): SandboxSettings {
  return {
    dir: layout.dir,
    clientPort: sandbox?.client_port ?? options.clientPort ?? DEFAULTS.clientPort,
    peerPort: sandbox?.peer_port ?? options.peerPort ?? DEFAULTS.peerPort,
    timeout: '2m',
    caDir: (sandbox?.tls ?? options.tls ?? true) ? layout.caDir : undefined,
  };
}

function endpointsOf(nodes: readonly SandboxNode[], settings: SandboxSettings): { name: string; ip: string; clientUrl: string; peerUrl: string }[] {
  const scheme = settings.caDir === undefined ? 'http' : 'https';
  return nodes.map((node) => ({
    name: node.name,
    ip: node.ip,
    clientUrl: `${scheme}://${node.ip}:${settings.clientPort}`,
    peerUrl: `${scheme}://${node.ip}:${settings.peerPort}`,
  }));
}

/** The admin client certificate `up` issues: what `local status` and the user's etcdctl present. */
function adminFiles(caDir: string): { cacert: string; cert: string; key: string } {
  return { cacert: join(caDir, 'ca.pem'), cert: join(caDir, 'admin.pem'), key: join(caDir, 'admin-key.pem') };
}

async function viewSandbox(nodes: readonly SandboxNode[], settings: SandboxSettings): Promise<SandboxView> {
  if (settings.caDir === undefined) return viewCluster(endpointsOf(nodes, settings));
  const files = adminFiles(settings.caDir);
  const [ca, cert, key] = await Promise.all([readSandboxCaFile(files.cacert), readSandboxCaFile(files.cert), readSandboxCaFile(files.key)]);
  return { ...(await viewCluster(endpointsOf(nodes, settings), { ca, cert, key })), etcdctlTls: files };
}

async function readSandboxCaFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new MusterError(`the sandbox runs etcd over TLS, but ${path} cannot be read`, {
      code: 'SANDBOX_TLS_FILES',
      kind: 'config',
      hint: '`muster local down` and `muster local up` make a new sandbox with a new CA',
      cause: error,
    });
  }
}

/**
 * The sandbox CA; the admin client certificate (CN admin, for status checks and the user's
 * etcdctl) is issued while the nodes boot, as only the health checks after it need it.
 */
async function makeSandboxCa(caDir: string): Promise<{ admin: Promise<unknown> }> {
  const [{ initCa }, { issueFromCa }] = await Promise.all([import('../pki/ca-init.js'), import('../pki/ca-issue.js')]);
  await initCa({ dir: caDir, name: 'muster sandbox CA' });
  const admin = issueFromCa({ caDir, name: 'admin', outDir: caDir, usages: ['client'] });
  // Awaited with the nodes' boots; until then a failure must not count as unhandled.
  admin.catch(() => undefined);
  return { admin };
}

export async function sandboxUp(options: SandboxOptions & { nodes: number }): Promise<SandboxView> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) {
    throw new MusterError(`--nodes must be a whole number from 1 to 9, not ${options.nodes}`, { code: 'USAGE', kind: 'usage' });
  }
  const etcdBinary = findEtcdBinary(options.etcdBin);
  const layout = sandboxLayout(options.dir);
  const settings = settingsOf(options, layout);
  const existing = await readSandboxFile(layout.dir).catch(() => undefined);
  if (existing) {
    const view = await viewSandbox(existing.nodes, settingsOf(options, layout, existing)).catch(() => undefined);
    if (view === undefined || view.nodes.some((node) => node.state !== 'down')) {
      throw new MusterError(`a sandbox is already running in ${layout.dir}`, {
        code: 'SANDBOX_RUNNING',
        kind: 'usage',
        hint: '`muster local status` shows it; `muster local down` stops it',
      });
    }
    await rm(layout.dir, { recursive: true, force: true });
  }
  const prefix = options.ipPrefix ?? DEFAULTS.ipPrefix;
  const nodes = Array.from({ length: options.nodes }, (_, i) => ({ name: `node-${i + 1}`, ip: `${prefix}.${i + 1}`, index: i + 1 }));
  await mkdir(layout.dir, { recursive: true });
  const ca = settings.caDir === undefined ? undefined : await makeSandboxCa(settings.caDir);
  await writeSandboxFile(layout.dir, {
    version: 1,
    ip_prefix: prefix,
    next_index: options.nodes + 1,
    client_port: settings.clientPort,
    peer_port: settings.peerPort,
    tls: settings.caDir !== undefined,
    nodes,
  });
  await Promise.all([ca?.admin, ...nodes.map((node) => bootNode(layout, node, settings, etcdBinary))]);
  return waitHealthy(layout, options.timeoutMs ?? DEFAULTS.timeoutMs);
}

export async function sandboxStatus(options: SandboxOptions): Promise<SandboxView> {
  const layout = sandboxLayout(options.dir);
  const sandbox = await readSandboxFile(layout.dir);
  return viewSandbox(sandbox.nodes, settingsOf(options, layout, sandbox));
}

/**
 * `muster local replace NODE`: what an Auto Scaling group does to a failed instance. The node is
 * stopped and wiped, and a new node with a new name and address boots; muster on the new node
 * removes the stale member and joins as a learner.
 */
export interface ReplaceHooks {
  /**
   * Runs after the old node is gone and the sandbox lists its replacement, before the
   * replacement boots: e.g. the survivors' `muster etcd reconcile` (the benchmark's heal phases).
   */
  beforeBoot?: (survivors: readonly { name: string; config: string }[]) => Promise<void>;
}

export async function sandboxReplace(options: SandboxOptions & ReplaceHooks & { node: string }): Promise<{ replacement: string; view: SandboxView; phases: { goneMs: number; beforeBootMs: number; bootToHealthyMs: number } }> {
  const started = Date.now();
  const etcdBinary = findEtcdBinary(options.etcdBin);
  const layout = sandboxLayout(options.dir);
  const sandbox = await readSandboxFile(layout.dir);
  const settings = settingsOf(options, layout, sandbox);
  const old = sandbox.nodes.find((node) => node.name === options.node);
  if (!old) {
    throw new MusterError(`no node ${options.node} in the sandbox at ${layout.dir}`, {
      code: 'SANDBOX_NODE_UNKNOWN',
      kind: 'usage',
      hint: `nodes: ${sandbox.nodes.map((node) => node.name).join(', ')}`,
    });
  }
  await stopNode(layout, old.name);
  await rm(layout.nodeRoot(old.name), { recursive: true, force: true });
  const replacement = { name: `node-${sandbox.next_index}`, ip: `${sandbox.ip_prefix}.${sandbox.next_index}`, index: sandbox.next_index };
  await writeSandboxFile(layout.dir, {
    ...sandbox,
    next_index: sandbox.next_index + 1,
    nodes: [...sandbox.nodes.filter((node) => node !== old), replacement],
  });
  const gone = Date.now();
  const survivors = sandbox.nodes.filter((node) => node !== old).map((node) => ({ name: node.name, config: layout.nodeConfig(node.name) }));
  await options.beforeBoot?.(survivors);
  const booting = Date.now();
  await bootNode(layout, replacement, settings, etcdBinary);
  const view = await waitHealthy(layout, options.timeoutMs ?? DEFAULTS.timeoutMs);
  return { replacement: replacement.name, view, phases: { goneMs: gone - started, beforeBootMs: booting - gone, bootToHealthyMs: Date.now() - booting } };
}

/** `muster local add`: scale out by N nodes booting at the same moment, as an Auto Scaling group would. */
export async function sandboxAdd(options: SandboxOptions & { count: number }): Promise<{ added: string[]; view: SandboxView }> {
  const etcdBinary = findEtcdBinary(options.etcdBin);
  const layout = sandboxLayout(options.dir);
  const sandbox = await readSandboxFile(layout.dir);
  const settings = settingsOf(options, layout, sandbox);
  const added = Array.from({ length: options.count }, (_, i) => {
    const index = sandbox.next_index + i;
    return { name: `node-${index}`, ip: `${sandbox.ip_prefix}.${index}`, index };
  });
  await writeSandboxFile(layout.dir, { ...sandbox, next_index: sandbox.next_index + options.count, nodes: [...sandbox.nodes, ...added] });
  await Promise.all(added.map((node) => bootNode(layout, node, settings, etcdBinary)));
  return { added: added.map((node) => node.name), view: await waitHealthy(layout, options.timeoutMs ?? DEFAULTS.timeoutMs) };
}

/** `muster local down`: stops every node; removes the sandbox unless `keep`. */
export async function sandboxDown(options: SandboxOptions & { keep?: boolean }): Promise<string[]> {
  const layout = sandboxLayout(options.dir);
  const sandbox = await readSandboxFile(layout.dir);
  const stopped: string[] = [];
  await Promise.all(
    sandbox.nodes.map(async (node) => {
      if ((await nodePid(layout, node.name)) !== undefined) stopped.push(node.name);
      await stopNode(layout, node.name, { graceful: options.keep === true });
    }),
  );
  if (!options.keep) await rm(layout.dir, { recursive: true, force: true });
  return stopped.sort();
}

async function bootNode(layout: SandboxLayout, node: SandboxNode, settings: SandboxSettings, etcdBinary: string): Promise<void> {
  await prepareNode(layout, node.name, settings);
  await startNode(layout, node.name, etcdBinary);
}

/** A node's config and its link to the group's zone: everything it needs before it boots. */
export async function prepareNode(layout: SandboxLayout, name: string, settings: SandboxSettings): Promise<void> {
  await writeFileAtomic(layout.nodeConfig(name), renderNodeConfig(name, layout.nodeRoot(name), settings));
  // One zone for the whole group, as a real DNS server would hold it: every node's zone
  // directory is the sandbox's, so a node that boots later updates what the others wrote.
  const zoneDir = join(layout.nodeRoot(name), dirname(SANDBOX_ZONE_FILE));
  await mkdir(dirname(zoneDir), { recursive: true });
  await mkdir(layout.zoneDir, { recursive: true });
  await symlink(layout.zoneDir, zoneDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

async function waitHealthy(layout: SandboxLayout, timeoutMs: number): Promise<SandboxView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sandbox = await readSandboxFile(layout.dir);
    const view = await viewSandbox(sandbox.nodes, settingsOf({ dir: layout.dir }, layout, sandbox));
    if (view.healthy) return view;
    const dead = [];
    for (const node of sandbox.nodes) if ((await nodePid(layout, node.name)) === undefined) dead.push(node.name);
    if (dead.length > 0 || Date.now() > deadline) {
      throw new MusterError(
        dead.length > 0 ? `sandbox node${dead.length > 1 ? 's' : ''} ${dead.join(', ')} exited` : `the sandbox cluster was not healthy within ${Math.round(timeoutMs / 1000)}s`,
        {
          code: 'SANDBOX_UNHEALTHY',
          kind: 'unavailable',
          details: [...view.nodes.map((node) => `${node.name} ${node.ip}: ${node.state}`), ...(await lastErrors(layout, dead))],
          hint: `read the node logs: ${sandbox.nodes.map((node) => layout.nodeLog(node.name)).join(' ')}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The error lines a node's muster printed before it exited, so the user need not open the log. */
async function lastErrors(layout: SandboxLayout, names: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const name of names) {
    const log = await readFile(layout.nodeLog(name), 'utf8').catch(() => '');
    const errors = log.split('\n').filter((line) => line.startsWith('muster: ') || line.startsWith('hint: '));
    lines.push(...errors.slice(-2).map((line) => `${name}: ${line}`));
  }
  return lines;
}
