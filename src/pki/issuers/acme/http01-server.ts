/**
 * The http-01 responder (RFC 8555 §8.3): muster serves /.well-known/acme-challenge/<token> itself,
 * only while an order is pending, and closes the port afterwards. Certificates ordered at the same
 * time (the node certificate and an extra one) share one listener per address and port instead
 * of failing with EADDRINUSE against each other.
 */
import { createServer, type Server } from 'node:http';
import { MusterError, describeError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';

const PREFIX = '/.well-known/acme-challenge/';

interface Token {
  keyAuthorization: string;
  /** How often the CA (or anyone) fetched it: tells "never reached us" from "reached us, but…". */
  fetches: number;
}

interface Listener {
  server: Server;
  tokens: Map<string, Token>;
  leases: number;
  ready: Promise<void>;
}

export interface ChallengeLease {
  /** "0.0.0.0:80", for messages. */
  readonly endpoint: string;
  add(token: string, keyAuthorization: string): void;
  fetches(token: string): number;
  /** Removes this lease's tokens; the last lease closes the port. Safe to call twice. */
  release(): Promise<void>;
}

const listeners = new Map<string, Listener>();

export async function leaseChallengeServer(address: string, port: number, logger: Logger): Promise<ChallengeLease> {
  const endpoint = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  let listener = listeners.get(endpoint);
  if (!listener) {
    listener = open(address, port, endpoint, logger);
    listeners.set(endpoint, listener);
  }
  listener.leases++;
  const own = listener;
  try {
    await own.ready;
  } catch (error) {
    own.leases--;
    if (listeners.get(endpoint) === own) listeners.delete(endpoint);
    throw error;
  }
  const mine = new Set<string>();
  let released = false;
  return {
    endpoint,
    add(token, keyAuthorization) {
      own.tokens.set(token, { keyAuthorization, fetches: 0 });
      mine.add(token);
    },
    fetches: (token) => own.tokens.get(token)?.fetches ?? 0,
    async release() {
      if (released) return;
      released = true;
      for (const token of mine) own.tokens.delete(token);
      if (--own.leases > 0) return;
      if (listeners.get(endpoint) === own) listeners.delete(endpoint);
      await new Promise<void>((resolve) => {
        own.server.close(() => resolve());
        own.server.closeAllConnections();
      });
      logger.debug({ endpoint }, 'acme: http-01 challenge server closed');
    },
  };
}

function open(address: string, port: number, endpoint: string, logger: Logger): Listener {
  const tokens = new Map<string, Token>();
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const token = path.startsWith(PREFIX) ? tokens.get(path.slice(PREFIX.length)) : undefined;
    logger.debug({ from: request.socket.remoteAddress, path, known: token !== undefined }, 'acme: http-01 request');
    if (!token || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    token.fetches++;
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(request.method === 'HEAD' ? undefined : token.keyAuthorization);
  });
  const ready = new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(endpoint, port, error)));
    server.listen({ host: address, port, exclusive: true }, () => {
      logger.debug({ endpoint }, 'acme: http-01 challenge server listening');
      resolve();
    });
  });
  return { server, tokens, leases: 0, ready };
}

function listenError(endpoint: string, port: number, error: NodeJS.ErrnoException): MusterError {
  const hints: Record<string, string> = {
    EADDRINUSE: `another program serves ${endpoint} (a web server?): stop it while muster orders, forward port 80 to another challenge.port, or use dns-01`,
    EACCES: `ports below 1024 need root or CAP_NET_BIND_SERVICE; run muster as root or set challenge.port above 1023 and forward port 80 to it`,
    EADDRNOTAVAIL: 'challenge.address is not an address of this machine',
  };
  return new MusterError(`cannot serve http-01 challenges on ${endpoint}: ${describeError(error)}`, {
    code: 'ACME_HTTP01_LISTEN',
    kind: 'config',
    hint: hints[error.code ?? ''] ?? `check that port ${port} can be opened`,
    cause: error,
  });
}
