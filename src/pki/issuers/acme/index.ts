/**
 * The acme issuer: certificates from an ACME CA (Let's Encrypt, ZeroSSL, step-ca, Pebble) for the
 * node's DNS names and IP addresses (RFC 8738), proven with http-01 or dns-01.
 *
 * One account key per node (account_key_file, under root) and one registration per issuer
 * instance; each issue() is one order under config.timeout. When issue() gives up (timeout or the
 * caller's signal), the challenge listener and TXT records are removed right away, not when the
 * abandoned order would have finished.
 */
import { readFile } from 'node:fs/promises';
import { Client } from 'acme-client';
import { systemClock } from '../../../core/clock.js';
import { MusterError, describeError } from '../../../core/errors.js';
import { silentLogger, type Logger } from '../../../core/logger.js';
import { underRoot } from '../../../core/root-path.js';
import type { CertificateRequest, IssuedCertificate, Issuer } from '../../types.js';
import { loadOrCreateAccountKey, registerAccount } from './account.js';
import { assembleIssued, type RootSources } from './certificate.js';
import { challengeName, type DnsChallengeContext } from './dns01.js';
import { orderCertificate } from './order.js';
import type { AcmeIssuerConfig } from './schema.js';
import { Transport, type Problem } from './transport.js';

export type { AcmeIssuerConfig } from './schema.js';

/** How long a given-up issue() waits for the abandoned order to notice before cleaning up. */
const SETTLE_MS = 5_000;

export interface AcmeIssuerContext {
  /** The config's root: prefixes account_key_file (muster writes it). Files muster only reads are taken as given. */
  root: string;
  /** The DNS provider of the `dns` section, for dns-01. */
  dns?: DnsChallengeContext;
  logger?: Logger;
}

interface Session {
  client: Client;
  transport: Transport;
  roots: RootSources;
}

export function createAcmeIssuer(config: AcmeIssuerConfig, context: AcmeIssuerContext): Issuer {
  const logger = (context.logger ?? silentLogger).child({ issuer: 'acme', directory: config.directory });
  if (config.challenge.type === 'dns-01' && !context.dns) {
    throw new MusterError('the acme issuer\'s dns-01 challenge needs the dns section: muster publishes _acme-challenge TXT records through dns.provider', {
      code: 'ACME_DNS01_NO_PROVIDER',
      kind: 'config',
      hint: 'configure dns (zone and provider), or use challenge.type: http-01',
    });
  }
  let session: Promise<Session> | undefined;
  const openOnce = (): Promise<Session> =>
    (session ??= openSession(config, context.root, logger).catch((error: unknown) => {
      session = undefined; // a later issue() tries again (the server may be up by then)
      throw error;
    }));

  return {
    type: 'acme',
    async issue(request: CertificateRequest, signal?: AbortSignal): Promise<IssuedCertificate> {
      checkRequest(config, context.dns, request);
      const started = Date.now();
      const deadline = AbortSignal.timeout(config.timeout);
      const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
      const cleanups = new Set<() => Promise<void>>();
      const defer = (cleanup: () => Promise<void>): (() => Promise<void>) => {
        let done: Promise<void> | undefined;
        const once = (): Promise<void> => (done ??= cleanup().finally(() => cleanups.delete(once)));
        cleanups.add(once);
        return once;
      };
      logger.info({ certificate: request.name, dns: request.sans.dns, ips: request.sans.ips, challenge: config.challenge.type }, 'acme: ordering a certificate');
      let lastTransport: Transport | undefined;
      const work = (async () => {
        const { client, roots, transport } = await openOnce();
        lastTransport = transport;
        const call = { transport, signal: combined };
        const chain = await orderCertificate({ client, call, challenge: config.challenge, dns: context.dns, logger, defer }, request);
        return assembleIssued(chain, request, roots, config.directory);
      })();
      try {
        const issued = await untilAborted(work, combined);
        logger.info({ certificate: request.name, ms: Date.now() - started }, 'acme: certificate issued');
        return issued;
      } catch (error) {
        if (combined.aborted && !signal?.aborted) throw timeoutError(config, request, lastTransport?.lastProblem(started), error);
        throw error;
      } finally {
        // An abandoned order stops at its next step; waiting (briefly) for that lets a DNS write in
        // flight land before the cleanup, so the cleanup sees and removes it.
        if (combined.aborted) await settled(work, SETTLE_MS);
        await Promise.all([...cleanups].map((cleanup) => cleanup()));
      }
    },
  };
}

