import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { MusterError } from '../../../core/errors.js';

export interface VaultResponse {
  status: number;
  body: unknown;
}

export interface PostOptions {
  address: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** PEM bundle to trust for Vault's TLS certificate instead of the system store. */
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

const TLS_TRUST_ERRORS = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * One JSON POST to Vault. node:https rather than fetch, because Node 20's fetch cannot be given
 * a CA bundle (VAULT_CACERT) for one request. Connection problems become MusterErrors that name
 * the address; headers (the token) never appear in them.
 */
export function postJson(options: PostOptions): Promise<VaultResponse> {
  const url = new URL(options.path, options.address.endsWith('/') ? options.address : `${options.address}/`);
  const payload = JSON.stringify(options.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: options.timeoutMs,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(unreachable(options.address, error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text === '' ? {} : JSON.parse(text);
          } catch {
            // Not JSON (a proxy's error page): the caller reports the status.
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => reject(unreachable(options.address, error)));
    req.end(payload);
  });
}

function unreachable(address: string, error: Error): MusterError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const tls = TLS_TRUST_ERRORS.has(code);
  return new MusterError(`vault issuer: cannot reach Vault at ${address}: ${code !== '' && !error.message.includes(code) ? `${code}: ` : ''}${error.message}`, {
    code: tls ? 'PKI_VAULT_TLS' : 'PKI_VAULT_UNREACHABLE',
    kind: 'unavailable',
    retryable: !tls && error.name !== 'AbortError',
    hint: tls
      ? 'muster does not trust Vault\'s TLS certificate: set pki.issuer.ca_cert_file (or VAULT_CACERT) to the CA that signed it'
      : 'check pki.issuer.address (or VAULT_ADDR) and that Vault is running and reachable from this node',
    cause: error,
  });
}
