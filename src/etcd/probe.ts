import { request as httpRequest } from 'node:http';
import type * as https from 'node:https';
import { createRequire } from 'node:module';
import type * as tls from 'node:tls';
import { describeError } from '../core/errors.js';
import { parseMembersJson } from './members-json.js';
import type { TlsMaterial } from './tls.js';
import type { Member, ProbeResult } from './types.js';

// https and tls are loaded by the first TLS probe: a plain-http boot does not load them (~4 ms).
const requireBuiltin = createRequire(import.meta.url);

export interface ProbeTarget {
  peer: string;
  /** The peer URL of the etcd that would run there. */
  url: string;
}

export interface ProbeOptions {
  timeoutMs: number;
  /** TLS material for https peer URLs (peer client-cert auth). */
  tls?: TlsMaterial;
}

/**
 * Asks a peer's etcd which cluster it belongs to, through the peer `/members` endpoint, the
 * same one etcd itself uses to join: it answers with the cluster id (X-Etcd-Cluster-ID) and the
 * member list even before the cluster has quorum, so a cluster that is still bootstrapping is
 * seen as a cluster, not as "nothing there".
 *
 * Only a refused connection means "no etcd there". A timeout, a reset or an odd answer is
 * `unknown`: the peer may be busy or partitioned, and treating it as absent is how the seed tools
 * created second clusters.
 */
export function probePeer(target: ProbeTarget, options: ProbeOptions): Promise<ProbeResult> {
  const url = new URL('/members', target.url);
  const request = url.protocol === 'https:' ? (requireBuiltin('node:https') as typeof https).request : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const unknown = (detail: string): void => finish({ peer: target.peer, url: target.url, kind: 'unknown', detail });
    const req = request(url, {
      method: 'GET',
      timeout: options.timeoutMs,
      headers: { accept: 'application/json' },
      agent: false,
      ...(options.tls ? { secureContext: secureContextFor(options.tls) } : {}),
    });
    const timer = setTimeout(() => {
      req.destroy();
      unknown(`no answer within ${options.timeoutMs}ms`);
    }, options.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs}ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED') finish({ peer: target.peer, url: target.url, kind: 'no-etcd', detail: 'connection refused' });
      else unknown(describeError(error));
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('error', (error) => {
        clearTimeout(timer);
        unknown(describeError(error));
      });
      response.on('end', () => {
        clearTimeout(timer);
        const clusterId = response.headers['x-etcd-cluster-id'];
        if (response.statusCode !== 200 || typeof clusterId !== 'string') {
          unknown(`unexpected answer from ${url.href}: HTTP ${response.statusCode ?? '?'}${typeof clusterId === 'string' ? '' : ', no X-Etcd-Cluster-ID header'}`);
          return;
        }
        try {
          finish({ peer: target.peer, url: target.url, kind: 'member', clusterId: clusterId.toLowerCase(), members: parseMembersJson(body) });
        } catch (error) {
          unknown(`unreadable member list from ${url.href}: ${describeError(error)}`);
        }
      });
    });
    req.end();
  });
}

// One context per set of files: building one parses the CA, the chain and the private key, and a
// boot probes every peer, several times while it waits for them.
const secureContexts = new WeakMap<TlsMaterial, tls.SecureContext>();

function secureContextFor(material: TlsMaterial): tls.SecureContext {
  let context = secureContexts.get(material);
  if (context === undefined) {
    context = (requireBuiltin('node:tls') as typeof tls).createSecureContext({ ca: material.ca, cert: material.cert, key: material.key });
    secureContexts.set(material, context);
  }
  return context;
}

export function probeAll(targets: readonly ProbeTarget[], options: ProbeOptions): Promise<ProbeResult[]> {
  return Promise.all(targets.map((target) => probePeer(target, options)));
}

/** Ids of the members that answer on their peer URL as members of `clusterId` right now. */
export async function membersAnswering(members: readonly Member[], clusterId: string, options: ProbeOptions): Promise<Set<string>> {
  const targets = members.flatMap((member) => member.peerURLs.slice(0, 1).map((url) => ({ peer: member.id, url })));
  const results = await probeAll(targets, options);
  return new Set(results.filter((result) => result.kind === 'member' && result.clusterId === clusterId).map((result) => result.peer));
}
