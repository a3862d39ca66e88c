/**
 * DNS messages as RFC 2136 UPDATE and AXFR use them: a header, four sections of resource
 * records, and the raw bytes kept next to the parsed form, because a TSIG MAC covers exact bytes.
 * In an UPDATE the sections are named zone / prerequisite / update / additional; on the wire they
 * are the question / answer / authority / additional sections of a query.
 */
import { decodeRdata, managedType } from './rdata.js';
import { Reader, Writer } from './wire.js';

export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Raw rdata (names inside may be compression pointers into the message). */
  rdata: Buffer;
  /** Canonical value, for records of a managed type read from a message. */
  value?: string;
}

export interface Message {
  id: number;
  /** The flags word: QR, opcode, AA, TC, RD, RA, Z, rcode. */
  flags: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export interface DecodedMessage extends Message {
  /** Offset of the TSIG record if the message ends with one, else undefined. */
  tsigOffset: number | undefined;
}

export function opcodeFlags(opcode: number): number {
  return opcode << 11;
}

export function rcodeOf(message: Pick<Message, 'flags'>): number {
  return message.flags & 0xf;
}

export function isTruncated(message: Pick<Message, 'flags'>): boolean {
  return (message.flags & 0x0200) !== 0;
}

/** Encodes a message, compressing owner names (rdata is written as given). */
export function encodeMessage(message: Message): Buffer {
  const w = new Writer();
  w.u16(message.id).u16(message.flags);
  w.u16(message.questions.length).u16(message.answers.length).u16(message.authorities.length).u16(message.additionals.length);
  for (const q of message.questions) w.name(q.name, true).u16(q.type).u16(q.class);
  for (const rr of [...message.answers, ...message.authorities, ...message.additionals]) {
    w.name(rr.name, true).u16(rr.type).u16(rr.class).u32(rr.ttl).u16(rr.rdata.length).bytes(rr.rdata);
  }
  return w.toBuffer();
}

/** Upper bound of a record's encoded size (its owner name uncompressed). */
export function recordSize(rr: ResourceRecord): number {
  return nameSize(rr.name) + 10 + rr.rdata.length;
}

export function nameSize(fqdn: string): number {
  return fqdn === '.' ? 1 : Buffer.byteLength(fqdn.endsWith('.') ? fqdn : `${fqdn}.`, 'ascii') + 1;
}

export function decodeMessage(buffer: Buffer): DecodedMessage {
  const r = new Reader(buffer);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const sections: ResourceRecord[][] = [[], [], []];
  let tsigOffset: number | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < (counts[s + 1] as number); i++) {
      const start = r.offset;
      const rr = readRecord(r);
      if (s === 2 && rr.type === 250 && i === counts[3] - 1) tsigOffset = start;
      (sections[s] as ResourceRecord[]).push(rr);
    }
  }
  return { id, flags, questions, answers: sections[0] ?? [], authorities: sections[1] ?? [], additionals: sections[2] ?? [], tsigOffset };
}

function readRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16();
  const klass = r.u16();
  const ttl = r.u32();
  const length = r.u16();
  const start = r.offset;
  const rdata = r.bytes(length);
  const managed = managedType(type);
  if (!managed || klass !== CLASS.IN || length === 0) return { name, type, class: klass, ttl, rdata };
  const inner = new Reader(r.buffer, start);
  return { name, type, class: klass, ttl, rdata, value: decodeRdata(managed, inner, length) };
}
