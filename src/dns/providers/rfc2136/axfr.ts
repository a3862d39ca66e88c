/**
 * Reads a zone with a TSIG-signed AXFR (RFC 5936) over TCP: the answer is a stream of messages
 * that starts and ends with the zone's SOA; every message's signature is verified (§5.3.1 of
 * RFC 8945 allows a server to sign only every few messages; the last must be signed).
 */
import { CLASS, OPCODE, opcodeFlags, type ResourceRecord } from './message.js';
import { TYPE_CODES } from './rdata.js';
import { startExchange, malformed } from './exchange.js';
import type { ExchangeContext } from './errors.js';
import type { TsigKey } from './tsig.js';
import type { TcpChannel } from './transport.js';

/** Every record of the zone except the SOA. */
export async function transferZone(channel: TcpChannel, zone: string, key: TsigKey, ctx: ExchangeContext, now: () => number): Promise<ResourceRecord[]> {
  const exchange = startExchange(
    channel,
    { flags: opcodeFlags(OPCODE.QUERY), questions: [{ name: zone, type: TYPE_CODES.AXFR, class: CLASS.IN }], answers: [], authorities: [], additionals: [] },
    key,
    ctx,
    now,
  );
  const records: ResourceRecord[] = [];
  let soas = 0;
  for (;;) {
    const message = await exchange.next();
    if (message.answers.length === 0) throw malformed(ctx, 'a transfer message without records');
    for (const rr of message.answers) {
      if (soas === 0 && rr.type !== TYPE_CODES.SOA) throw malformed(ctx, 'the transfer does not start with the SOA');
      if (rr.type === TYPE_CODES.SOA) soas++;
      else records.push(rr);
      if (soas === 2) {
        if (!exchange.settled) throw malformed(ctx, 'the last transfer message is not signed');
        return records;
      }
    }
  }
}
