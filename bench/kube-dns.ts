import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseAllDocuments, stringify } from 'yaml';
import { CLASS, decodeMessage, encodeMessage } from '../src/dns/providers/rfc2136/message.js';
import { TYPE_CODES } from '../src/dns/providers/rfc2136/rdata.js';
import { startBind9, type Bind9 } from '../test/support/bind9.js';
import { waitFor } from '../test/support/etcdctl.js';
import { startKubeApiServer, type KubeApiServer } from '../test/support/kube-apiserver.js';
import { startKubeDns, type KubeDnsProcess } from '../test/support/kube-dns-process.js';
import { createNamespace, createNode, createPod, createService, kubeClients, setPodReady } from '../test/support/kube-objects.js';
import { freePort } from '../test/support/loopback.js';
import type { PollConfig, PollResult } from './kuberoute-poll.js';
import { cpuMs, hwmMiB, logTime, rssMiB } from './proc-stats.js';
import { median, percentile, type Row } from './stats.js';

/**
 * `muster kube-dns` under load, against kuberoute's way, on one real kube-apiserver 1.20 (watch
 * cache on, as real clusters run) and real BIND 9s (rfc2136): SERVICES NodePort Services, each
 * selecting its own PODS_PER_SERVICE Running, Ready pods spread over NODES Nodes, in NAMESPACES
 * namespaces. The numbers can be lowered for a quick try (MUSTER_BENCH_KUBE_SERVICES,
 * MUSTER_BENCH_KUBE_PODS_PER_SERVICE, MUSTER_BENCH_KUBE_WINDOW_S, MUSTER_BENCH_KUBE_SAMPLES).
 */
const SERVICES = Number(process.env['MUSTER_BENCH_KUBE_SERVICES'] ?? 2000);
const PODS_PER_SERVICE = Number(process.env['MUSTER_BENCH_KUBE_PODS_PER_SERVICE'] ?? 10);
const NODES = 200;
const NAMESPACES = 4;
/** Requests in flight while the objects are created. */
const CONCURRENCY = 32;
/** Samples of event → DNS (half pod unready, half ready again). */
const SAMPLES = Number(process.env['MUSTER_BENCH_KUBE_SAMPLES'] ?? 50);
/** The steady-state window: nothing changes. */
const WINDOW_MS = Number(process.env['MUSTER_BENCH_KUBE_WINDOW_S'] ?? 120) * 1000;
/** kuberoute's poll interval (something GETs / this often), for the per-hour figures. */
const POLL_INTERVAL_S = 60;
/** Polls of the baseline measured (the first writes into an empty zone, the others rewrite). */
const POLLS = 3;
const ZONE = 'kube.bench.muster.test.';
const DOMAIN = ZONE.slice(0, -1);

const namespaceOf = (s: number): string => `bench-${s % NAMESPACES}`;
const nodeName = (n: number): string => `node-${String(n).padStart(3, '0')}`;
const nodeIP = (n: number): string => `10.1.${Math.floor(n / 250)}.${(n % 250) + 1}`;
/** The nodes of a Service's pods: PODS_PER_SERVICE distinct ones (NODES / PODS_PER_SERVICE apart). */
const podNode = (s: number, p: number): number => (s + p * Math.floor(NODES / PODS_PER_SERVICE)) % NODES;
const serviceName = (s: number): string => `svc-${String(s).padStart(4, '0')}`;
const fqdn = (s: number): string => `${serviceName(s)}.${ZONE}`;

async function pool(count: number, concurrency: number, run: (index: number) => Promise<unknown>, progress?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await run(index);
      done += 1;
      progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The A values of a name, asked of BIND over UDP in-process (no dig spawned per poll). */
function queryA(port: number, name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const id = randomInt(0, 0x10000);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no DNS answer for ${name} within 2 s`));
    }, 2000);
    socket.on('message', (raw) => {
      const answer = decodeMessage(raw);
      if (answer.id !== id) return;
      clearTimeout(timer);
      socket.close();
      resolve(answer.answers.filter((rr) => rr.type === TYPE_CODES.A && rr.value !== undefined).map((rr) => rr.value ?? '').sort());
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.send(encodeMessage({ id, flags: 0, questions: [{ name, type: TYPE_CODES.A, class: CLASS.IN }], answers: [], authorities: [], additionals: [] }), port, '127.0.0.1');
  });
}

/** Polls until the name's A values are `expected`; resolves with the moment they were seen. */
async function untilValues(port: number, name: string, expected: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const values = (await queryA(port, name)).join();
    if (values === expected) return performance.now();
    if (performance.now() > deadline) throw new Error(`${name} still holds ${values || 'nothing'} after ${timeoutMs} ms, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const expectedValues = (s: number, without?: number): string =>
  Array.from({ length: PODS_PER_SERVICE }, (_, p) => p)
    .filter((p) => p !== without)
    .map((p) => nodeIP(podNode(s, p)))
    .sort()
    .join();

/** The poller (bench/kuberoute-poll.ts) bundled into one file, so it runs on plain node as muster's dist/ does (no tsx in its RSS). */
async function bundlePoller(dir: string): Promise<string> {
  const outfile = join(dir, 'kuberoute-poll.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./kuberoute-poll.ts', import.meta.url))],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
  });
  return outfile;
}

