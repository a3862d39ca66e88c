/**
 * How one issuer's ACME traffic reaches its directory. acme-client sends every request through one
 * shared axios instance and takes no TLS options, so each Client's request method is wrapped to
 * add, for that client only: the ca_bundle's https.Agent (trust for this server; verification is
 * never turned off), a per-request deadline, and a response hook. The hook keeps the last ACME
 * problem document, because acme-client throws plain Errors with only the problem's detail, and
 * muster needs its type (rateLimited, badNonce, …) to say whether a retry may help.
 *
 * The wrapped method is acme-client's internal `client.http.request` (acme-client is pinned to an
 * exact version). If it ever changes, attach() fails loudly; and without the agent a private CA's
 * certificate would simply not verify, so this fails closed, never open.
 */
import { Agent, get } from 'node:https';
import { axios as acmeAxios, type Client } from 'acme-client';
import { MusterError, describeError } from '../../../core/errors.js';

/** Deadline of one HTTP request; without one a server that accepts and never answers hangs the order. */
const REQUEST_TIMEOUT_MS = 30_000;
/** acme-client sleeps for the whole Retry-After before each of its retries; longer waits are reported instead. */
const MAX_RETRY_AFTER_S = 30;

export interface Problem {
  type: string;
  detail: string;
  status: number;
  /** Retry-After as the server sent it, if any. */
  retryAfter?: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

type Request = (url: string, method: string, opts?: Record<string, unknown>) => Promise<unknown>;

export class Transport {
  readonly agent: Agent | undefined;
  private problem: Problem | undefined;

  constructor(
    readonly directory: string,
    /** ca_bundle's path, for messages, and its PEM text. */
    readonly caBundle: { path: string; pem: string } | undefined,
  ) {
    this.agent = caBundle === undefined ? undefined : new Agent({ ca: caBundle.pem });
  }

  /** The last problem document the server answered with, if it came after `since`. */
  lastProblem(since = 0): Problem | undefined {
    return this.problem && this.problem.at >= since ? this.problem : undefined;
  }

  attach(client: Client): void {
    const http = (client as unknown as { http?: { request?: Request } }).http;
    const request = http?.request?.bind(http);
    if (!http || !request) throw new Error('acme-client no longer has client.http.request: muster cannot pass its TLS settings (see transport.ts)');
    const defaults = acmeAxios.defaults.transformResponse;
    const transformResponse = [...(defaults === undefined ? [] : [defaults].flat()), (data: unknown, headers: unknown, status?: number) => this.observe(data, headers, status)];
    http.request = (url, method, opts = {}) =>
      request(url, method, { ...opts, timeout: REQUEST_TIMEOUT_MS, transformResponse, ...(this.agent ? { httpsAgent: this.agent } : {}) });
  }

  /** Runs on every response, including those acme-client's axios interceptor retries. */
  private observe(data: unknown, headers: unknown, status: number | undefined): unknown {
    if (status === undefined || status < 400 || typeof data !== 'object' || data === null) return data;
    const problem = data as { type?: unknown; detail?: unknown };
    if (typeof problem.type !== 'string') return data;
    const h = headers as { get?(name: string): unknown; delete?(name: string): unknown } | undefined;
    const retryAfter = h?.get?.('retry-after');
    this.problem = {
      type: problem.type.replace(/^urn:ietf:params:acme:error:/, ''),
      detail: typeof problem.detail === 'string' ? problem.detail : '',
      status,
      ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
      at: Date.now(),
    };
    // Without the header acme-client waits 5, 10, … 25 s between its 5 retries: bounded.
    if (typeof retryAfter === 'string' && retryAfterSeconds(retryAfter) > MAX_RETRY_AFTER_S) h?.delete?.('retry-after');
    return data;
  }

  /**
   * Fetches the directory with the same trust acme-client uses. A wrong ca_bundle or an unreachable
   * server then fails in milliseconds with a precise error, instead of after acme-client's retries
   * (5 attempts, 75 s) with a message that no longer says what went wrong.
   */
  probe(signal?: AbortSignal): Promise<void> {
    const directory = this.directory;
    return new Promise((resolve, reject) => {
      const options = { ...(this.agent ? { agent: this.agent } : {}), timeout: 10_000, ...(signal ? { signal } : {}) };
      const request = get(directory, options, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body = (body + chunk).slice(0, 100_000)));
        response.on('error', (error) => reject(unreachable(directory, error)));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 500) reject(unreachable(directory, new Error(`HTTP ${status}`)));
          else if (status !== 200 || !isDirectory(body)) reject(notADirectory(directory, status));
          else resolve();
        });
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('no answer within 10s'), { code: 'ETIMEDOUT' })));
      request.on('error', (error) => reject(this.transportError(error)));
    });
  }

  transportError(error: unknown): MusterError {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !TLS_CODES.has(code)) return unreachable(this.directory, error);
    return new MusterError(`cannot verify the TLS certificate of the ACME server ${this.directory}: ${describeError(error)}`, {
      code: 'ACME_TLS_UNTRUSTED',
      kind: 'config',
      hint:
        this.caBundle === undefined
          ? 'for a private CA (step-ca, Pebble) set ca_bundle to the PEM of the CA that signed the server\'s TLS certificate'
          : `ca_bundle ${this.caBundle.path} does not hold the CA that signed the TLS certificate of ${new URL(this.directory).host}: point it at the right PEM`,
      cause: error,
    });
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function retryAfterSeconds(value: string): number {
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : (date - Date.now()) / 1000;
}

function isDirectory(body: string): boolean {
  try {
    return typeof (JSON.parse(body) as { newOrder?: unknown }).newOrder === 'string';
  } catch {
    return false;
  }
}

function notADirectory(directory: string, status: number): MusterError {
  return new MusterError(`${directory} is not an ACME directory (HTTP ${status})`, {
    code: 'ACME_NOT_A_DIRECTORY',
    kind: 'config',
    hint: 'set directory to the ACME directory URL the CA documents (it answers JSON with newOrder)',
  });
}

function unreachable(directory: string, error: unknown): MusterError {
  return new MusterError(`cannot reach the ACME server ${directory}: ${describeError(error)}`, {
    code: 'ACME_UNREACHABLE',
    kind: 'unavailable',
    retryable: true,
    hint: `check that ${directory} is the right URL and reachable from this node (firewall, proxy, DNS)`,
    cause: error,
  });
}
