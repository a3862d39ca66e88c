import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { musterInvocation } from '../src/local/muster-command.js';
import { viewCluster } from '../src/local/health.js';
import { sandboxLayout } from '../src/local/layout.js';
import { nodePid } from '../src/local/node-process.js';
import { sandboxDown, sandboxReplace, sandboxUp } from '../src/local/sandbox.js';
import { startStaticEtcd } from '../test/support/etcd-process.js';
import { makeStaticEtcdPki } from '../test/support/static-etcd-pki.js';
import { clusterHealthy, waitFor } from '../test/support/etcdctl.js';
import { loopbackPrefix } from '../test/support/loopback.js';
import { cpuMs, logTime } from './proc-stats.js';
import { median, percentile, type Row } from './stats.js';

// etcd elections take 0.25-2.6 s at random (PEERS.md), so medians need several rounds, and a
// p90 more (a p90 of 7 is the largest sample): formation takes 15.
const ROUNDS = 7;
const FORMATION_ROUNDS = 15;
// etcd's health interval: it refuses membership changes until every voter has been connected this long.
const ETCD_RECONFIGURATION_WAIT_MS = 5000;

/**
 * Start → `etcdctl endpoint health --cluster` healthy, for a hand-written static cluster. Health
 * is detected exactly as `muster local up` detects it (every member a started voter with a
 * leader, polled every 100 ms), then confirmed once with etcdctl, so both sides are timed alike.
 */
async function timeStatic(size: number, tls = false): Promise<number> {
  const prefix = loopbackPrefix();
  // With TLS, the certificates are made first and not timed: an operator's files, ready at boot.
  const pkiDir = tls ? await mkdtemp(join(tmpdir(), 'muster-bench-static-pki-')) : undefined;
  const pki = pkiDir === undefined ? undefined : await makeStaticEtcdPki(pkiDir, Array.from({ length: size }, (_, i) => `${prefix}.${i + 1}`));
  const start = Date.now();
  const cluster = await startStaticEtcd({ prefix, size, ...(pki ? { tls: pki } : {}) });
  try {
    const first = pki?.members.get(`${prefix}.1`);
    const material = pki && first ? { ca: await readFile(pki.caFile), cert: await readFile(first.certFile), key: await readFile(first.keyFile) } : undefined;
    const etcdctlTls = pki && first ? { cacert: pki.caFile, cert: first.certFile, key: first.keyFile } : undefined;
    await waitFor('static cluster healthy', async () => (await viewCluster(cluster.members, material)).healthy, 60_000);
    await waitFor('static cluster healthy', () => clusterHealthy(cluster.endpoints, etcdctlTls), 60_000);
    return Date.now() - start;
  } finally {
    await cluster.stop();
    if (pkiDir !== undefined) await rm(pkiDir, { recursive: true, force: true });
  }
}

/**
 * The same, with every node formed by muster (`muster local up`: muster boot --exec-etcd per
 * node). With `tls`, the time includes what TLS adds: the sandbox CA, each node's key and
 * certificate, and TLS on every peer and client connection. Also the CPU time each node's muster
 * process (etcd not counted) used until the cluster was healthy: on a 2-core machine the nodes
 * share the cores, so what TLS adds to each node's CPU adds ~size/2 times over to formation.
 */
