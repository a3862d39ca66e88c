import { planDns } from '../src/dns/plan.js';
import { createRfc2136Provider } from '../src/dns/providers/rfc2136/index.js';
import { ROUTE53_LIMITS, sizeOf } from '../src/dns/providers/route53/batch.js';
import { createRoute53Provider } from '../src/dns/providers/route53/index.js';
import { toRoute53 } from '../src/dns/providers/route53/records.js';
import type { DnsProvider, RecordSet } from '../src/dns/types.js';
import { startBind9 } from '../test/support/bind9.js';
import { useTestAwsEnvironment } from '../test/support/fake-aws/scenario.js';
import { addZone, createRoute53Model, startFakeRoute53 } from '../test/support/fake-route53/index.js';
import type { Row } from './stats.js';

const RECORDS = 10_000;
/** The naive baseline is measured on this many records and scaled: it makes one call per record. */
const NAIVE_SAMPLE = 1_000;
const ZONE = 'bench.muster.test.';

function desiredSets(): RecordSet[] {
  return Array.from({ length: RECORDS }, (_, i) => ({
    name: `host-${i}.${ZONE}`,
    type: 'A' as const,
    ttl: 60,
    values: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
  }));
}

/** muster's sync: list, plan (with ownership records), apply in batches. */
async function musterSync(provider: DnsProvider, desired: readonly RecordSet[]): Promise<{ ms: number; writeCalls: number; changes: number; created: readonly RecordSet[] }> {
  const start = Date.now();
  const current = await provider.list();
  const plan = planDns({ desired, current, ownerId: 'bench', policy: 'sync', takeOver: false });
  const { writeCalls } = await provider.apply(plan.changes);
  const changes = plan.changes.create.length + plan.changes.update.length + plan.changes.delete.length;
  return { ms: Date.now() - start, writeCalls, changes, created: plan.changes.create };
}

/**
 * The fewest ChangeResourceRecordSets calls that can carry these creates: Route 53 takes at most
 * 1,000 values and 32,000 characters of values per call, whichever binds first.
 */
function route53LowerBound(created: readonly RecordSet[]): string {
  const { elements, chars } = sizeOf(created.map((set) => ({ Action: 'CREATE', ResourceRecordSet: toRoute53(set) })));
  const byElements = Math.ceil(elements / ROUTE53_LIMITS.elements);
  const byChars = Math.ceil(chars / ROUTE53_LIMITS.chars);
  return `max(⌈${elements}/1000⌉, ⌈${chars}/32000⌉ chars) = ${Math.max(byElements, byChars)}`;
}

/** What kuberoute did: one upsert call per record, every time, with no view of the zone. */
async function naiveSync(provider: DnsProvider, desired: readonly RecordSet[], firstTime: boolean): Promise<{ ms: number; writeCalls: number }> {
  const start = Date.now();
  let writeCalls = 0;
  for (const set of desired) {
    const changes = firstTime ? { create: [set], update: [], delete: [] } : { create: [], update: [{ from: set, to: set }], delete: [] };
    writeCalls += (await provider.apply(changes)).writeCalls;
  }
  return { ms: Date.now() - start, writeCalls };
}

async function compare(label: string, makeProvider: (zone: string) => Promise<{ provider: DnsProvider; close(): Promise<void> }>): Promise<Row[]> {
  const desired = desiredSets();
  const muster = await makeProvider(ZONE);
  const naive = await makeProvider(ZONE);
  try {
    const initial = await musterSync(muster.provider, desired);
    const noop = await musterSync(muster.provider, desired);
    const sample = desired.slice(0, NAIVE_SAMPLE);
    const scale = RECORDS / NAIVE_SAMPLE;
    const scaled = (run: { ms: number; writeCalls: number }): { ms: number; writeCalls: number } => ({ ms: run.ms * scale, writeCalls: run.writeCalls * scale });
    const naiveInitial = scaled(await naiveSync(naive.provider, sample, true));
    const naiveAgain = scaled(await naiveSync(naive.provider, sample, false));
    return [
      { what: `${label}: initial sync of ${RECORDS} records (${initial.changes} changes incl. ownership TXT), write calls`, subject: 'muster', baseline: 'one call per record', subjectValue: initial.writeCalls, baselineValue: naiveInitial.writeCalls, unit: 'calls', target: label === 'route53' ? route53LowerBound(initial.created) : '' },
      { what: `${label}: initial sync, wall time (baseline measured on ${NAIVE_SAMPLE}, ×${RECORDS / NAIVE_SAMPLE})`, subject: 'muster', baseline: 'one call per record', subjectValue: initial.ms, baselineValue: naiveInitial.ms, unit: 'ms' },
      { what: `${label}: no-op sync, write calls`, subject: 'muster', baseline: 'one call per record', subjectValue: noop.writeCalls, baselineValue: naiveAgain.writeCalls, unit: 'calls', target: '0' },
      { what: `${label}: no-op sync, wall time (baseline measured on ${NAIVE_SAMPLE}, ×${RECORDS / NAIVE_SAMPLE})`, subject: 'muster', baseline: 'one call per record', subjectValue: noop.ms, baselineValue: naiveAgain.ms, unit: 'ms' },
    ];
  } finally {
    await muster.close();
    await naive.close();
  }
}

export async function benchDnsSync(): Promise<Row[]> {
  useTestAwsEnvironment(); // static keys for the SDK; nothing can reach a real AWS
  const route53 = await compare('route53', async (zone) => {
    const model = createRoute53Model({ pageSize: 300 }); // Route 53's real page size
    addZone(model, zone);
    const fake = await startFakeRoute53(model);
    const provider = createRoute53Provider({ type: 'route53', zone, endpoint: fake.url, wait_for_sync: false });
    return { provider, close: () => fake.close() };
  });
  const rfc2136 = await compare('rfc2136 (BIND 9)', async (zone) => {
    const bind = await startBind9({ zone });
    const provider = createRfc2136Provider({ type: 'rfc2136', zone, server: bind.server, timeout: 10_000, tsig: { name: bind.key.name, algorithm: 'hmac-sha256', secret_file: bind.key.file } });
    return { provider, close: () => bind.stop() };
  });
  return [...route53, ...rfc2136];
}
