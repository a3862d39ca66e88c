import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import type { KubeDnsConfig } from './config-schema.js';
import type { ServiceState } from './desired.js';
import type { NodeInfo } from './objects.js';
import { renderTemplate } from './templates.js';

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
  if (config.s3 !== undefined) writers.push(await s3Writer(config.s3, replacements));
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

async function s3Writer(s3: NonNullable<KubeDnsConfig['report']['s3']>, replacements: Readonly<Record<string, string>>): Promise<{ name: string; write: (text: string) => Promise<void> }> {
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const key = renderTemplate(s3.key, replacements);
  const credentials =
    s3.access_key_id !== undefined && s3.secret_access_key !== undefined
      ? { accessKeyId: s3.access_key_id, secretAccessKey: s3.secret_access_key }
      : s3.access_key_id_file !== undefined && s3.secret_access_key_file !== undefined
        ? { accessKeyId: (await readSecret(s3.access_key_id_file)).trim(), secretAccessKey: (await readSecret(s3.secret_access_key_file)).trim() }
        : undefined;
  const client = new S3Client({
    region: s3.region,
    // Checksums only where S3 requires them: S3-compatible servers (MinIO, Ceph, s3rver) differ
    // in what they do with the SDK's default trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint, forcePathStyle: true }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  const name = `s3://${s3.bucket}/${key}`;
  return {
    name,
    write: async (text) => {
      try {
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: text, ACL: s3.acl, ContentType: s3.content_type }), { abortSignal: AbortSignal.timeout(30_000) });
      } catch (error) {
        throw new MusterError(`kube-dns: the state report could not be put to ${name} (region ${s3.region}${s3.endpoint === undefined ? '' : `, endpoint ${s3.endpoint}`}): ${error instanceof Error ? error.message : String(error)}`, {
          code: 'KUBE_REPORT',
          kind: 'unavailable',
          hint: 'check the bucket, its region, and that the credentials may s3:PutObject (and s3:PutObjectAcl with an acl other than private)',
          cause: error,
        });
      }
    },
  };
}

async function readSecret(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new MusterError(`kube-dns: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { code: 'KUBE_REPORT', kind: 'config', hint: 'check kube_dns.report.s3.*_file', cause: error });
  }
}
