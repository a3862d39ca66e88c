import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../../src/core/process.js';

/** Certificates for a hand-written etcd cluster over TLS, made the way an operator would: openssl. */
export interface StaticEtcdPki {
  caFile: string;
  /** Each member's certificate (serverAuth + clientAuth, its IP and 127.0.0.1 as SANs) and key, by IP. */
  members: Map<string, { certFile: string; keyFile: string }>;
}

/**
 * A P-256 CA and one P-256 certificate per IP, as the sandbox's local CA makes them; 127.0.0.1 is
 * a SAN too, as in the sandbox: etcd checks a peer's client certificate against the address the
 * connection comes from, and between loopback addresses that is 127.0.0.1.
 */
export async function makeStaticEtcdPki(dir: string, ips: readonly string[]): Promise<StaticEtcdPki> {
  const file = (name: string): string => join(dir, name);
  const openssl = async (args: readonly string[]): Promise<void> => {
    const result = await runProgram('openssl', args);
    if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  };
  const p256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(['req', '-x509', ...p256, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=static-etcd-ca']);
  const members = new Map<string, { certFile: string; keyFile: string }>();
  await Promise.all(
    ips.map(async (ip, index) => {
      const ext = file(`${ip}.ext`);
      await writeFile(ext, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:${ip},IP:127.0.0.1\n`);
      await openssl(['req', '-new', ...p256, '-keyout', file(`${ip}-key.pem`), '-out', file(`${ip}.csr`), '-subj', `/CN=${ip}`]);
      await openssl(['x509', '-req', '-in', file(`${ip}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-set_serial', String(index + 2), '-days', '1', '-out', file(`${ip}.pem`), '-extfile', ext]);
      members.set(ip, { certFile: file(`${ip}.pem`), keyFile: file(`${ip}-key.pem`) });
    }),
  );
  return { caFile: file('ca.pem'), members };
}
