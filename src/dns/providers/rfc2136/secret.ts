/**
 * Reads a TSIG secret from a file: either what `tsig-keygen` writes (a BIND `key "name" { algorithm
 * …; secret "…"; };` block) or a bare base64 line. Error messages name the file, never its content.
 */
import { readFile } from 'node:fs/promises';
import { MusterError } from '../../../core/errors.js';

export interface SecretFile {
  secret: Buffer;
  /** Declared by a key block, to check against the config. */
  name?: string;
  algorithm?: string;
}

export async function readSecretFile(path: string): Promise<SecretFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MusterError(`rfc2136 DNS provider: cannot read the TSIG secret file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      code: 'DNS_TSIG_SECRET_UNREADABLE',
      kind: 'config',
      hint: 'set dns.provider.tsig.secret_file to a file readable by muster (tsig-keygen output, or one base64 line)',
      cause: error,
    });
  }
  return parseSecretFile(text, path);
}

export function parseSecretFile(text: string, path: string): SecretFile {
  const invalid = (problem: string): MusterError =>
    new MusterError(`rfc2136 DNS provider: the TSIG secret file ${path} ${problem}`, {
      code: 'DNS_TSIG_SECRET_INVALID',
      kind: 'config',
      hint: 'write `tsig-keygen -a hmac-sha256 NAME` output into it, or the base64 secret alone on one line',
    });
  const block = /key\s+"?([^"\s{]+)"?\s*\{([^}]*)\}/.exec(text);
  let base64: string;
  let name: string | undefined;
  let algorithm: string | undefined;
  if (block) {
    name = block[1];
    const body = block[2] ?? '';
    algorithm = /algorithm\s+"?([\w-]+)"?\s*;/.exec(body)?.[1]?.toLowerCase();
    const secret = /secret\s+"([^"]*)"\s*;/.exec(body)?.[1];
    if (secret === undefined) throw invalid('has a key block without a secret "…"; line');
    base64 = secret;
  } else {
    const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('//'));
    if (lines.length !== 1) throw invalid(`should hold a key block or one base64 line, found ${lines.length} lines`);
    base64 = lines[0] as string;
  }
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) throw invalid('does not hold a base64 secret');
  const secret = Buffer.from(compact, 'base64');
  if (secret.length < 16) throw invalid(`holds a ${secret.length}-byte secret; use at least 16 bytes (tsig-keygen makes 32)`);
  return { secret, ...(name === undefined ? {} : { name }), ...(algorithm === undefined ? {} : { algorithm }) };
}
