import ssh2, { type ParsedKey } from 'ssh2';

/**
 * The public half of an unencrypted private key (OpenSSH "new" format or PEM), or undefined if
 * the data is not one. ssh2's parser returns an array for the OpenSSH format (a file may hold
 * several keys); the first is the one ssh2 authenticates with. Its error messages are dropped on
 * purpose: they may quote the input.
 */
export function publicHalfOf(privateKey: Buffer | string): { type: string; blob: Buffer } | undefined {
  const parsed = ssh2.utils.parseKey(privateKey) as ParsedKey | ParsedKey[] | Error;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error || !key.isPrivateKey()) return undefined;
  return { type: key.type, blob: key.getPublicSSH() };
}
