import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads which cluster and member an etcd data dir belongs to, from the metadata record at the
 * start of its first write-ahead-log file (etcd's wal/encoder.go framing, walpb.Record, and
 * etcdserverpb.Metadata{NodeID, ClusterID}). Knowing this lets muster keep a data dir of the
 * current cluster and set aside one of another cluster, instead of guessing.
 */
const METADATA_RECORD = 1n;
const READ_LIMIT = 64 * 1024;

export interface WalIdentity {
  memberId: string;
  clusterId: string;
}

export async function readWalIdentity(dataDir: string): Promise<WalIdentity | undefined> {
  const walDir = join(dataDir, 'member', 'wal');
  let names: string[];
  try {
    names = (await readdir(walDir)).filter((name) => name.endsWith('.wal')).sort();
  } catch {
    return undefined;
  }
  const first = names[0];
  if (first === undefined) return undefined;
  const handle = await open(join(walDir, first), 'r');
  try {
    const buffer = Buffer.alloc(READ_LIMIT);
    const { bytesRead } = await handle.read(buffer, 0, READ_LIMIT, 0);
    return parseWalIdentity(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export function parseWalIdentity(bytes: Uint8Array): WalIdentity | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= view.length) {
    const frame = view.readBigUInt64LE(offset);
    offset += 8;
    const length = Number(frame & 0x00ff_ffff_ffff_ffffn);
    const padding = frame & 0x8000_0000_0000_0000n ? Number((frame >> 56n) & 0x7n) : 0;
    if (length === 0 || offset + length > view.length) return undefined;
    const record = decodeFields(view.subarray(offset, offset + length));
    offset += length + padding;
    if (record.get(1) === METADATA_RECORD) {
      const data = record.get(3);
      if (!(data instanceof Uint8Array)) return undefined;
      const metadata = decodeFields(data);
      const memberId = metadata.get(1);
      const clusterId = metadata.get(2);
      if (typeof memberId !== 'bigint' || typeof clusterId !== 'bigint') return undefined;
      return { memberId: memberId.toString(16), clusterId: clusterId.toString(16) };
    }
  }
  return undefined;
}

/** Minimal protobuf decoding: varint and length-delimited fields, by field number. */
function decodeFields(bytes: Uint8Array): Map<number, bigint | Uint8Array> {
  const fields = new Map<number, bigint | Uint8Array>();
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new RangeError('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  try {
    while (offset < bytes.length) {
      const key = Number(varint());
      const field = key >> 3;
      const wireType = key & 7;
      if (wireType === 0) fields.set(field, varint());
      else if (wireType === 2) {
        const length = Number(varint());
        fields.set(field, bytes.subarray(offset, offset + length));
        offset += length;
      } else if (wireType === 5) offset += 4;
      else if (wireType === 1) offset += 8;
      else break;
    }
  } catch {
    // A torn record: return what was decoded so far.
  }
  return fields;
}
