/**
 * TSIG (RFC 8945): signs requests and verifies the server's signatures on responses, including
 * the chained MACs of a multi-message zone transfer (§5.3.1). The MAC covers exact bytes, so it is
 * computed over the message as encoded, never over a re-encoding:
 *   request:        message (without TSIG) | TSIG variables
 *   first response: request MAC (u16 length + MAC) | response (without TSIG, original ID) | variables
 *   later ones:     previous MAC | unsigned messages since | this message | timers only
 * where the variables are key name and algorithm name in canonical (lower-case, uncompressed) wire
 * form, class ANY, TTL 0, time signed (48 bits), fudge, error, other len and other data.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS, type DecodedMessage } from './message.js';
import { TYPE_CODES } from './rdata.js';
import { Reader, Writer, sameName } from './wire.js';

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';

export interface TsigKey {
  /** Key name, FQDN (as named in the server's `key "…"` statement). */
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

const HASHES: Record<TsigAlgorithm, { hash: string; size: number }> = {
  'hmac-sha256': { hash: 'sha256', size: 32 },
  'hmac-sha512': { hash: 'sha512', size: 64 },
  'hmac-sha1': { hash: 'sha1', size: 20 },
};

export const TSIG_ERRORS: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

/** Seconds a signature is valid either side of its time (RFC 8945 recommends 300). */
const FUDGE = 300;

export type TsigProblem = 'unsigned' | 'bad-signature' | 'bad-time' | 'wrong-key' | 'server-rejected';

/** A response whose signature is missing or wrong, or a server that rejected ours (tsigError). */
export class TsigError extends Error {
  constructor(
    readonly problem: TsigProblem,
    message: string,
    readonly tsigError?: number,
  ) {
    super(message);
  }
}

interface TsigRecord {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** Appends a TSIG record to an encoded message; returns the signed message and its MAC. */
export function signMessage(message: Buffer, key: TsigKey, nowSeconds: number): { message: Buffer; mac: Buffer } {
  const id = message.readUInt16BE(0);
  const tsig = { keyName: key.name, algorithm: algorithmName(key.algorithm), timeSigned: nowSeconds, fudge: FUDGE, originalId: id, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, [message, variables(tsig)]);
  const w = new Writer();
  w.bytes(message);
  w.name(key.name).u16(TYPE_CODES.TSIG).u16(CLASS.ANY).u32(0);
  const rdata = new Writer()
    .name(tsig.algorithm)
    .u48(tsig.timeSigned)
    .u16(tsig.fudge)
    .u16(mac.length)
    .bytes(mac)
    .u16(tsig.originalId)
    .u16(tsig.error)
    .u16(0)
    .toBuffer();
  w.u16(rdata.length).bytes(rdata);
  const signed = w.toBuffer();
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10); // ARCOUNT
  return { message: signed, mac };
}

/** The wire size a TSIG record of this key adds to a message. */
export function tsigSize(key: TsigKey): number {
  return key.name.length + 1 + 10 + algorithmName(key.algorithm).length + 1 + 16 + HASHES[key.algorithm].size;
}

/** Verifies the responses to one signed request, in order. */
export class TsigVerifier {
  private previousMac: Buffer;
  private unsigned: Buffer[] = [];
  private first = true;

  constructor(
    private readonly key: TsigKey,
    requestMac: Buffer,
    private readonly now: () => number,
  ) {
    this.previousMac = requestMac;
  }

  /** Whether every message verified so far ended signed (the last message of a transfer must be). */
  get settled(): boolean {
    return this.unsigned.length === 0;
  }

  verify(raw: Buffer, decoded: DecodedMessage): void {
    if (decoded.tsigOffset === undefined) {
      if (this.first) throw new TsigError('unsigned', 'the response is not TSIG-signed');
      this.unsigned.push(raw);
      // RFC 8945 §5.3.1: at most 99 unsigned messages between two signed ones.
      if (this.unsigned.length > 99) throw new TsigError('unsigned', 'more than 99 unsigned messages in a row');
      return;
    }
    const tsig = readTsig(raw, decoded.tsigOffset);
    if (tsig.error !== 0) {
      const name = TSIG_ERRORS[tsig.error] ?? `TSIG error ${tsig.error}`;
      throw new TsigError('server-rejected', `the server rejected muster's signature: ${name}`, tsig.error);
    }
    if (!sameName(tsig.keyName, this.key.name) || !sameName(tsig.algorithm, algorithmName(this.key.algorithm))) {
      throw new TsigError('wrong-key', `the response is signed with key ${tsig.keyName} (${tsig.algorithm}), not ${this.key.name}`);
    }
    const body = Buffer.from(raw.subarray(0, decoded.tsigOffset));
    body.writeUInt16BE(tsig.originalId, 0);
    body.writeUInt16BE(body.readUInt16BE(10) - 1, 10);
    const prefix = new Writer().u16(this.previousMac.length).bytes(this.previousMac).toBuffer();
    const expected = this.first
      ? hmac(this.key, [prefix, body, variables(tsig)])
      : hmac(this.key, [prefix, ...this.unsigned, body, new Writer().u48(tsig.timeSigned).u16(tsig.fudge).toBuffer()]);
    // A truncated MAC (RFC 8945 §5.2.2.1) is allowed down to half the hash and at least 10 bytes.
    const minimum = Math.max(10, expected.length / 2);
    if (tsig.mac.length < minimum || tsig.mac.length > expected.length || !timingSafeEqual(tsig.mac, expected.subarray(0, tsig.mac.length))) {
      throw new TsigError('bad-signature', "the server's TSIG signature does not verify");
    }
    if (Math.abs(this.now() - tsig.timeSigned) > tsig.fudge) {
      throw new TsigError('bad-time', `the server's signature time is ${tsig.timeSigned - this.now()}s off this machine's clock (fudge ${tsig.fudge}s)`);
    }
    this.previousMac = tsig.mac;
    this.unsigned = [];
    this.first = false;
  }
}

/** The TSIG error a server put in an unverifiable response (it cannot sign when our key is wrong). */
export function tsigErrorOf(raw: Buffer, decoded: DecodedMessage): number | undefined {
  return decoded.tsigOffset === undefined ? undefined : readTsig(raw, decoded.tsigOffset).error;
}

function readTsig(raw: Buffer, offset: number): TsigRecord {
  const r = new Reader(raw, offset);
  const keyName = r.name();
  r.u16(); // type
  r.u16(); // class
  r.u32(); // ttl
  r.u16(); // rdlength
  const algorithm = r.name();
  const timeSigned = r.u48();
  const fudge = r.u16();
  const mac = Buffer.from(r.bytes(r.u16()));
  const originalId = r.u16();
  const error = r.u16();
  const other = Buffer.from(r.bytes(r.u16()));
  return { keyName, algorithm, timeSigned, fudge, mac, originalId, error, other };
}

function variables(tsig: Omit<TsigRecord, 'mac'>): Buffer {
  return new Writer()
    .name(tsig.keyName.toLowerCase())
    .u16(CLASS.ANY)
    .u32(0)
    .name(tsig.algorithm.toLowerCase())
    .u48(tsig.timeSigned)
    .u16(tsig.fudge)
    .u16(tsig.error)
    .u16(tsig.other.length)
    .bytes(tsig.other)
    .toBuffer();
}

function hmac(key: TsigKey, parts: readonly Buffer[]): Buffer {
  const h = createHmac(HASHES[key.algorithm].hash, key.secret);
  for (const part of parts) h.update(part);
  return h.digest();
}

function algorithmName(algorithm: TsigAlgorithm): string {
  return `${algorithm}.`;
}
