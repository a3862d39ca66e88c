import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { CLASS, OPCODE, decodeMessage, encodeMessage, opcodeFlags } from './message.js';
import { TYPE_CODES, encodeRdata } from './rdata.js';
import { TsigVerifier, signMessage, type TsigError, type TsigKey } from './tsig.js';
import { Writer } from './wire.js';

/**
 * The server side of RFC 8945 written out from the RFC, independently of TsigVerifier, for what
 * BIND does not do: BIND signs every message of a transfer, but §5.3.1 lets a server leave up to
 * 99 in a row unsigned. (Against BIND itself, signatures are checked in rfc2136.test.ts.)
 */
const key: TsigKey = { name: 'test-key.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 9) };
const NOW = 1_700_000_000;

function answer(id: number, ip: string): Buffer {
  const rdata = encodeRdata('A', ip);
  return encodeMessage({
    id,
    flags: 0x8000 | opcodeFlags(OPCODE.QUERY),
    questions: [],
    answers: [{ name: 'h.example.test.', type: TYPE_CODES.A, class: CLASS.IN, ttl: 60, rdata }],
    authorities: [],
    additionals: [],
  });
}

function serverSign(message: Buffer, digestPrefix: Buffer[], full: boolean, time = NOW): { signed: Buffer; mac: Buffer } {
  const alg = new Writer().name('hmac-sha256.').toBuffer();
  const owner = new Writer().name('test-key.').toBuffer();
  const timers = new Writer().u48(time).u16(300).toBuffer();
  const vars = full ? Buffer.concat([owner, Buffer.from([0, 255, 0, 0, 0, 0]), alg, timers, Buffer.from([0, 0, 0, 0])]) : timers;
  const mac = createHmac('sha256', key.secret).update(Buffer.concat([...digestPrefix, message, vars])).digest();
  const rdata = Buffer.concat([alg, timers, new Writer().u16(mac.length).toBuffer(), mac, message.subarray(0, 2), Buffer.from([0, 0, 0, 0])]);
  const rr = Buffer.concat([owner, new Writer().u16(TYPE_CODES.TSIG).u16(CLASS.ANY).u32(0).u16(rdata.length).toBuffer(), rdata]);
  const signed = Buffer.concat([message, rr]);
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

const withLength = (mac: Buffer): Buffer => Buffer.concat([new Writer().u16(mac.length).toBuffer(), mac]);

describe('TSIG verification of multi-message answers', () => {
  const request = signMessage(answer(42, '10.0.0.1'), key, NOW);

  it('verifies a chain where the server left messages unsigned between signed ones', () => {
    const first = serverSign(answer(42, '10.0.0.1'), [withLength(request.mac)], true);
    const unsigned = answer(42, '10.0.0.2');
    const last = serverSign(answer(42, '10.0.0.3'), [withLength(first.mac), unsigned], false);
    const verifier = new TsigVerifier(key, request.mac, () => NOW + 5);
    verifier.verify(first.signed, decodeMessage(first.signed));
    verifier.verify(unsigned, decodeMessage(unsigned));
    assert.equal(verifier.settled, false, 'an unsigned message must be followed by a signed one');
    verifier.verify(last.signed, decodeMessage(last.signed));
    assert.equal(verifier.settled, true);
  });

  it('rejects a chain whose unsigned message was altered', () => {
    const first = serverSign(answer(42, '10.0.0.1'), [withLength(request.mac)], true);
    const last = serverSign(answer(42, '10.0.0.3'), [withLength(first.mac), answer(42, '10.0.0.2')], false);
    const verifier = new TsigVerifier(key, request.mac, () => NOW);
    verifier.verify(first.signed, decodeMessage(first.signed));
    const forged = answer(42, '10.6.6.6');
    verifier.verify(forged, decodeMessage(forged));
    assert.throws(() => verifier.verify(last.signed, decodeMessage(last.signed)), (error: TsigError) => error.problem === 'bad-signature');
  });

  it('rejects an unsigned first answer, a signature for another request, and a stale time', () => {
    const plain = answer(42, '10.0.0.1');
    assert.throws(() => new TsigVerifier(key, request.mac, () => NOW).verify(plain, decodeMessage(plain)), (error: TsigError) => error.problem === 'unsigned');
    const other = serverSign(answer(42, '10.0.0.1'), [withLength(Buffer.alloc(32, 1))], true);
    assert.throws(() => new TsigVerifier(key, request.mac, () => NOW).verify(other.signed, decodeMessage(other.signed)), (error: TsigError) => error.problem === 'bad-signature');
    const old = serverSign(answer(42, '10.0.0.1'), [withLength(request.mac)], true, NOW - 301);
    assert.throws(() => new TsigVerifier(key, request.mac, () => NOW).verify(old.signed, decodeMessage(old.signed)), (error: TsigError) => error.problem === 'bad-time');
  });
});
