import { writeFileAtomic } from '../core/atomic-write.js';
import type { KubeDnsConfig } from './config-schema.js';
import type { ServiceState } from './desired.js';
import type { NodeInfo } from './objects.js';

/**
 * kuberoute's state report: its exact JSON shape (sorted keys, 4-space indent), so whatever read
 * the bucket keeps working. kuberoute wrote it after every sync; muster writes when it changes.
 */
export interface StateReport {
  apiserver_available: boolean;
  nodes: Record<string, { ready: boolean; schedulable: boolean }>;
  services: Record<string, { current_quota: number; endpoints: string[]; healthy: boolean; quota: number }>;
}

export function stateReport(apiserverAvailable: boolean, nodes: readonly NodeInfo[], services: readonly ServiceState[]): StateReport {
  const report: StateReport = { apiserver_available: apiserverAvailable, nodes: {}, services: {} };
  for (const node of nodes) report.nodes[node.name] = { ready: node.ready, schedulable: node.schedulable };
  for (const service of services) report.services[service.name] = { current_quota: service.current_quota, endpoints: [...service.endpoints], healthy: service.healthy, quota: service.quota };
  return report;
}

/** Python's json.dumps(sort_keys=True, indent=4, separators=(',', ': ')). */
export function formatReport(report: StateReport): string {
  return JSON.stringify(sortKeys(report), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => [key, sortKeys(item)]));
}

export interface ReportWriter {
  /** Where it goes, for logs. */
  readonly targets: string[];
  write(text: string): Promise<void>;
}

export async function createReportWriter(config: KubeDnsConfig['report'], replacements: Readonly<Record<string, string>>): Promise<ReportWriter | undefined> {
  const writers: { name: string; write: (text: string) => Promise<void> }[] = [];
  if (config.file !== undefined) {
    const file = config.file;
    writers.push({ name: file, write: async (text) => void (await writeFileAtomic(file, text, { mode: 0o644 })) });
  }
  if (config.s3 !== undefined) writers.push(await (await import('./s3-report-writer.js')).s3Writer(config.s3, replacements));
  if (writers.length === 0) return undefined;
  return {
    targets: writers.map((writer) => writer.name),
    write: async (text) => {
      // Each target gets its copy even when another failed; the first failure is raised.
      const results = await Promise.allSettled(writers.map((writer) => writer.write(text)));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

