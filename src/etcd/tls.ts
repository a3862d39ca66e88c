import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { MusterError } from '../core/errors.js';
import { underRoot } from '../core/root-path.js';
import { caFile, certificateFiles } from '../pki/files.js';

/** Paths as the node sees them (not prefixed with root): they go into etcd's environment. */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/** The certificate files etcd uses on each side that runs https; none for an http side. */
export interface EtcdTlsFiles {
  client?: TlsFiles;
  peer?: TlsFiles;
  clientCertAuth: boolean;
}

/** What muster presents and trusts when it talks to etcd itself (probes, membership, promotion). */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface EtcdTlsMaterial {
  /** For the peer URLs (probes of /members). */
  peer?: TlsMaterial;
  /** For the client URLs (the v3 API: member add, remove, promote). */
  client?: TlsMaterial;
}

/**
 * etcd's TLS files come from pki's directory: `<name>.pem` (leaf then chain), `<name>-key.pem`
 * and `ca.pem`, for the certificates named under etcd.tls. The config check guarantees a pki
 * section whenever a scheme is https.
 */
export function etcdTlsFiles(config: Config): EtcdTlsFiles {
  const own = config.etcd.tls.files;
  if (own !== undefined) {
    // Files made elsewhere (etcd-bootstrap's --tls-* flags): the peer side defaults to the client side's.
    const client = { cert: own.cert, key: own.key, ca: own.ca };
    const peer = { cert: own.peer_cert ?? own.cert, key: own.peer_key ?? own.key, ca: own.peer_ca ?? own.ca };
    return {
      ...(config.etcd.client_scheme === 'https' ? { client } : {}),
      ...(config.etcd.peer_scheme === 'https' ? { peer } : {}),
      clientCertAuth: config.etcd.tls.client_cert_auth,
    };
  }
  const files = (name: string): TlsFiles | undefined => {
    if (!config.pki) return undefined;
    const { certificate, key } = certificateFiles(config.pki.certificates_path, name);
    return { cert: certificate, key, ca: caFile(config.pki.certificates_path) };
  };
  const { tls } = config.etcd;
  const client = config.etcd.client_scheme === 'https' ? files(tls.certificate) : undefined;
  const peer = config.etcd.peer_scheme === 'https' ? files(tls.peer_certificate ?? tls.certificate) : undefined;
  return { ...(client ? { client } : {}), ...(peer ? { peer } : {}), clientCertAuth: tls.client_cert_auth };
}

/**
 * The ETCD_* variables of etcd's TLS flags, in a fixed order (the files must stay byte-stable):
 * ETCD_CERT_FILE… for the client side, ETCD_PEER_CERT_FILE… for the peer side.
 */
export function etcdTlsEnvironment(files: EtcdTlsFiles): [string, string][] {
  const side = (prefix: 'ETCD_' | 'ETCD_PEER_', tls: TlsFiles | undefined): [string, string][] =>
    tls
      ? [
          [`${prefix}CERT_FILE`, tls.cert],
          [`${prefix}KEY_FILE`, tls.key],
          [`${prefix}TRUSTED_CA_FILE`, tls.ca],
          [`${prefix}CLIENT_CERT_AUTH`, String(files.clientCertAuth)],
        ]
      : [];
  return [...side('ETCD_', files.client), ...side('ETCD_PEER_', files.peer)];
}

/** Reads the files under root; a missing file is a clear error that says which step makes it. */
export async function loadEtcdTls(config: Config): Promise<EtcdTlsMaterial> {
  const files = etcdTlsFiles(config);
  const load = async (side: TlsFiles): Promise<TlsMaterial> => {
    const [ca, cert, key] = await Promise.all([readTlsFile(config, side.ca), readTlsFile(config, side.cert), readTlsFile(config, side.key)]);
    return { ca, cert, key };
  };
  const [client, peer] = await Promise.all([files.client && load(files.client), files.peer && load(files.peer)]);
  return { ...(client ? { client } : {}), ...(peer ? { peer } : {}) };
}

async function readTlsFile(config: Config, path: string): Promise<Buffer> {
  const target = underRoot(config.root, path);
  try {
    return await readFile(target);
  } catch (error) {
    throw new MusterError(`etcd runs over https but ${target} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      code: 'ETCD_TLS_FILES',
      kind: 'config',
      hint: config.etcd.tls.files !== undefined
        ? 'etcd.tls.files (etcd-bootstrap\'s --tls-* flags) names files muster does not make: put them there first'
        : 'the pki step makes these files: run `muster boot` (or `muster certs renew`) first, or set etcd.client_scheme and etcd.peer_scheme to http',
      cause: error,
    });
  }
}