async function timeMuster(size: number, tls: boolean): Promise<{ ms: number; cpuPerNodeMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-'));
  const prefix = loopbackPrefix();
  const start = Date.now();
  try {
    const view = await sandboxUp({ dir, ipPrefix: prefix, nodes: size, tls });
    const endpoints = view.nodes.map((node) => node.client_url).join(',');
    await waitFor('muster cluster healthy', () => clusterHealthy(endpoints, view.etcdctlTls), 60_000);
    const ms = Date.now() - start;
    const layout = sandboxLayout(dir);
    const cpu = await Promise.all(view.nodes.map(async (node) => cpuMs(await nodePid(layout, node.name))));
    return { ms, cpuPerNodeMs: median(cpu) };
  } finally {
    await sandboxDown({ dir });
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * (a) formation time, muster-driven vs static (both plain http, as the static baseline is),
 * interleaved so both see the same machine load; and muster with TLS on vs off.
 */
export async function benchFormation(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of [3, 5]) {
    const musterTimes: number[] = [];
    const staticTimes: number[] = [];
    const tlsTimes: number[] = [];
    const staticTlsTimes: number[] = [];
    const plainCpu: number[] = [];
    const tlsCpu: number[] = [];
    for (let round = 0; round < FORMATION_ROUNDS; round++) {
      staticTimes.push(await timeStatic(size));
      const plain = await timeMuster(size, false);
      musterTimes.push(plain.ms);
      plainCpu.push(plain.cpuPerNodeMs);
      const secure = await timeMuster(size, true);
      tlsTimes.push(secure.ms);
      tlsCpu.push(secure.cpuPerNodeMs);
      staticTlsTimes.push(await timeStatic(size, true));
    }
    // Distributions, not one median: etcd's elections make single runs swing by seconds.
    for (const p of [50, 90]) {
      rows.push({
        what: `${size} members: start → endpoint health --cluster healthy, p${p} of ${FORMATION_ROUNDS}`,
        subject: 'muster',
        baseline: 'static config',
        subjectValue: percentile(musterTimes, p),
        baselineValue: percentile(staticTimes, p),
        unit: 'ms',
        target: '≤ 1.2×',
      });
    }
    for (const p of [50, 90]) {
      rows.push({
        what: `${size} members over TLS (sandbox CA, node certificates, client-cert auth) vs plain http, both formed by muster, p${p} of ${FORMATION_ROUNDS}`,
        subject: 'TLS on',
        baseline: 'TLS off',
        subjectValue: percentile(tlsTimes, p),
        baselineValue: percentile(musterTimes, p),
        unit: 'ms',
        target: '≤ 1.2×',
      });
    }
    rows.push({
      what: `  muster's CPU per node over TLS vs plain: user+system of a node's muster process until healthy, median node, median of ${FORMATION_ROUNDS}; ${size} nodes share this machine's ${availableParallelism()} cores`,
      subject: 'TLS on',
      baseline: 'TLS off',
      subjectValue: median(tlsCpu),
      baselineValue: median(plainCpu),
      unit: 'ms',
    });
    // What TLS costs etcd itself, with no muster: the part of the row above muster cannot remove.
    for (const p of [50, 90]) {
      rows.push({
        what: `  etcd's own TLS cost: ${size} static members over TLS (openssl certificates made beforehand, client-cert auth) vs static over plain http, p${p} of ${FORMATION_ROUNDS}`,
        subject: 'static TLS',
        baseline: 'static plain',
        subjectValue: percentile(staticTlsTimes, p),
        baselineValue: percentile(staticTimes, p),
        unit: 'ms',
      });
    }
  }
  return rows;
}

/** The survivors' reconcile, as their timer runs it, with a 1 s etcd.stale_after: until the old member is gone. */
async function reconcileUntilRemoved(survivors: readonly { name: string; config: string }[]): Promise<void> {
  const { command, args } = musterInvocation();
  const [first] = survivors;
  if (!first) return;
  for (let run = 0; run < 40; run++) {
    const result = spawnSync(command, [...args, '--config', first.config, 'etcd', 'reconcile', '--json'], { env: { ...process.env, MUSTER_ETCD__STALE_AFTER: '1s', MUSTER_LOG_LEVEL: 'error' }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`muster etcd reconcile failed: ${result.stderr}`);
    // On a cloud the replacement boots a minute or more after the survivors removed the old
    // member; etcd refuses membership changes for a few seconds after one, which that minute
    // covers: wait them out here rather than charge them to the replacement's boot.
    if ((JSON.parse(result.stdout) as { removed?: unknown }).removed !== undefined) return new Promise((resolve) => setTimeout(resolve, ETCD_RECONFIGURATION_WAIT_MS));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the survivors never removed the old member');
}

/**
 * (b) A replacement, two ways: the replacement's boot removes the stale member itself (what a
 * node does with no reconcile timer), and the survivors' reconcile removes it first, so the
 * replacement's boot only adds itself. Each heal is split into its phases.
 */
export async function benchReplacement(): Promise<Row[]> {
  const times: number[] = [];
  const formTimes: number[] = [];
  const reconciled = { gone: [] as number[], removal: [] as number[], boot: [] as number[], added: [] as number[], started: [] as number[], promoted: [] as number[] };
  for (const survivorsReconcile of [false, true]) {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = await mkdtemp(join(tmpdir(), 'muster-bench-replace-'));
      try {
        const formStart = Date.now();
        await sandboxUp({ dir, ipPrefix: loopbackPrefix(), nodes: 3, tls: false });
        if (!survivorsReconcile) formTimes.push(Date.now() - formStart);
        const start = Date.now();
        const { phases, replacement } = await sandboxReplace({ dir, node: 'node-2', ...(survivorsReconcile ? { beforeBoot: reconcileUntilRemoved } : {}) });
        if (!survivorsReconcile) times.push(Date.now() - start);
        else {
          reconciled.gone.push(phases.goneMs);
          reconciled.removal.push(phases.beforeBootMs);
          reconciled.boot.push(phases.bootToHealthyMs);
          // The replacement's own boot, from its log: learner added, etcd started, promoted (caught up).
          const bootStart = start + phases.goneMs + phases.beforeBootMs;
          const log = await readFile(join(dir, replacement, 'var', 'log', 'muster-etcd.log'), 'utf8');
          const at = (message: string): number => logTime(log, message) - bootStart;
          reconciled.added.push(at('etcd: added as a learner'));
          reconciled.started.push(at('etcd started'));
          reconciled.promoted.push(at('promoted learner to voting member'));
        }
      } finally {
        await sandboxDown({ dir });
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  return [
    {
      what: `replacement: stop+wipe node-2, boot node-4 → healthy, all voters; the boot removes node-2 itself (median of ${ROUNDS})`,
      subject: 'replace',
      baseline: 'first formation',
      subjectValue: median(times),
      baselineValue: median(formTimes),
      unit: 'ms',
    },
    {
      what: `  the same after the survivors reconciled: node-4's boot → healthy voter (median of ${ROUNDS})`,
      subject: 'boot',
      baseline: 'first formation',
      subjectValue: median(reconciled.boot),
      baselineValue: median(formTimes),
      unit: 'ms',
      target: '≤ 2500 ms',
    },
    {
      what: `  node-4's boot, from its log (median ms after its start): learner added | etcd started | promoted once caught up | healthy`,
      subject: 'added',
      baseline: 'promoted',
      subjectValue: median(reconciled.added),
      baselineValue: median(reconciled.promoted),
      unit: 'ms',
      target: `started ${Math.round(median(reconciled.started))} ms, healthy ${Math.round(median(reconciled.boot))} ms`,
    },
    {
      what: `  its phases: node-2 stopped and wiped | survivors' reconcile until removed (etcd.stale_after 1s, runs every 250 ms), then 5 s before node-4 boots`,
      subject: 'stop',
      baseline: 'reconcile',
      subjectValue: median(reconciled.gone),
      baselineValue: median(reconciled.removal),
      unit: 'ms',
    },
  ];
}
