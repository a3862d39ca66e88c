import { MusterError } from '../../core/errors.js';

/** One OpenSSH public key, as in a `.pub` file: `type base64-blob [comment]`. */
export interface PublicKeyLine {
  type: string;
  /** The wire-format key blob (what the base64 field decodes to). */
  blob: Buffer;
  /** The base64 field as written, which is also how authorized_keys lines are matched. */
  base64: string;
  comment: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses a `.pub` line. The blob starts with its own type name (RFC 4253 §6.6); checking that
 * it matches the first field catches a truncated or pasted-wrong key before it is installed
 * anywhere.
 */
export function parsePublicKeyLine(line: string): PublicKeyLine {
  const [type, base64, ...rest] = line.trim().split(/\s+/);
  if (type === undefined || base64 === undefined || !BASE64.test(base64)) {
    throw invalid('it is not "type base64 [comment]"');
  }
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 4) throw invalid('its key blob is empty');
  const nameLength = blob.readUInt32BE(0);
  const embedded = blob.subarray(4, 4 + nameLength).toString('latin1');
  if (embedded !== type) throw invalid(`its blob says ${JSON.stringify(embedded)}, the line says ${JSON.stringify(type)}`);
  return { type, blob, base64, comment: rest.join(' ') };
}

export function formatPublicKeyLine(type: string, blob: Buffer, comment: string): string {
  return comment === '' ? `${type} ${blob.toString('base64')}` : `${type} ${blob.toString('base64')} ${comment}`;
}

function invalid(why: string): MusterError {
  // The line is a public key, but it is left out anyway: a garbled paste may hold anything.
  return new MusterError(`not an OpenSSH public key line: ${why}`, { code: 'SSH_PUBLIC_KEY_INVALID', kind: 'config' });
}