async function runPoller(script: string, config: PollConfig): Promise<{ polls: PollResult[]; peakRssMiB: number }> {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the kuberoute poller exited ${code ?? 'on a signal'}:\n${err.slice(-3000)}`);
  const lines = out.trim().split('\n').map((line) => JSON.parse(line) as PollResult | { peakRssMiB: number });
  return { polls: lines.filter((line): line is PollResult => 'poll' in line), peakRssMiB: lines.flatMap((line) => ('peakRssMiB' in line ? [line.peakRssMiB] : []))[0] ?? NaN };
}

/** The load: namespaces, Nodes, Services, then pods (created, then their status set), CONCURRENCY requests in flight. */
async function createLoad(server: KubeApiServer): Promise<{ ms: number; podsPerSecond: number }> {
  const { core } = kubeClients(server);
  const started = performance.now();
  for (let n = 0; n < NAMESPACES; n++) await createNamespace(core, `bench-${n}`);
  await pool(NODES, CONCURRENCY, (n) => createNode(core, nodeName(n), { internalIP: nodeIP(n) }));
  await pool(SERVICES, CONCURRENCY, (s) =>
    createService(core, namespaceOf(s), serviceName(s), { type: 'NodePort', labels: { kuberoute_domain: DOMAIN, kuberoute_name: serviceName(s) }, selector: { app: serviceName(s) } }),
  );
  const podsStarted = performance.now();
  const total = SERVICES * PODS_PER_SERVICE;
  await pool(
    total,
    CONCURRENCY,
    (i) => {
      const s = Math.floor(i / PODS_PER_SERVICE);
      const p = i % PODS_PER_SERVICE;
      const n = podNode(s, p);
      return createPod(core, namespaceOf(s), `${serviceName(s)}-${p}`, { labels: { app: serviceName(s) }, nodeName: nodeName(n), hostIP: nodeIP(n), phase: 'Running', ready: true });
    },
    (done) => {
      if (done % 2000 === 0) console.error(`# kube-dns bench: ${done}/${total} pods in ${((performance.now() - podsStarted) / 1000).toFixed(0)} s`);
    },
  );
  const ms = performance.now() - started;
  return { ms, podsPerSecond: total / ((performance.now() - podsStarted) / 1000) };
}

async function controllerConfig(dir: string, server: KubeApiServer, bind: Bind9): Promise<string> {
  const file = join(dir, 'kube-dns.yaml');
  await writeFile(
    file,
    stringify({
      // Defaults otherwise: debounce 500ms, resync_interval 60s, leader election on (a Lease in default).
      kube_dns: { kubernetes: { auth: 'kubeconfig', kubeconfig: server.kubeconfigPath }, namespaces: [], leader_election: { enabled: true, namespace: 'default' }, listen_address: '127.0.0.1' },
      dns: { owner_id: 'kd-bench', zones: [ZONE], provider: { type: 'rfc2136', server: bind.server, tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file } } },
    }),
  );
  return file;
}

interface Counters {
  list: number;
  watch: number;
  lease: number;
  writes: number;
  syncs: number;
  syncSeconds: number;
}

async function counters(kd: KubeDnsProcess): Promise<Counters> {
  const [list, watch, lease, writes, syncs, syncSeconds] = await Promise.all([
    kd.metric('muster_kube_dns_api_requests_total{kind="list"}'),
    kd.metric('muster_kube_dns_api_requests_total{kind="watch"}'),
    kd.metric('muster_kube_dns_api_requests_total{kind="lease"}'),
    kd.metric('muster_kube_dns_dns_write_calls_total'),
    kd.metric('muster_kube_dns_sync_duration_seconds_count'),
    kd.metric('muster_kube_dns_sync_duration_seconds_sum'),
  ]);
  return { list, watch, lease, writes, syncs, syncSeconds };
}

