import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeDnsSchema } from './config-schema.js';
import { computeDesired, zoneOf, type DesiredInput } from './desired.js';
import type { FailoverState } from './failover.js';
import type { NodeInfo, PodInfo, ServiceInfo } from './objects.js';
import { PodIndex } from './pod-index.js';

const config = kubeDnsSchema.parse({ failover_after: '30s', restore_after: '60s' });

const node = (name: string, internal: string, extra: Partial<NodeInfo> = {}): NodeInfo => ({
  name,
  ready: true,
  schedulable: true,
  addresses: [
    { type: 'InternalIP', address: internal },
    { type: 'ExternalIP', address: internal.replace(/^10\./, '203.') },
  ],
  ...extra,
});
const pod = (name: string, nodeName: string, hostIP: string, extra: Partial<PodInfo> = {}): PodInfo => ({ namespace: 'default', name, labels: { app: 'web' }, nodeName, hostIP, running: true, ready: true, ...extra });
const service = (labels: Record<string, string>, extra: Partial<ServiceInfo> = {}): ServiceInfo => ({
  namespace: 'default',
  name: 'web',
  type: 'NodePort',
  labels: { kuberoute_domain: 'example.com', kuberoute_name: 'quatsch', ...labels },
  annotations: {},
  selector: { app: 'web' },
  loadBalancer: [],
  ...extra,
});

function run(input: { services: ServiceInfo[]; pods: PodInfo[]; nodes: NodeInfo[]; states?: Map<string, FailoverState>; now?: number; zones?: string[] } & Partial<Pick<DesiredInput, 'config' | 'zoneShowsFailover'>>) {
  const index = new PodIndex();
  for (const p of input.pods) index.set(`${p.namespace}/${p.name}`, p);
  return computeDesired({
    services: input.services,
    podsFor: (namespace, selector) => index.matching(namespace, selector),
    nodes: input.nodes,
    config: input.config ?? config,
    zones: input.zones ?? [],
    ttl: 60,
    states: input.states ?? new Map(),
    zoneShowsFailover: input.zoneShowsFailover ?? (() => false),
    now: input.now ?? 0,
  });
}

const nodes3 = [node('n1', '10.0.0.1'), node('n2', '10.0.0.2'), node('n3', '10.0.0.3')];

