import { readFile } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MusterError } from '../core/errors.js';
import type { KubeDnsConfig } from './config-schema.js';
import { renderTemplate } from './templates.js';

/**
 * The state report's S3 copy. Its own module, imported only when kube_dns.report.s3 is set, so
 * that the AWS SDK loads only then; a static import here because the bundles run without a
 * dynamic-import hook (src/launch/bundle-loader.ts).
 */
export async function s3Writer(s3: NonNullable<KubeDnsConfig['report']['s3']>, replacements: Readonly<Record<string, string>>): Promise<{ name: string; write: (text: string) => Promise<void> }> {
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
