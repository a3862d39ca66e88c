import { randomUUID } from 'node:crypto';

/**
 * Helpers shared by the EC2 and Auto Scaling fakes: both speak AWS's Query protocol (a
 * form-encoded POST with Action and Version), and answer in XML.
 */

/** An error the fake answers with; each service renders it in its own XML error format. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Values of a Query list parameter: `InstanceId.1`, `InstanceId.2`, … (prefix "InstanceId."). */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let n = 1; ; n++) {
    const value = params.get(`${prefix}${n}`);
    if (value === null) return values;
    values.push(value);
  }
}

/** Integer parameter within [min, max], or undefined when absent. */
export function intParam(params: URLSearchParams, name: string, min: number, max: number, errorCode: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FakeApiError(400, errorCode, `Value ( ${raw} ) for parameter ${name} is invalid. Expecting a value between ${min} and ${max}.`);
  }
  return value;
}

/**
 * One page of `items`. Tokens are opaque to clients; here they carry the offset. The fake never
 * returns more than `pageSize` items, so a small page size exercises the caller's paging (the real
 * APIs may also return fewer items than MaxResults).
 */
export function pageOf<T>(items: readonly T[], token: string | null, pageSize: number, invalidCode: string): { page: T[]; next?: string } {
  let offset = 0;
  if (token !== null) {
    const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
    if (!match?.[1] || Number(match[1]) > items.length) throw new FakeApiError(400, invalidCode, `The token '${token}' is invalid.`);
    offset = Number(match[1]);
  }
  const page = items.slice(offset, offset + pageSize);
  const end = offset + page.length;
  return end < items.length ? { page, next: Buffer.from(`offset:${end}`).toString('base64') } : { page };
}

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char);
}

/** `<name>value</name>` with the value escaped; nothing when the value is undefined. */
export function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function requestId(): string {
  return randomUUID();
}

/**
 * The AWS service a SigV4-signed request was signed for, from the Authorization header's credential
 * scope (`Credential=AKID/20240101/eu-west-1/ec2/aws4_request`): the fake routes on it, and so
 * also checks that the client signed for the right service.
 */
export function signedService(authorization: string | undefined): string | undefined {
  if (!authorization?.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1];
}
