/**
 * DNS wire format (RFC 1035 §4), the small part muster needs: a growing writer with name
 * compression and a bounds-checked reader that follows compression pointers. Written here rather
 * than taken from the dns-packet package, which (5.6) has no NONE class (RFC 2136 deletions), no
 * TSIG record codec, and does not expose the exact bytes a TSIG MAC is computed over.
 */

export class WireError extends Error {}

export class Writer {
  private buffer = Buffer.alloc(512);
  private length = 0;
  private readonly names = new Map<string, number>();

  get offset(): number {
    return this.length;
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  u8(value: number): this {
    this.ensure(1);
    this.buffer.writeUInt8(value, this.length);
    this.length += 1;
    return this;
  }

  u16(value: number): this {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.length);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.length);
    this.length += 4;
    return this;
  }

  /** 48-bit unsigned (TSIG's time signed). */
  u48(value: number): this {
    return this.u16(Math.floor(value / 2 ** 32)).u32(value % 2 ** 32);
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Overwrites a 16-bit field written earlier (a length or a count). */
  patch16(offset: number, value: number): void {
    this.buffer.writeUInt16BE(value, offset);
  }

  /**
   * A domain name (FQDN with trailing dot). With `compress`, a suffix written before is replaced by
   * a pointer to it (§4.1.4); names in rdata and in TSIG are written whole.
   */
  name(fqdn: string, compress = false): this {
    const labels = splitLabels(fqdn);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const pointer = compress ? this.names.get(suffix) : undefined;
      if (pointer !== undefined) return this.u16(0xc000 | pointer);
      if (compress && this.length < 0x4000) this.names.set(suffix, this.length);
      const label = labelBytes(labels[i] as string);
      this.u8(label.length).bytes(label);
    }
    return this.u8(0);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

export class Reader {
  constructor(
    readonly buffer: Buffer,
    public offset = 0,
  ) {}

  private need(n: number): void {
    if (this.offset + n > this.buffer.length) throw new WireError(`message truncated at byte ${this.offset} (needs ${n} more)`);
  }

  u8(): number {
    this.need(1);
    return this.buffer.readUInt8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u48(): number {
    return this.u16() * 2 ** 32 + this.u32();
  }

  bytes(n: number): Buffer {
    this.need(n);
    const value = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }

  /** A name, following compression pointers; labels in text form, unusual bytes as \DDD. */
  name(): string {
    const labels: string[] = [];
    let offset = this.offset;
    let jumped = false;
    for (let hops = 0; ; hops++) {
      if (hops > 127) throw new WireError('name compression loop');
      if (offset >= this.buffer.length) throw new WireError('name runs past the end of the message');
      const length = this.buffer.readUInt8(offset);
      if ((length & 0xc0) === 0xc0) {
        if (offset + 1 >= this.buffer.length) throw new WireError('truncated compression pointer');
        if (!jumped) this.offset = offset + 2;
        jumped = true;
        offset = this.buffer.readUInt16BE(offset) & 0x3fff;
        continue;
      }
      if (length & 0xc0) throw new WireError(`unsupported label type 0x${length.toString(16)}`);
      if (length === 0) {
        if (!jumped) this.offset = offset + 1;
        break;
      }
      if (offset + 1 + length > this.buffer.length) throw new WireError('label runs past the end of the message');
      labels.push(labelText(this.buffer.subarray(offset + 1, offset + 1 + length)));
      offset += 1 + length;
    }
    return labels.length === 0 ? '.' : `${labels.join('.')}.`;
  }
}

function splitLabels(fqdn: string): string[] {
  if (fqdn === '.' || fqdn === '') return [];
  const trimmed = fqdn.endsWith('.') ? fqdn.slice(0, -1) : fqdn;
  return trimmed.split('.');
}

function labelBytes(label: string): Buffer {
  const bytes = Buffer.from(label, 'ascii');
  if (bytes.length === 0 || bytes.length > 63) throw new WireError(`label "${label}" must be 1-63 bytes`);
  return bytes;
}

function labelText(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_*-]/.test(ch) ? ch : `\\${String(byte).padStart(3, '0')}`;
  }
  return out;
}

/** Names compared as DNS does: case-insensitively (ASCII). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
