/**
 * Record data of the types muster manages, between canonical values (record.ts) and wire bytes.
 * Names inside rdata are written uncompressed (always allowed, and required for SRV by RFC 2782).
 */
import { formatIPv6, parseIPv6 } from '../../record.js';
import type { RecordType } from '../../types.js';
import { WireError, Writer, type Reader } from './wire.js';

export const TYPE_CODES: Record<RecordType | 'NS' | 'SOA' | 'TSIG' | 'AXFR' | 'ANY', number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  AXFR: 252,
  TSIG: 250,
  ANY: 255,
};

const MANAGED: ReadonlyMap<number, RecordType> = new Map([
  [1, 'A'],
  [5, 'CNAME'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
]);

export function managedType(code: number): RecordType | undefined {
  return MANAGED.get(code);
}

/** The wire rdata of one canonical value. */
export function encodeRdata(type: RecordType, value: string): Buffer {
  const w = new Writer();
  switch (type) {
    case 'A':
      for (const octet of value.split('.')) w.u8(Number(octet));
      break;
    case 'AAAA':
      w.bytes(parseIPv6(value));
      break;
    case 'CNAME':
      w.name(value);
      break;
    case 'TXT': {
      // A TXT value longer than one character-string (255 bytes) is split; readers join them.
      const bytes = Buffer.from(value, 'utf8');
      for (let i = 0; i === 0 || i < bytes.length; i += 255) {
        const chunk = bytes.subarray(i, i + 255);
        w.u8(chunk.length).bytes(chunk);
      }
      break;
    }
    case 'SRV': {
      const [priority, weight, port, target] = value.split(' ') as [string, string, string, string];
      w.u16(Number(priority)).u16(Number(weight)).u16(Number(port)).name(target);
      break;
    }
  }
  return w.toBuffer();
}

/**
 * The value of one record of a managed type, read from `reader` (positioned at the rdata, which is
 * `length` bytes long, inside the whole message so that compressed names resolve).
 */
export function decodeRdata(type: RecordType, reader: Reader, length: number): string {
  const end = reader.offset + length;
  let value: string;
  switch (type) {
    case 'A':
      if (length !== 4) throw new WireError(`A record with ${length} bytes of data`);
      value = [...reader.bytes(4)].join('.');
      break;
    case 'AAAA':
      if (length !== 16) throw new WireError(`AAAA record with ${length} bytes of data`);
      value = formatIPv6(reader.bytes(16));
      break;
    case 'CNAME':
      value = reader.name().toLowerCase();
      break;
    case 'TXT': {
      const parts: Buffer[] = [];
      while (reader.offset < end) parts.push(reader.bytes(reader.u8()));
      value = Buffer.concat(parts).toString('utf8');
      break;
    }
    case 'SRV': {
      const priority = reader.u16();
      const weight = reader.u16();
      const port = reader.u16();
      value = `${priority} ${weight} ${port} ${reader.name().toLowerCase()}`;
      break;
    }
  }
  if (reader.offset !== end) throw new WireError(`${type} record data is ${length} bytes, read ${length + reader.offset - end}`);
  return value;
}