/** V8's heap and the external memory (Buffers) of the controller, from its /metrics. */
async function heapText(kd: KubeDnsProcess): Promise<string> {
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
  const [used, total, external] = await Promise.all([kd.metric('muster_kube_dns_nodejs_heap_size_used_bytes'), kd.metric('muster_kube_dns_nodejs_heap_size_total_bytes'), kd.metric('muster_kube_dns_nodejs_external_memory_bytes')]);
  return `V8 heap used ${mib(used)} of ${mib(total)} MiB, external ${mib(external)} MiB`;
}

const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/**
 * The NODE_OPTIONS the shipped Deployment gives the controller (contrib/kubernetes/deployment.yaml),
 * so the bench measures the memory the pod would use, not V8's defaults for this machine.
 */
async function deploymentNodeOptions(): Promise<string> {
  const text = await readFile(fileURLToPath(new URL('../contrib/kubernetes/deployment.yaml', import.meta.url)), 'utf8');
  interface Container { env?: { name: string; value?: string }[] }
  for (const document of parseAllDocuments(text)) {
    const manifest = document.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } } | null;
    if (manifest?.kind !== 'Deployment') continue;
    const value = manifest.spec?.template?.spec?.containers?.[0]?.env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value;
    if (value !== undefined) return value;
  }
  throw new Error('contrib/kubernetes/deployment.yaml sets no NODE_OPTIONS for the controller');
}

