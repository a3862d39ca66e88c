import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { runProgram } from '../core/process.js';
import { underRoot } from '../core/root-path.js';
import type { Discovery, Platform } from '../platform/types.js';
import { setAsideDataDir, inspectDataDir } from './data-dir.js';
import { decide, type Decision } from './decide.js';
import { etcdBootstrapVariables, etcdEnvironment, parseEnvFile, renderDropIn, renderEnvFile, type EtcdStart } from './env.js';
import { clusterToken, initialClusterFromMembers, sortInitialCluster, type InitialMember } from './initial-cluster.js';
import { planMembership, type PeerView } from './membership-plan.js';
import type { UnstartedLearner } from './unstarted-sightings.js';
import { probeAll, type ProbeOptions } from './probe.js';
import { isStarted, type Member, type ProbeResult, type SelfUrls } from './types.js';
import { etcdTlsFiles, loadEtcdTls, type EtcdTlsMaterial, type TlsMaterial } from './tls.js';
import { clientUrl, peerUrl } from './urls.js';

export interface FormOptions {
  config: Config;
  platform: Platform;
  logger: Logger;
  dryRun: boolean;
  /** What muster presents to etcd over https; read from pki's files when not given. */
  tls?: EtcdTlsMaterial;
}

export interface FormReport {
  decision: Decision;
  /** The membership steps taken (or, with --dry-run, planned). */
  membership: string[];
  /** What was written, set aside or reloaded. */
  changes: string[];
  environment: [string, string][];
  self: SelfUrls & { ip: string };
  /** True when this node was added as a learner and must be promoted after etcd starts. */
  needsPromotion: boolean;
}

/**
 * `muster etcd`: discover the peers, probe them, decide, apply membership changes, and write the
 * ETCD_* environment. Retries discovery and probes until `etcd.timeout`; a peer that never
 * answers fails the run rather than being taken for "no etcd there".
 */
export async function formEtcd(options: FormOptions): Promise<FormReport> {
  const { config, logger } = options;
  const deadline = Date.now() + config.etcd.timeout;
  const tls = options.tls ?? (await loadEtcdTls(config));
  const probe: ProbeOptions = { timeoutMs: config.etcd.probe_timeout, ...(tls.peer ? { tls: tls.peer } : {}) };
  const dataDir = underRoot(config.root, config.etcd.data_dir);

  const { decision, discovery, peers } = await observeAndDecide(options, deadline, probe, dataDir);
  const self = selfUrls(config, discovery);
  logger.info({ action: decision.action, reasons: decision.reasons }, 'etcd decision');

  const changes: string[] = [];
  let membership: string[] = [];
  let start: EtcdStart;
  let needsPromotion = false;
  const namesByPeerUrl = new Map(peers.map((peer) => [peer.peerUrl, peer.name]));

  switch (decision.action) {
    case 'create':
    case 'start-bootstrap':
      start = { state: decision.action === 'create' ? 'new' : decision.state, initialCluster: decision.initialCluster, token: decision.token };
      break;
    case 'restart': {
      // etcd ignores the initial-cluster settings once it has data; keeping those it was first
      // started with keeps the files stable, so a second run writes nothing.
      const initialCluster = decision.members.length > 0 ? initialClusterFromMembers(decision.members, self, namesByPeerUrl) : sortInitialCluster(peers);
      start = (await previousStart(config, self.name)) ?? { state: 'existing', initialCluster, token: clusterToken(initialCluster) };
      // A learner that was never promoted (muster stopped after etcd started, before the
      // promotion) stays one across restarts unless this run promotes it. With no peer answering
      // (a whole-cluster restart) that is not known yet: the promotion finds out once the voters
      // are back, and is a no-op for a voter.
      needsPromotion = decision.members.length === 0 || decision.members.some((member) => member.isLearner && member.peerURLs.includes(self.peerUrl));
      break;
    }
    case 'join': {
      let members: readonly Member[];
      if (options.dryRun) {
        const unstarted = await unstartedForDryRun(decision.members, self, tls.client, config);
        membership = [dryRunMembership(decision.members, self, peerView(config, discovery), decision.replaceOwn, config.etcd.unstarted_grace, unstarted)];
        members = [...decision.members.filter((member) => !member.peerURLs.includes(self.peerUrl)), { id: 'new', name: self.name, peerURLs: [self.peerUrl], clientURLs: [], isLearner: true }];
      } else {
        // Loaded only here: the etcd3 client (gRPC, protobuf) is a third of muster's start-up time.
        const { joinCluster } = await import('./join.js');
        const outcome = await joinCluster({
          clusterId: decision.clusterId,
          members: decision.members,
          self,
          discover: async () => peerView(config, await options.platform.discover()),
          replaceOwn: decision.replaceOwn,
          deadline,
          callTimeoutMs: Math.max(2000, config.etcd.probe_timeout),
          unstartedGraceMs: config.etcd.unstarted_grace,
          probe,
          logger,
          ...(tls.client ? { tls: tls.client } : {}),
        });
        membership = outcome.changes;
        members = outcome.members;
      }
      needsPromotion = true;
      const initialCluster = initialClusterFromMembers(members, self, namesByPeerUrl);
      start = { state: 'existing', initialCluster, token: `muster-${decision.clusterId}` };
      break;
    }
  }

  if (decision.dataDir === 'set-aside') {
    if (options.dryRun) changes.push(`would set aside ${dataDir}`);
    else changes.push(`set aside ${dataDir} as ${await setAsideDataDir(dataDir)}`);
  }
  const environment = etcdEnvironment(config.etcd, self, start, config.etcd.data_dir, etcdTlsFiles(config));
  changes.push(...(await writeOutputs(config, environment, options.dryRun, logger)));
  return { decision, membership, changes, environment, self, needsPromotion };
}