async function openSession(config: AcmeIssuerConfig, root: string, logger: Logger): Promise<Session> {
  const caBundle = config.ca_bundle === undefined ? undefined : { path: config.ca_bundle, pem: await readConfigFile(config.ca_bundle, 'ca_bundle') };
  const rootCaFile = config.root_ca_file === undefined ? undefined : { path: config.root_ca_file, pem: await readConfigFile(config.root_ca_file, 'root_ca_file') };
  const hmacKey = config.eab === undefined ? undefined : (await readConfigFile(config.eab.hmac_key_file, 'eab.hmac_key_file')).trim();
  const transport = new Transport(config.directory, caBundle);
  await transport.probe();
  const accountKey = await loadOrCreateAccountKey(underRoot(root, config.account_key_file), logger);
  const client = new Client({
    directoryUrl: config.directory,
    accountKey: accountKey.pem,
    ...(config.eab && hmacKey !== undefined ? { externalAccountBinding: { kid: config.eab.kid, hmacKey } } : {}),
  });
  transport.attach(client);
  await registerAccount(client, { transport }, config.email, logger);
  return { client, transport, roots: { ...(rootCaFile ? { rootCaFile } : {}), ...(caBundle ? { caBundle } : {}) } };
}

function checkRequest(config: AcmeIssuerConfig, dns: DnsChallengeContext | undefined, request: CertificateRequest): void {
  if (request.sans.dns.length + request.sans.ips.length === 0) {
    throw new MusterError(`certificate "${request.name}" names no DNS name or IP address: an ACME CA has nothing to validate`, { code: 'ACME_NO_IDENTIFIERS', kind: 'config' });
  }
  if (config.challenge.type !== 'dns-01' || !dns) return;
  if (request.sans.ips.length > 0) {
    throw new MusterError(`certificate "${request.name}" asks for IP addresses (${request.sans.ips.join(', ')}), which dns-01 cannot validate`, {
      code: 'ACME_DNS01_IP',
      kind: 'config',
      hint: 'use challenge.type: http-01 for certificates with IP addresses, or leave the addresses out of this certificate',
    });
  }
  // Names outside the zone fail here, before an order is spent on them.
  for (const name of request.sans.dns) challengeName(name.replace(/^\*\./, ''), dns.zone);
}

async function readConfigFile(path: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new MusterError(`acme issuer: cannot read ${key} ${path}: ${describeError(error)}`, { code: 'ACME_FILE_UNREADABLE', kind: 'config', cause: error });
  }
}

/** Resolves when `work` settles or after `ms`, whichever is first. */
async function settled(work: Promise<unknown>, ms: number): Promise<void> {
  const stop = new AbortController();
  await Promise.race([work.then(noop, noop), systemClock.sleep(ms, stop.signal).catch(noop)]);
  stop.abort();
}

function noop(): void {}

/** Settles with `work`, or rejects as soon as `signal` aborts (the work then finishes unobserved). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // an abandoned order's later failure is not an unhandled rejection
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function timeoutError(config: AcmeIssuerConfig, request: CertificateRequest, problem: Problem | undefined, cause: unknown): MusterError {
  const seconds = Math.round(config.timeout / 1000);
  return new MusterError(`acme: no certificate "${request.name}" from ${config.directory} within ${seconds}s${problem ? ` (last problem: ${problem.detail} (${problem.type}))` : ''}`, {
    code: 'ACME_TIMEOUT',
    kind: 'unavailable',
    retryable: true,
    hint: problem?.type === 'rateLimited' ? `the CA is rate-limiting this account${problem.retryAfter ? ` (Retry-After: ${problem.retryAfter})` : ''}` : 'the CA is slow or unreachable; raise timeout if it is busy',
    cause,
  });
}
