/**
 * One signed request and its verified answers over a TCP channel: the part UPDATE and AXFR share.
 * Every answer must carry the request's ID, a NOERROR rcode and a valid TSIG signature from the
 * server (or the chained signatures of a multi-message transfer).
 */
import { randomInt } from 'node:crypto';
import { MusterError } from '../../../core/errors.js';
import { rcodeError, tsigError, type ExchangeContext } from './errors.js';
import { decodeMessage, encodeMessage, rcodeOf, type DecodedMessage, type Message } from './message.js';
import { TsigError, TsigVerifier, signMessage, tsigErrorOf, type TsigKey } from './tsig.js';
import type { TcpChannel } from './transport.js';
import { WireError } from './wire.js';

export interface Exchange {
  /** The next answer, checked and verified. */
  next(): Promise<DecodedMessage>;
  /** Whether the last answer was signed (a transfer must end signed). */
  readonly settled: boolean;
}

export function startExchange(
  channel: TcpChannel,
  request: Omit<Message, 'id'>,
  key: TsigKey,
  ctx: ExchangeContext,
  now: () => number,
): Exchange {
  const id = randomInt(0, 0x10000);
  const { message, mac } = signMessage(encodeMessage({ ...request, id }), key, now());
  channel.send(message);
  const verifier = new TsigVerifier(key, mac, now);
  return {
    get settled() {
      return verifier.settled;
    },
    async next() {
      const raw = await channel.receive();
      let decoded: DecodedMessage;
      try {
        decoded = decodeMessage(raw);
      } catch (error) {
        if (error instanceof WireError) throw malformed(ctx, error.message);
        throw error;
      }
      if (decoded.id !== id) throw malformed(ctx, `an answer with ID ${decoded.id} to request ${id}`);
      const rcode = rcodeOf(decoded);
      if (rcode !== 0) throw rcodeError(ctx, rcode, safeTsigError(raw, decoded));
      try {
        verifier.verify(raw, decoded);
      } catch (error) {
        if (error instanceof TsigError) throw tsigError(ctx, error);
        if (error instanceof WireError) throw malformed(ctx, error.message);
        throw error;
      }
      return decoded;
    },
  };
}

function safeTsigError(raw: Buffer, decoded: DecodedMessage): number | undefined {
  try {
    return tsigErrorOf(raw, decoded);
  } catch {
    return undefined;
  }
}

export function malformed(ctx: ExchangeContext, problem: string): MusterError {
  return new MusterError(`rfc2136 DNS provider: a malformed answer from ${ctx.server} during the ${ctx.what} of ${ctx.zone}: ${problem}`, {
    code: 'DNS_MALFORMED_ANSWER',
    kind: 'unavailable',
    retryable: true,
    hint: 'is dns.provider.server a DNS server (not another service on that port)?',
  });
}
