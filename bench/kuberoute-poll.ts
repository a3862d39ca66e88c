// kuberoute's way, for bench/kube-dns.ts: every interval, list every Service, Pod and Node
// (unpaged, through client-node's CoreV1Api, as kuberoute listed through pykube), compute each
// labeled Service's records (every pod tested against every Service's selector, as kuberoute's
// get_pods_for_service did), and write every one of them to DNS, one UPDATE per record (kuberoute's
// update_name_record: replace the name's records, whatever the zone holds; no ownership, no plan).
// Run as its own process (its RSS is measured): argv[2] is a JSON PollConfig; one JSON line per
// poll on stdout.
import { CoreV1Api, KubeConfig, type V1Node, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { startExchange } from '../src/dns/providers/rfc2136/exchange.js';
import { CLASS, OPCODE, opcodeFlags, type ResourceRecord } from '../src/dns/providers/rfc2136/message.js';
import { TYPE_CODES, encodeRdata } from '../src/dns/providers/rfc2136/rdata.js';
import { readSecretFile } from '../src/dns/providers/rfc2136/secret.js';
import { TcpChannel } from '../src/dns/providers/rfc2136/transport.js';
import type { TsigAlgorithm } from '../src/dns/providers/rfc2136/tsig.js';

export interface PollConfig {
  kubeconfig: string;
  /** BIND: host and port. */
  host: string;
  port: number;
  keyFile: string;
  keyName: string;
  algorithm: TsigAlgorithm;
  zone: string;
  /** kuberoute's namespaces: Services and Pods are listed once per namespace, Nodes once. */
  namespaces: string[];
  polls: number;
  /** Pause between the end of one poll and the start of the next. */
  gapMs: number;
}

export interface PollResult {
  poll: number;
  ms: number;
  listMs: number;
  computeMs: number;
  writeMs: number;
  apiCalls: number;
  dnsWrites: number;
  records: number;
  rssMiB: number;
  /** CPU time (user + system) this poll took. */
  cpuMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as PollConfig;
const kc = new KubeConfig();
kc.loadFromFile(config.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const file = await readSecretFile(config.keyFile);
const key = { name: config.keyName.endsWith('.') ? config.keyName : `${config.keyName}.`, algorithm: config.algorithm, secret: file.secret };
const now = (): number => Math.floor(Date.now() / 1000);
const ctx = { server: `${config.host}:${config.port}`, zone: config.zone, keyName: key.name, what: 'update' as const };

const ready = (pod: V1Pod): boolean => pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');

interface Listed {
  services: V1Service[];
  pods: V1Pod[];
  nodes: V1Node[];
  apiCalls: number;
}

/** kuberoute listed one namespace after the other (services, then pods), then the nodes. */
async function list(): Promise<Listed> {
  const services: V1Service[] = [];
  for (const namespace of config.namespaces) services.push(...(await core.listNamespacedService({ namespace })).items);
  const pods: V1Pod[] = [];
  for (const namespace of config.namespaces) pods.push(...(await core.listNamespacedPod({ namespace })).items);
  const nodes = (await core.listNode()).items;
  return { services, pods, nodes, apiCalls: 2 * config.namespaces.length + 1 };
}

/** kuberoute's records: a labeled NodePort Service's name → the hostIPs of its Running, Ready pods. */
function compute({ services, pods, nodes }: Listed): Map<string, string[]> {
  const schedulable = new Set(nodes.filter((node) => node.spec?.unschedulable !== true).flatMap((node) => (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)));
  const records = new Map<string, string[]>();
  for (const service of services) {
    const labels = service.metadata?.labels ?? {};
    const domain = labels['kuberoute_domain'];
    const name = labels['kuberoute_name'];
    const selector = service.spec?.selector;
    if (domain === undefined || name === undefined || service.spec?.type !== 'NodePort' || selector === undefined) continue;
    const ips = new Set<string>();
    for (const pod of pods) {
      if (pod.metadata?.namespace !== service.metadata?.namespace || !ready(pod)) continue;
      const podLabels = pod.metadata?.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => podLabels[k] === v)) continue;
      const hostIP = pod.status?.hostIP;
      if (hostIP !== undefined && schedulable.has(hostIP)) ips.add(hostIP);
    }
    records.set(`${name}.${domain}.`.toLowerCase(), [...ips].sort());
  }
  return records;
}

/** One UPDATE per name: delete its A RRset, add the records (an upsert, no prerequisite). */
async function writeAll(records: Map<string, string[]>): Promise<number> {
  const channel = await TcpChannel.open({ host: config.host, port: config.port }, 10_000);
  let writes = 0;
  try {
    for (const [name, values] of records) {
      const authorities: ResourceRecord[] = [
        { name, type: TYPE_CODES.A, class: CLASS.ANY, ttl: 0, rdata: Buffer.alloc(0) },
        ...values.map((value) => ({ name, type: TYPE_CODES.A, class: CLASS.IN, ttl: 60, rdata: encodeRdata('A', value) })),
      ];
      await startExchange(channel, { flags: opcodeFlags(OPCODE.UPDATE), questions: [{ name: config.zone, type: TYPE_CODES.SOA, class: CLASS.IN }], answers: [], authorities, additionals: [] }, key, ctx, now).next();
      writes += 1;
    }
  } finally {
    channel.close();
  }
  return writes;
}

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

for (let poll = 1; poll <= config.polls; poll++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const listed = await list();
  const listedAt = performance.now();
  const records = compute(listed);
  const computedAt = performance.now();
  const dnsWrites = await writeAll(records);
  const done = performance.now();
  const result: PollResult = { poll, ms: done - started, listMs: listedAt - started, computeMs: computedAt - listedAt, writeMs: done - computedAt, apiCalls: listed.apiCalls, dnsWrites, records: records.size, rssMiB: process.memoryUsage().rss / 2 ** 20, cpuMs: cpuMs(process.cpuUsage(cpu)) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (poll < config.polls) await new Promise((resolve) => setTimeout(resolve, config.gapMs));
}
process.stdout.write(`${JSON.stringify({ peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