async function observeAndDecide(
  options: FormOptions,
  deadline: number,
  probe: ProbeOptions,
  dataDir: string,
): Promise<{ decision: Exclude<Decision, { action: 'wait' }>; discovery: Discovery; peers: InitialMember[] }> {
  const { config, logger } = options;
  let delay = 250;
  let lastReasons: string[];
  for (let attempt = 1; ; attempt++) {
    try {
      const discovery = await options.platform.discover();
      const peers = discovery.peers.map((peer) => ({ name: peer.name, peerUrl: peerUrl(config.etcd, peer.ip) }));
      const probes: ProbeResult[] = await probeAll(
        peers.map((peer) => ({ peer: peer.name, url: peer.peerUrl })),
        probe,
      );
      const decision = decide({
        self: selfUrls(config, discovery),
        peers,
        discoveryComplete: discovery.complete,
        ...(discovery.incompleteReason === undefined ? {} : { incompleteReason: discovery.incompleteReason }),
        probes,
        local: await inspectDataDir(dataDir),
      });
      if (decision.action !== 'wait') return { decision, discovery, peers };
      lastReasons = decision.reasons;
      logger.info({ attempt, reasons: decision.reasons }, 'etcd: not decided yet, retrying');
    } catch (error) {
      if (error instanceof MusterError && !error.retryable) throw error;
      lastReasons = [`discovery through the ${options.platform.type} platform failed: ${describeError(error)}`];
      logger.warn({ attempt, error: describeError(error) }, 'etcd: discovery failed, retrying');
    }
    if (Date.now() + delay >= deadline) {
      throw new MusterError(`etcd: no safe decision within ${Math.round(config.etcd.timeout / 1000)}s; nothing was written`, {
        code: 'ETCD_UNDECIDED',
        kind: 'unavailable',
        details: lastReasons,
        hint: 'a peer that does not answer may be running etcd: muster never takes it for "no cluster". Check that the peers named are reachable on their peer port, or raise etcd.timeout',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, 4000);
  }
}

/** The start settings of the env file this node was last started with, if it is this node's. */
async function previousStart(config: Config, name: string): Promise<EtcdStart | undefined> {
  if (config.etcd.env_file === null) return undefined;
  let variables: Record<string, string>;
  try {
    variables = parseEnvFile(await readFile(underRoot(config.root, config.etcd.env_file), 'utf8'));
  } catch {
    return undefined;
  }
  const state = variables['ETCD_INITIAL_CLUSTER_STATE'];
  const cluster = variables['ETCD_INITIAL_CLUSTER'];
  const token = variables['ETCD_INITIAL_CLUSTER_TOKEN'];
  if (variables['ETCD_NAME'] !== name || (state !== 'new' && state !== 'existing') || !cluster || !token) return undefined;
  const initialCluster = cluster.split(',').map((entry) => {
    const [memberName = '', ...url] = entry.split('=');
    return { name: memberName, peerUrl: url.join('=') };
  });
  return { state, initialCluster, token };
}

function selfUrls(config: Config, discovery: Discovery): SelfUrls & { ip: string } {
  return {
    name: discovery.self.name,
    ip: discovery.self.ip,
    peerUrl: peerUrl(config.etcd, discovery.self.ip),
    clientUrl: clientUrl(config.etcd, discovery.self.ip),
  };
}

/** The peers of a discovery, as the membership plan looks at them. */
function peerView(config: Config, discovery: Discovery): PeerView {
  const names = new Map(discovery.peers.map((peer) => [peerUrl(config.etcd, peer.ip), peer.name]));
  return {
    peerUrls: new Set(names.keys()),
    names,
    complete: discovery.complete,
    ...(discovery.incompleteReason === undefined ? {} : { incompleteReason: discovery.incompleteReason }),
  };
}

/**
 * The sightings of unstarted learners as the cluster records them, read (never written) for a dry
 * run, so that it says what a real join would do now. Only when there is such a learner: reading
 * them loads the etcd client. Unreadable: the dry run plans as if each were first seen now.
 */
async function unstartedForDryRun(members: readonly Member[], self: SelfUrls, tls: TlsMaterial | undefined, config: Config): Promise<Map<string, UnstartedLearner>> {
  if (!members.some((member) => member.isLearner && !isStarted(member))) return new Map();
  const endpoints = members.filter((member) => isStarted(member) && !member.isLearner).flatMap((member) => member.clientURLs);
  const [{ ClusterClient }, { planSightings, readSightings }] = await Promise.all([import('./cluster-client.js'), import('./unstarted-sightings.js')]);
  const client = new ClusterClient({ endpoints, callTimeoutMs: Math.max(2000, config.etcd.probe_timeout), ...(tls ? { tls } : {}) });
  try {
    return planSightings(members, await readSightings(client), self, Date.now()).unstarted;
  } catch {
    return new Map();
  } finally {
    client.close();
  }
}

/**
 * What a join would do, from the probed member list and the discovery taken before (no lock is
 * taken in a dry run, and no sighting of an unstarted learner is recorded).
 */
function dryRunMembership(members: readonly Member[], self: SelfUrls, discovery: PeerView, replaceOwn: boolean, unstartedGraceMs: number, unstarted: ReadonlyMap<string, UnstartedLearner>): string {
  const alive = new Set(members.filter((member) => member.clientURLs.length > 0).map((member) => member.id));
  const steps: string[] = [];
  let removalsLeft = 1;
  let own = replaceOwn;
  let current = [...members];
  for (let guard = 0; guard < 4; guard++) {
    const step = planMembership({ self, members: current, discovery, alive, replaceOwn: own, removalsLeft, unstarted, now: Date.now(), unstartedGraceMs });
    steps.push(step.reason);
    if (step.kind !== 'remove' && step.kind !== 'remove-unstarted') break;
    if (step.kind === 'remove') removalsLeft -= 1;
    own = false;
    current = current.filter((member) => member !== step.member);
  }
  return steps.join('; ');
}

async function writeOutputs(config: Config, environment: [string, string][], dryRun: boolean, logger: Logger): Promise<string[]> {
  const outputs: [string | null, string][] = [
    [config.etcd.env_file, renderEnvFile(config.etcd.env_style === 'etcd-bootstrap' ? etcdBootstrapVariables(environment) : environment)],
    [config.etcd.drop_in_file, renderDropIn(environment)],
  ];
  const changes: string[] = [];
  let dropInChanged = false;
  for (const [path, content] of outputs) {
    if (path === null) continue;
    const target = underRoot(config.root, path);
    if (dryRun) {
      if ((await readFile(target, 'utf8').catch(() => undefined)) !== content) changes.push(`would write ${target}`);
      continue;
    }
    if (await writeFileAtomic(target, content, { mode: 0o644 })) {
      changes.push(`wrote ${target}`);
      if (path === config.etcd.drop_in_file) dropInChanged = true;
    }
  }
  if (dropInChanged && config.root === '/' && existsSync('/run/systemd/system')) {
    const result = await runProgram('systemctl', ['daemon-reload']);
    if (result.code !== 0) logger.warn({ stderr: result.stderr.trim() }, 'systemctl daemon-reload failed; run it by hand');
    else changes.push('ran systemctl daemon-reload');
  }
  return changes;
}