export async function benchKubeDns(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-kube-dns-'));
  let server: KubeApiServer | undefined;
  const binds: Bind9[] = [];
  let kd: KubeDnsProcess | undefined;
  try {
    // 2,000 Services need more ClusterIPs than the harness's /24 (the last --flag wins).
    server = await startKubeApiServer({ watchCache: true, extraArgs: ['--service-cluster-ip-range=10.96.0.0/20'] });
    const pollerScript = bundlePoller(dir);
    pollerScript.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const load = await createLoad(server);
    const pods = SERVICES * PODS_PER_SERVICE;
    const loadText = `${SERVICES} NodePort Services × ${PODS_PER_SERVICE} Running+Ready pods = ${pods} pods on ${NODES} Nodes in ${NAMESPACES} namespaces (kube-apiserver 1.20, watch cache on), created through the API in ${(load.ms / 1000).toFixed(0)} s (${CONCURRENCY} in flight, ${load.podsPerSecond.toFixed(0)} pods/s, create + status patch each)`;
    console.error(`# kube-dns bench: ${loadText}`);

    // muster kube-dns on its own BIND.
    const bind = await startBind9({ zone: ZONE });
    binds.push(bind);
    const { core } = kubeClients(server);
    const spawnedAt = Date.now();
    const start = performance.now();
    const nodeOptions = await deploymentNodeOptions();
    kd = startKubeDns(await controllerConfig(dir, server, bind), await freePort(), ['--log-level', 'info'], { NODE_OPTIONS: nodeOptions });
    const controller = kd;
    await waitFor(
      'the first full sync',
      async () => controller.child.exitCode === null && (await controller.metric('muster_kube_dns_controller_last_sync_timestamp_seconds')) > 0 && (await controller.metric('muster_kube_dns_dns_record_changes_total')) >= 2 * SERVICES,
      600_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${controller.log().slice(-3000)}`);
    });
    const firstSyncMs = performance.now() - start;
    const peakStartMiB = await hwmMiB(kd.child.pid);
    const rssFirst = await rssMiB(kd.child.pid);
    const heapFirst = await heapText(kd);
    const watchesSyncedMs = logTime(kd.log(), 'kube-dns: every watch synced') - spawnedAt;
    const published = (await bind.axfr()).filter((set) => set.type === 'A' && set.name.startsWith('svc-')).length;
    if (published !== SERVICES) throw new Error(`after the first sync the zone holds ${published} of the ${SERVICES} names`);
    const initialWrites = await kd.metric('muster_kube_dns_dns_write_calls_total');

    // One Service change at a time under the whole load: one of its pods unready, then ready again.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const latencies: number[] = [];
    const patchTimes: number[] = [];
    let writesForSamples = 0;
    for (let k = 0; k < SAMPLES; k++) {
      const s = (Math.floor(k / 2) * 37) % SERVICES;
      const ready = k % 2 === 1;
      const before = await kd.metric('muster_kube_dns_dns_write_calls_total');
      const t0 = performance.now();
      await setPodReady(core, namespaceOf(s), `${serviceName(s)}-0`, ready);
      patchTimes.push(performance.now() - t0);
      const seen = await untilValues(bind.port, fqdn(s), ready ? expectedValues(s) : expectedValues(s, 0), 30_000);
      latencies.push(seen - t0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      writesForSamples += (await kd.metric('muster_kube_dns_dns_write_calls_total')) - before;
    }

    // Steady state: nothing changes for WINDOW_MS (the resyncs list the zone and plan; they should write nothing).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await counters(kd);
    const cpuBefore = await cpuMs(kd.child.pid);
    const windowStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const after = await counters(kd);
    const cpuAfter = await cpuMs(kd.child.pid);
    const windowS = (performance.now() - windowStart) / 1000;
    const rssSteady = await rssMiB(kd.child.pid);
    const heapSteady = await heapText(kd);
    const hwm = await hwmMiB(kd.child.pid);
    const errors = await kd.metric('muster_kube_dns_registry_errors_total');
    const sourceErrors = await kd.metric('muster_kube_dns_source_errors_total');
    await kd.stop();
    kd = undefined;

    // kuberoute's way, on a BIND of its own (same zone name, empty), in a process of its own.
    const baselineBind = await startBind9({ zone: ZONE });
    binds.push(baselineBind);
    const poller = await runPoller(await pollerScript, {
      kubeconfig: server.kubeconfigPath,
      host: '127.0.0.1',
      port: baselineBind.port,
      keyFile: baselineBind.key.file,
      keyName: baselineBind.key.name,
      algorithm: 'hmac-sha256',
      zone: ZONE,
      namespaces: Array.from({ length: NAMESPACES }, (_, n) => `bench-${n}`),
      polls: POLLS,
      gapMs: 2000,
    });
    const firstPoll = poller.polls[0];
    const steadyPolls = poller.polls.slice(1);
    const lastPoll = poller.polls.at(-1);
    if (firstPoll === undefined || lastPoll === undefined || steadyPolls.length === 0) throw new Error('the kuberoute poller reported no polls');
    const pollMs = median(steadyPolls.map((poll) => poll.ms));
    const pollCpuMs = median(steadyPolls.map((poll) => poll.cpuMs));
    const pollListMs = median(steadyPolls.map((poll) => poll.listMs));
    const pollComputeMs = median(steadyPolls.map((poll) => poll.computeMs));
    const pollWriteMs = median(steadyPolls.map((poll) => poll.writeMs));
    const perHour = 3600 / POLL_INTERVAL_S;
    // A change waits for the next poll (uniform over the interval), then for the list, the compute and its record's turn among the writes.
    const baselineLatency = (q: number): number => q * POLL_INTERVAL_S * 1000 + pollListMs + pollComputeMs + q * pollWriteMs;

    const hour = (delta: number): number => Math.round((delta / windowS) * 3600);
    const apiDelta = after.list + after.watch + after.lease - (before.list + before.watch + before.lease);
    const writesDelta = after.writes - before.writes;
    const syncsDelta = after.syncs - before.syncs;
    const meanSyncMs = syncsDelta > 0 ? ((after.syncSeconds - before.syncSeconds) / syncsDelta) * 1000 : NaN;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const kuberoute = `kuberoute's way (poll every ${POLL_INTERVAL_S} s)`;
    return [
      {
        what: `LOAD: ${loadText}; muster run with the Deployment's NODE_OPTIONS (${nodeOptions}). Start → first full sync (all ${SERVICES} names in DNS; watches synced after ${(watchesSyncedMs / 1000).toFixed(1)} s, ${initialWrites} UPDATE messages) vs kuberoute's first poll into an empty zone (list ${(firstPoll.listMs / 1000).toFixed(1)} s, compute ${(firstPoll.computeMs / 1000).toFixed(1)} s, ${firstPoll.dnsWrites} writes ${(firstPoll.writeMs / 1000).toFixed(1)} s)`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: firstSyncMs,
        baselineValue: firstPoll.ms,
        unit: 'ms',
      },
      {
        what: `peak RSS from start to the first full sync (VmHWM then; at the end of the run ${hwm.toFixed(0)} MiB) / kuberoute's peak over its ${POLLS} polls (maxRSS)`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: peakStartMiB,
        baselineValue: poller.peakRssMiB,
        unit: 'MiB',
        target: `≤ 120 MiB: ${met(peakStartMiB <= 120)}`,
      },
      { what: `RSS (VmRSS) after the first full sync (${heapFirst}) / after the first poll`, subject: 'muster kube-dns', baseline: kuberoute, subjectValue: rssFirst, baselineValue: firstPoll.rssMiB, unit: 'MiB', target: `≤ 120 MiB: ${met(rssFirst <= 120)}` },
      {
        what: `RSS at steady state (after the ${windowS.toFixed(0)} s window; ${heapSteady}) / after poll ${lastPoll.poll}`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: rssSteady,
        baselineValue: lastPoll.rssMiB,
        unit: 'MiB',
        target: `≤ 120 MiB: ${met(rssSteady <= 120)}`,
      },
      {
        what: `event (pod Ready flipped, merge patch of pods/status, round trip median ${median(patchTimes).toFixed(0)} ms) → BIND answers the new A set, p50 of ${SAMPLES} (debounce 500 ms); baseline computed from its measured poll: ${POLL_INTERVAL_S} s × q + list + compute + q × writes`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: p50,
        baselineValue: baselineLatency(0.5),
        unit: 'ms',
      },
      { what: `  the same, p99 of ${SAMPLES} (nearest rank: the slowest; max ${Math.max(...latencies).toFixed(0)} ms)`, subject: 'muster kube-dns', baseline: kuberoute, subjectValue: p99, baselineValue: baselineLatency(0.99), unit: 'ms', target: `≤ 2000 ms: ${met(p99 <= 2000)}` },
      { what: `  DNS write calls per change (${writesForSamples} for ${SAMPLES} changes) vs kuberoute's writes per poll`, subject: 'muster kube-dns', baseline: kuberoute, subjectValue: writesForSamples / SAMPLES, baselineValue: lastPoll.dnsWrites, unit: 'writes' },
      {
        what: `API requests per hour at steady state (measured: ${apiDelta} in ${windowS.toFixed(0)} s: list ${after.list - before.list}, watch ${after.watch - before.watch}, lease ${after.lease - before.lease}; lease renewals every 2 s are the leader election, which kuberoute had none of; watches are re-opened every 300–360 s); kuberoute: ${lastPoll.apiCalls} unpaged lists per poll`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: hour(apiDelta),
        baselineValue: lastPoll.apiCalls * perHour,
        unit: 'requests/h',
      },
      {
        what: `  of which lists and watches (no lease)`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: hour(after.list + after.watch - before.list - before.watch),
        baselineValue: lastPoll.apiCalls * perHour,
        unit: 'requests/h',
      },
      {
        what: `DNS write calls per hour at steady state (measured: ${writesDelta} in ${windowS.toFixed(0)} s, ${syncsDelta} syncs; registry errors ${errors}, source errors ${sourceErrors}); kuberoute: ${lastPoll.dnsWrites} per poll`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: hour(writesDelta),
        baselineValue: lastPoll.dnsWrites * perHour,
        unit: 'writes/h',
        target: `0: ${met(writesDelta === 0)}`,
      },
      {
        what: `CPU time per hour at steady state (user + system; measured: ${((cpuAfter - cpuBefore) / 1000).toFixed(1)} s in ${windowS.toFixed(0)} s) vs kuberoute's CPU per poll (median ${(pollCpuMs / 1000).toFixed(1)} s) × ${perHour}`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: Math.round(((cpuAfter - cpuBefore) / windowS) * 3.6),
        baselineValue: Math.round((pollCpuMs * perHour) / 1000),
        unit: 'CPU s/h',
      },
      {
        what: `work per periodic round: muster's resync (AXFR of the zone, plan, no write; mean of the window's syncs) vs kuberoute's poll (median of polls 2..${POLLS}: list ${(pollListMs / 1000).toFixed(1)} s, compute ${(pollComputeMs / 1000).toFixed(1)} s, ${lastPoll.dnsWrites} writes ${(pollWriteMs / 1000).toFixed(1)} s)`,
        subject: 'muster kube-dns',
        baseline: kuberoute,
        subjectValue: meanSyncMs,
        baselineValue: pollMs,
        unit: 'ms',
      },
    ];
  } finally {
    await kd?.stop('SIGKILL');
    await Promise.all(binds.map((bind) => bind.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
