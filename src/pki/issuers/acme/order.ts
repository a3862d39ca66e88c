/**
 * One ACME order (RFC 8555 §7.4) with acme-client's low-level calls: new order → authorizations →
 * answer the pending ones' challenges → finalize with the node's own CSR → download. The node's
 * key never reaches the ACME library; only the CSR does. Challenge answers (the http-01 listener,
 * the dns-01 TXT records) exist only while the order needs them.
 */
import type { Authorization, Client, Order } from 'acme-client';
import { systemClock } from '../../../core/clock.js';
import { MusterError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { canonicalIp } from '../../sans.js';
import type { CertificateRequest } from '../../types.js';
import { acmeCall, type CallContext } from './errors.js';
import { challengeName, publish, unpublish, type DnsChallengeContext, type TxtValue } from './dns01.js';
import { leaseChallengeServer, type ChallengeLease } from './http01-server.js';
import type { AcmeChallengeConfig } from './schema.js';

export interface OrderContext {
  client: Client;
  call: CallContext & { signal: AbortSignal };
  challenge: AcmeChallengeConfig;
  dns: DnsChallengeContext | undefined;
  logger: Logger;
  /** Registers a cleanup that issue() also runs when it gives up before the order finishes. */
  defer(cleanup: () => Promise<void>): () => Promise<void>;
}

export function identifiersOf(request: CertificateRequest): { type: 'dns' | 'ip'; value: string }[] {
  return [...request.sans.dns.map((value) => ({ type: 'dns' as const, value: value.toLowerCase() })), ...request.sans.ips.map((value) => ({ type: 'ip' as const, value: canonicalIp(value) }))];
}

/** Returns the PEM chain as the CA sent it (leaf first). */
export async function orderCertificate(ctx: OrderContext, request: CertificateRequest): Promise<string> {
  const { client, call } = ctx;
  const created = await acmeCall(call, 'creating an order', () => client.createOrder({ identifiers: identifiersOf(request) }));
  const authorizations = await acmeCall(call, 'reading the order\'s authorizations', () => client.getAuthorizations(created));
  const pending: Authorization[] = [];
  for (const authz of authorizations) {
    if (authz.status === 'pending') pending.push(authz);
    else if (authz.status !== 'valid') throw authzFailed(ctx, authz, undefined, `the authorization is ${authz.status}`);
  }
  // A CA may reuse authorizations it validated before (Pebble does half of the time): nothing to answer then.
  if (pending.length > 0) await (ctx.challenge.type === 'http-01' ? answerHttp01(ctx, created, pending) : answerDns01(ctx, created, pending));
  let order = await waitForOrder(ctx, created, ['ready', 'valid'], 'waiting for the order to become ready');
  if (order.status === 'ready') {
    const ready = order;
    order = await acmeCall(call, 'finalizing the order', () => client.finalizeOrder(ready, request.csrPem));
  }
  const valid = await waitForOrder(ctx, order, ['valid'], 'waiting for the certificate');
  return acmeCall(call, 'downloading the certificate', () => client.getCertificate(valid));
}

async function answerHttp01(ctx: OrderContext, order: Order, pending: readonly Authorization[]): Promise<void> {
  if (ctx.challenge.type !== 'http-01') return;
  const lease = await leaseChallengeServer(ctx.challenge.address, ctx.challenge.port, ctx.logger);
  const release = ctx.defer(() => lease.release());
  try {
    const answers = await Promise.all(
      pending.map(async (authz) => {
        const challenge = pick(ctx, authz, 'http-01');
        lease.add(challenge.token, await ctx.client.getChallengeKeyAuthorization(challenge));
        return { authz, challenge };
      }),
    );
    await complete(ctx, order, answers, lease);
  } finally {
    await release();
  }
}

async function answerDns01(ctx: OrderContext, order: Order, pending: readonly Authorization[]): Promise<void> {
  const dns = ctx.dns;
  if (ctx.challenge.type !== 'dns-01' || !dns) return;
  const answers = await Promise.all(
    pending.map(async (authz) => {
      const challenge = pick(ctx, authz, 'dns-01');
      const value: TxtValue = {
        identifier: authz.identifier.value,
        name: challengeName(authz.identifier.value, dns.zone),
        value: await ctx.client.getChallengeKeyAuthorization(challenge),
      };
      return { authz, challenge, value };
    }),
  );
  const values = answers.map((answer) => answer.value);
  const remove = ctx.defer(() => unpublish(dns, values, ctx.logger));
  try {
    await publish(dns, values, ctx.challenge.propagation_timeout, ctx.logger, ctx.call.signal);
    await complete(ctx, order, answers, undefined);
  } finally {
    await remove();
  }
}

type Challenge = Authorization['challenges'][number];
type Answer = { authz: Authorization; challenge: Challenge };

async function complete(ctx: OrderContext, order: Order, answers: readonly Answer[], lease: ChallengeLease | undefined): Promise<void> {
  await Promise.all(
    answers.map(({ authz, challenge }) =>
      acmeCall(ctx.call, `answering the ${challenge.type} challenge for ${authz.identifier.value}`, () => ctx.client.completeChallenge(challenge)),
    ),
  );
  await Promise.all(answers.map((answer) => waitForAuthz(ctx, order, answer, lease)));
}

function pick(ctx: OrderContext, authz: Authorization, type: Challenge['type']): Challenge {
  const challenge = authz.challenges.find((c) => c.type === type);
  if (challenge) return challenge;
  const offered = authz.challenges.map((c) => c.type).join(', ') || 'none';
  throw new MusterError(`${ctx.call.transport.directory} offers no ${type} challenge for ${authz.identifier.value} (it offers ${offered})`, {
    code: 'ACME_CHALLENGE_UNAVAILABLE',
    kind: 'config',
    hint: authz.identifier.type === 'ip' ? 'IP addresses can only be validated with http-01 (or tls-alpn-01)' : 'set challenge.type to one the CA offers',
  });
}

async function waitForAuthz(ctx: OrderContext, order: Order, answer: Answer, lease: ChallengeLease | undefined): Promise<void> {
  const what = `waiting for the CA to validate ${answer.authz.identifier.value}`;
  await poll(ctx, async () => {
    const [authz] = await acmeCall(ctx.call, what, () => ctx.client.getAuthorizations({ ...order, authorizations: [answer.authz.url] }));
    if (!authz || authz.status === 'pending') return false;
    if (authz.status === 'valid') return true;
    throw authzFailed(ctx, authz, lease, undefined, answer.challenge);
  });
}

async function waitForOrder(ctx: OrderContext, order: Order, until: readonly Order['status'][], what: string): Promise<Order> {
  let current = order;
  await poll(ctx, async () => {
    current = await acmeCall(ctx.call, what, () => ctx.client.getOrder(current));
    if (until.includes(current.status)) return true;
    if (current.status === 'invalid') {
      const problem = describeProblem(current.error);
      throw new MusterError(`ACME order at ${ctx.call.transport.directory} became invalid: ${problem}`, { code: 'ACME_ORDER_INVALID', kind: 'unavailable', hint: 'see the CA\'s reason above' });
    }
    return false;
  });
  return current;
}

/** Polls quickly at first (a CA often validates in milliseconds), then every 2 s at most. */
async function poll(ctx: OrderContext, done: () => Promise<boolean>): Promise<void> {
  for (let delay = 100; !(await done()); delay = Math.min(2000, delay * 1.5)) await systemClock.sleep(delay, ctx.call.signal);
}

function describeProblem(error: unknown): string {
  const problem = (error ?? {}) as { type?: unknown; detail?: unknown };
  const type = typeof problem.type === 'string' ? problem.type.replace(/^urn:ietf:params:acme:error:/, '') : undefined;
  const detail = typeof problem.detail === 'string' ? problem.detail : 'no reason given';
  return type ? `${detail} (${type})` : detail;
}

function authzFailed(ctx: OrderContext, authz: Authorization, lease: ChallengeLease | undefined, reason?: string, answered?: Challenge): MusterError {
  const identifier = authz.identifier.value;
  const challenge = authz.challenges.find((c) => c.type === (answered?.type ?? ctx.challenge.type)) ?? answered;
  const why = reason ?? describeProblem(challenge?.error);
  let hint: string;
  if (ctx.challenge.type === 'dns-01') {
    hint = `the CA looked up TXT _acme-challenge.${identifier}: check that the public delegation of ${ctx.dns?.zone ?? 'the zone'} points to the servers the dns provider writes, or raise challenge.propagation_timeout`;
  } else {
    const fetches = lease && answered && 'token' in answered ? lease.fetches(answered.token) : 0;
    hint =
      fetches === 0
        ? `the CA never reached muster's challenge server on ${lease?.endpoint ?? `port ${ctx.challenge.port}`}: is port 80 of ${identifier} reachable from the CA and forwarded to this node (firewall, NAT, load balancer)? Otherwise use dns-01`
        : `the CA fetched the challenge ${fetches} time(s) but did not accept the answer: does a proxy in front of this node change it?`;
  }
  return new MusterError(`ACME ${answered?.type ?? ctx.challenge.type} challenge for ${identifier} failed: ${why}`, {
    code: 'ACME_CHALLENGE_FAILED',
    kind: 'config',
    hint,
  });
}
