import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { KeyType } from './key-types.js';

export { KEY_TYPES, type KeyType } from './key-types.js';

/**
 * Private keys are made here, on the node, and never leave it: issuers get a CSR. Keys are
 * PKCS#8 PEM (what etcd, Go and OpenSSL all read).
 */

export function generatePrivateKeyPem(type: KeyType): Promise<string> {
  const encoding = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } } as const;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: string, privateKey: string): void => (error ? reject(error) : resolve(privateKey));
    // Off the main thread: an RSA 4096 key takes a second or more.
    if (type === 'ec-p256') generateKeyPair('ec', { namedCurve: 'P-256', ...encoding }, done);
    else generateKeyPair('rsa', { modulusLength: type === 'rsa-2048' ? 2048 : 4096, publicExponent: 0x10001, ...encoding }, done);
  });
}

/** Parses a PEM private key. The error never quotes the text: it is a secret. */
export function parsePrivateKeyPem(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('not a PEM private key this program can read (PKCS#8, PKCS#1 or SEC1, unencrypted)');
  }
}

/** The key's type in config terms (ec-p256, rsa-2048, …), or a description of an unsupported one. */
export function keyTypeOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return details.namedCurve === 'prime256v1' ? 'ec-p256' : `ec-${details.namedCurve ?? 'unknown'}`;
  if (key.asymmetricKeyType === 'rsa') return `rsa-${details.modulusLength ?? 0}`;
  return key.asymmetricKeyType ?? 'unknown';
}

export type KeyFile = { state: 'missing' } | { state: 'unreadable'; problem: string } | { state: 'present'; pem: string; key: KeyObject; type: string };

export async function readPrivateKeyFile(path: string): Promise<KeyFile> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'missing' } : { state: 'unreadable', problem: `cannot read it: ${code ?? 'error'}` };
  }
  try {
    const key = parsePrivateKeyPem(pem);
    return { state: 'present', pem, key, type: keyTypeOf(key) };
  } catch (error) {
    return { state: 'unreadable', problem: (error as Error).message };
  }
}

/** The WebCrypto algorithm that signs with this key: ECDSA with SHA-256, or RSASSA-PKCS1-v1_5 with SHA-256. */
export function signingAlgorithm(key: KeyObject): webcrypto.RsaHashedImportParams | (webcrypto.EcKeyImportParams & webcrypto.EcdsaParams) {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!namedCurve) throw new Error(`unsupported EC curve ${curve ?? 'unknown'}`);
    return { name: 'ECDSA', namedCurve, hash: namedCurve === 'P-256' ? 'SHA-256' : namedCurve === 'P-384' ? 'SHA-384' : 'SHA-512' };
  }
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** The key as a WebCrypto pair, for @peculiar/x509 (CSR signing, local-ca signing); not extractable. */
export async function webCryptoKeyPair(key: KeyObject): Promise<{ keys: webcrypto.CryptoKeyPair; algorithm: ReturnType<typeof signingAlgorithm> }> {
  const algorithm = signingAlgorithm(key);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), algorithm, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', createPublicKey(key).export({ type: 'spki', format: 'der' }), algorithm, true, ['verify']);
  return { keys: { privateKey, publicKey }, algorithm };
}
