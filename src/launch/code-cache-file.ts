import { crc32 } from 'node:zlib';

/**
 * A V8 code cache file beside a bundle: a magic, the CRC-32 of the source it was made from, then
 * V8's data. V8 itself checks only the source's length (and its own version and flags), so a
 * bundle edited to the same length would run the cached code of the old one: the checksum rules
 * that out, as Node's own compile cache does (it keys on the same CRC-32).
 */
const MAGIC = Buffer.from('muster-code-cache-1\n');

/** CRC-32 from node:zlib (Node 20.15 and later); without it there is no cache at all. */
const checksum: ((data: Buffer) => number) | undefined = typeof crc32 === 'function' ? (data) => crc32(data) : undefined;

export function encodeCodeCache(source: Buffer, data: Buffer): Buffer | undefined {
  if (checksum === undefined) return undefined;
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(checksum(source));
  return Buffer.concat([MAGIC, sum, data]);
}

/** V8's data when the file was made from exactly this source; otherwise undefined (compile afresh). */
export function decodeCodeCache(source: Buffer, file: Buffer): Buffer | undefined {
  if (checksum === undefined || file.length <= MAGIC.length + 4) return undefined;
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (file.readUInt32BE(MAGIC.length) !== checksum(source)) return undefined;
  return file.subarray(MAGIC.length + 4);
}
