import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real S3 API (s3rver 3.7.1, an npm devDependency) on 127.0.0.1 with a free port, one bucket,
 * and all objects in a temp dir removed by stop(). It checks SigV4 signatures: use the access key
 * `S3RVER`, secret `S3RVER`, region us-east-1, path-style addressing (`forcePathStyle: true`).
 *
 * What it keeps of a PutObject: the body, Content-Type (binary/octet-stream when none is sent),
 * Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires,
 * x-amz-storage-class, x-amz-website-redirect-location and x-amz-meta-*; GetObject and HeadObject
 * give them back. It does NOT keep ACLs: `x-amz-acl` is accepted and dropped, and GetObjectAcl is
 * a fixed stub (one FULL_CONTROL grant) — check a canned ACL in `requests` (the headers of every
 * request it received) instead. No versioning, no object lock.
 */
export interface S3rver {
  /** http://127.0.0.1:PORT, for `endpoint` with forcePathStyle. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** Every request received, in order (headers lower-cased, as Node gives them). */
  requests: S3Request[];
  /** A client for this server (path style, its credentials). */
  client(): S3Client;
  getObject(key: string): Promise<S3StoredObject>;
  /** undefined when there is no such key. */
  headObject(key: string): Promise<Omit<S3StoredObject, 'body'> | undefined>;
  listKeys(prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

export interface S3Request {
  method: string;
  /** Path and query, e.g. /bucket/key or /bucket?list-type=2. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3StoredObject {
  body: string;
  contentType: string | undefined;
  cacheControl: string | undefined;
  metadata: Record<string, string>;
  etag: string | undefined;
}

interface S3rverInstance {
  configureBuckets(): Promise<unknown>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  logger: { exceptions: { unhandle(): void }; close(): void };
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

export async function startS3rver(options: { bucket?: string } = {}): Promise<S3rver> {
  const bucket = options.bucket ?? 'muster-test';
  const dir = await mkdtemp(join(tmpdir(), 'muster-s3rver-'));
  const S3rverClass = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const s3rver = new S3rverClass({ silent: true, directory: dir, configureBuckets: [{ name: bucket }], vhostBuckets: false, resetOnClose: false });
  await s3rver.configureBuckets();
  // s3rver.run() would listen too, but on its own server: this one records each request's headers first.
  const requests: S3Request[] = [];
  const handle = s3rver.callback();
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const makeClient = (): S3Client =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // s3rver predates the SDK's default CRC32 checksums; ask for them only where S3 requires one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const client = makeClient();
  const head = async (key: string): Promise<Omit<S3StoredObject, 'body'> | undefined> => {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { contentType: out.ContentType, cacheControl: out.CacheControl, metadata: out.Metadata ?? {}, etag: out.ETag };
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  };
  return {
    endpoint,
    bucket,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    dir,
    requests,
    client: makeClient,
    getObject: async (key) => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return {
        body: (await out.Body?.transformToString('utf8')) ?? '',
        contentType: out.ContentType,
        cacheControl: out.CacheControl,
        metadata: out.Metadata ?? {},
        etag: out.ETag,
      };
    },
    headObject: head,
    listKeys: async (prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(prefix === undefined ? {} : { Prefix: prefix }), ...(token === undefined ? {} : { ContinuationToken: token }) }));
        for (const item of out.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key);
        token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys;
    },
    stop: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
