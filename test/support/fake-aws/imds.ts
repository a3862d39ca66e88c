import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findInstance, type FakeAwsModel } from './model.js';

/**
 * The instance metadata service, IMDSv2 only (as on instances launched with HttpTokens=required):
 * PUT /latest/api/token hands out a session token, and every GET must carry it or gets 401.
 */
export class FakeImds {
  private readonly tokens = new Map<string, number>();

  constructor(private readonly model: FakeAwsModel) {}

  handle(request: IncomingMessage, response: ServerResponse, path: string): void {
    if (path === '/latest/api/token') return this.issueToken(request, response);
    if (request.method !== 'GET') return send(response, 405, '');
    if (!this.validToken(request.headers['x-aws-ec2-metadata-token'])) return send(response, 401, '');
    const value = this.metadata(path);
    if (value === undefined) return send(response, 404, notFoundPage);
    send(response, 200, value);
  }

  private issueToken(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'PUT') return send(response, 405, '');
    // IMDS refuses token requests that went through a proxy, so tokens cannot leave the instance.
    if (request.headers['x-forwarded-for'] !== undefined) return send(response, 403, '');
    const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return send(response, 400, '');
    const token = randomBytes(32).toString('base64');
    this.tokens.set(token, Date.now() + ttl * 1000);
    response.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
    send(response, 200, token);
  }

  private validToken(token: string | string[] | undefined): boolean {
    if (typeof token !== 'string') return false;
    const expiry = this.tokens.get(token);
    return expiry !== undefined && expiry > Date.now();
  }

  private metadata(path: string): string | undefined {
    const self = findInstance(this.model, this.model.selfId);
    if (!self) return undefined;
    switch (path) {
      case '/latest/meta-data/instance-id':
        return self.id;
      case '/latest/meta-data/local-ipv4':
        return self.ip;
      case '/latest/meta-data/placement/region':
        return this.model.region;
      case '/latest/meta-data/placement/availability-zone':
        return self.availabilityZone ?? `${this.model.region}a`;
      default:
        return undefined;
    }
  }
}

const notFoundPage =
  '<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head><title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>\n';

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': status === 404 ? 'text/html' : 'text/plain', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
