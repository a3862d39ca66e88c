import { crc32 } from 'node:zlib';

/**
 * A V8 code cache file beside a bundle: a magic, the CRC-32 of the source it was made from, then
 * V8's data. V8 itself checks only the source's length (and its own version and flags), so a
 * bundle edited to the same length would run the cached code of the old one: the checksum rules
 * that out, as Node's own compile cache does (it keys on the same CRC-32).
 */
const MAGIC = Buffer.from('muster-code-cache-1\n');

/** The source's checksum: CRC-32 from node:zlib (Node 20.15 and later); without it, no cache at all. */
export function sourceChecksum(source: Buffer): number | undefined {
  return typeof crc32 === 'function' ? crc32(source) : undefined;
}

export function encodeCodeCache(checksum: number, data: Buffer): Buffer {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(checksum);
  return Buffer.concat([MAGIC, sum, data]);
}

/** V8's data when the file was made from the source with this checksum; otherwise undefined (compile afresh). */
export function decodeCodeCache(checksum: number, file: Buffer): Buffer | undefined {
  if (file.length <= MAGIC.length + 4) return undefined;
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (file.readUInt32BE(MAGIC.length) !== checksum) return undefined;
  return file.subarray(MAGIC.length + 4);
}