describe('computeDesired', () => {
  it('publishes the distinct hostIPs of Running, Ready pods on schedulable nodes (kuberoute)', () => {
    const out = run({
      services: [service({})],
      pods: [pod('a', 'n1', '10.0.0.1'), pod('b', 'n1', '10.0.0.1'), pod('c', 'n2', '10.0.0.2'), pod('d', 'n3', '10.0.0.3', { ready: false })],
      nodes: nodes3,
    });
    assert.deepEqual(out.desired.get('example.com.')?.map((set) => [set.name, set.type, set.values]), [['quatsch.example.com.', 'A', ['10.0.0.1', '10.0.0.2']]]);
    assert.deepEqual(out.services[0], { service: 'default/web', name: 'quatsch.example.com', zone: 'example.com.', endpoints: ['10.0.0.1', '10.0.0.2'], quota: 0, current_quota: 66, healthy: true, mode: 'primary', published: 'addresses' });
  });

  it('leaves out pods on unschedulable or unknown nodes, and other namespaces\' pods', () => {
    const out = run({
      services: [service({})],
      pods: [pod('a', 'n1', '10.0.0.1'), pod('b', 'gone', '10.9.9.9'), pod('c', 'n2', '10.0.0.2', { namespace: 'other' })],
      nodes: [node('n1', '10.0.0.1', { schedulable: false }), node('n2', '10.0.0.2')],
    });
    assert.equal(out.desired.get('example.com.')?.length ?? 0, 0);
    assert.equal(out.services[0]?.published, 'none');
  });

  it('address_type ExternalIP publishes that node address, IPv6 as AAAA beside the A set', () => {
    const dual = node('n1', '10.0.0.1', { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'ExternalIP', address: '203.0.0.1' }, { type: 'ExternalIP', address: '2001:db8::1' }] });
    const out = run({ services: [service({})], pods: [pod('a', 'n1', '10.0.0.1')], nodes: [dual], config: { ...config, address_type: 'ExternalIP' } });
    assert.deepEqual(out.desired.get('example.com.')?.map((set) => [set.type, set.values]), [['A', ['203.0.0.1']], ['AAAA', ['2001:db8::1']]]);
  });

  it('a LoadBalancer Service publishes its ingress IPs, or its ingress host name as a CNAME', () => {
    const ips = run({ services: [service({}, { type: 'LoadBalancer', loadBalancer: [{ ip: '198.51.100.7' }] })], pods: [], nodes: nodes3 });
    assert.deepEqual(ips.desired.get('example.com.')?.map((set) => [set.type, set.values]), [['A', ['198.51.100.7']]]);
    const name = run({ services: [service({}, { type: 'LoadBalancer', loadBalancer: [{ hostname: 'abc.elb.amazonaws.com' }] })], pods: [], nodes: nodes3 });
    assert.deepEqual(name.desired.get('example.com.')?.map((set) => [set.type, set.values]), [['CNAME', ['abc.elb.amazonaws.com.']]]);
  });

  it('ignores unlabeled Services and reports labeled ones it cannot publish', () => {
    const out = run({ services: [service({}, { labels: {} }), service({}, { name: 'internal', type: 'ClusterIP' }), service({ kuberoute_quota: '150' }, { name: 'bad' })], pods: [], nodes: nodes3 });
    assert.deepEqual(
      out.invalid.map((entry) => entry.service),
      ['default/internal', 'default/bad'],
    );
    assert.match(out.invalid[0]?.reason ?? '', /ClusterIP/);
  });

  it('muster.dev/hostname selects a Service without the labels; the annotations override the labels', () => {
    const annotated = service({}, { labels: {}, annotations: { 'muster.dev/hostname': 'www.example.org', 'muster.dev/ttl': '300' } });
    const out = run({ services: [annotated], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3 });
    assert.deepEqual(out.desired.get('example.org.')?.map((set) => [set.name, set.ttl]), [['www.example.org.', 300]]);
  });

  it('below its quota: keeps what is left until failover_after, then the failover CNAME; back only after restore_after', () => {
    const labels = { kuberoute_quota: '80', kuberoute_failover: 'failover.example.com' };
    const all = [pod('a', 'n1', '10.0.0.1'), pod('b', 'n2', '10.0.0.2'), pod('c', 'n3', '10.0.0.3')];
    const fewer = all.slice(0, 2);
    const at = (now: number, pods: PodInfo[], states: Map<string, FailoverState>) => run({ services: [service(labels)], pods, nodes: nodes3, now, states });

    let out = at(0, all, new Map());
    assert.equal(out.services[0]?.published, 'addresses');
    out = at(1_000, fewer, out.states); // 66 % < 80 %
    assert.equal(out.services[0]?.published, 'addresses', 'what is left stays published while the failover is pending');
    assert.equal(out.wakeAt, 31_000);
    out = at(31_000, fewer, out.states);
    assert.equal(out.services[0]?.published, 'failover');
    assert.deepEqual(out.desired.get('example.com.')?.map((set) => [set.type, set.values]), [['CNAME', ['failover.example.com.']]]);
    out = at(40_000, all, out.states); // back above: the restore is pending
    assert.equal(out.services[0]?.published, 'failover');
    out = at(50_000, fewer, out.states); // an oscillating pod: the restore timer starts again
    out = at(60_000, all, out.states);
    out = at(100_001, all, out.states);
    assert.equal(out.services[0]?.published, 'failover', '60 s above have not passed since 60 s');
    out = at(120_000, all, out.states);
    assert.equal(out.services[0]?.published, 'addresses');
  });

  it('a failover value that is an IP is an A record; no failover set → what is left stays', () => {
    const ip = { kuberoute_quota: '100', kuberoute_failover: '192.0.2.1' };
    let out = run({ services: [service(ip)], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3, now: 0 });
    out = run({ services: [service(ip)], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3, now: 30_000, states: out.states });
    assert.deepEqual(out.desired.get('example.com.')?.map((set) => [set.type, set.values]), [['A', ['192.0.2.1']]]);
    const none = { kuberoute_quota: '100' };
    let left = run({ services: [service(none)], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3, now: 0 });
    left = run({ services: [service(none)], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3, now: 30_000, states: left.states });
    assert.deepEqual(left.desired.get('example.com.')?.map((set) => set.values), [['10.0.0.1']]);
    assert.equal(left.services[0]?.healthy, false);
  });

  it('a Service first seen whose name already points at its failover starts in failover (no flip on a new leader)', () => {
    const labels = { kuberoute_quota: '80', kuberoute_failover: 'failover.example.com' };
    const out = run({ services: [service(labels)], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3, zoneShowsFailover: () => true });
    assert.equal(out.services[0]?.published, 'failover');
  });

  it('quota_nodes schedulable counts only schedulable nodes', () => {
    const nodes = [node('n1', '10.0.0.1'), node('n2', '10.0.0.2', { schedulable: false })];
    const out = run({ services: [service({ kuberoute_quota: '100' })], pods: [pod('a', 'n1', '10.0.0.1')], nodes, config: { ...config, quota_nodes: 'schedulable' } });
    assert.equal(out.services[0]?.current_quota, 100);
    assert.equal(out.services[0]?.healthy, true);
  });

  it('the heartbeat is a CNAME per zone to the current minute', () => {
    const out = run({ services: [service({})], pods: [], nodes: nodes3, config: { ...config, heartbeat: { name_template: 'kuberoute-heartbeat', timestamp_template: '_TEMPLATE_START_timestamp_TEMPLATE_END_.kuberoute.timestamp' } }, now: Date.UTC(2026, 11, 2, 9, 5, 30) });
    assert.deepEqual(out.desired.get('example.com.')?.map((set) => [set.name, set.values]), [['kuberoute-heartbeat.example.com.', ['2026-12-2-9-5.kuberoute.timestamp.']]]);
    assert.equal(out.wakeAt, Date.UTC(2026, 11, 2, 9, 6, 0));
  });

  it('replacements fill kuberoute\'s templates in the labels; an unknown one is reported', () => {
    const templated = service({ kuberoute_domain: '_TEMPLATE_START_env_TEMPLATE_END_.example.com' });
    const ok = run({ services: [templated], pods: [pod('a', 'n1', '10.0.0.1')], nodes: nodes3, config: { ...config, replacements: { env: 'staging' } } });
    assert.deepEqual([...ok.desired.keys()], ['staging.example.com.']);
    const missing = run({ services: [templated], pods: [], nodes: nodes3 });
    assert.match(missing.invalid[0]?.reason ?? '', /names env/);
  });
});

describe('zoneOf', () => {
  it('the longest configured zone wins; none configured → the domain label', () => {
    assert.equal(zoneOf({ fqdn: 'a.b.example.com.', domain: 'b.example.com.' }, ['example.com.', 'b.example.com.']), 'b.example.com.');
    assert.equal(zoneOf({ fqdn: 'a.example.net.', domain: undefined }, ['example.com.']), undefined);
    assert.equal(zoneOf({ fqdn: 'a.b.example.com.', domain: 'example.com.' }, []), 'example.com.');
  });
});
