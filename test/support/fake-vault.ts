import { randomBytes, webcrypto } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { closeServer, listenOnLoopback, readBody } from './loopback-http.js';

/**
 * A loopback stand-in for Vault's PKI secrets engine, answering POST /v1/<mount>/sign/<role> in
 * Vault's documented format ({"data":{"certificate","issuing_ca","ca_chain","serial_number",
 * "expiration"}}, errors as {"errors":[…]}). It signs with its own two-level CA (root →
 * intermediate, as a pki_int mount would), built here with @peculiar/x509 and not with muster's
 * signer, putting in the SANs of the request body as Vault does. It enforces X-Vault-Token and
 * X-Vault-Namespace (403 "permission denied") and records every request.
 */
export interface FakeVaultOptions {
  token: string;
  namespace?: string;
  mount?: string;
  role?: string;
  /** DNS names must end with one of these (the role's allowed_domains with allow_subdomains and allow_bare_domains). */
  allowedDomains?: readonly string[];
  /** Serve HTTPS with a certificate from the fake's root for 127.0.0.1. */
  tls?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeVault {
  address: string;
  /** The fake's root (what a correct issuer returns as caPem) and its intermediate (the signer). */
  rootPem: string;
  intermediatePem: string;
  requests: RecordedRequest[];
  /** Answer the next n sign requests with 503 "Vault is sealed". */
  sealFor(n: number): void;
  close(): Promise<void>;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function startFakeVault(options: FakeVaultOptions): Promise<FakeVault> {
  const mount = options.mount ?? 'pki';
  const role = options.role ?? 'node';
  const root = await makeCa('fake Vault root', 1);
  const intermediate = await makeCa('fake Vault intermediate', 0, root);
  const requests: RecordedRequest[] = [];
  let sealed = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    const answer = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const route = /^\/v1\/(.+)\/sign\/([^/]+)$/.exec(req.url ?? '');
    if (req.headers['x-vault-token'] !== options.token || (options.namespace !== undefined && req.headers['x-vault-namespace'] !== options.namespace)) {
      return answer(403, { errors: ['permission denied'] });
    }
    if (sealed > 0) {
      sealed--;
      return answer(503, { errors: ['Vault is sealed'] });
    }
    if (req.method !== 'POST' || !route || route[1] !== mount) return answer(404, { errors: [`no handler for route "${(req.url ?? '').slice(4)}". route entry not found.`] });
    if (route[2] !== role) return answer(400, { errors: [`unknown role: ${route[2] ?? ''}`] });
    let input: { csr?: string; common_name?: string; alt_names?: string; ip_sans?: string; ttl?: string; exclude_cn_from_sans?: boolean };
    try {
      input = JSON.parse(body) as typeof input;
    } catch {
      return answer(400, { errors: ['failed to parse JSON input'] });
    }
    const dns = [...split(input.alt_names), ...(input.exclude_cn_from_sans || !input.common_name ? [] : [input.common_name])];
    const ips = split(input.ip_sans);
    const refused = dns.find((name) => options.allowedDomains && !options.allowedDomains.some((domain) => name === domain || name.endsWith(`.${domain}`)));
    if (refused !== undefined) return answer(400, { errors: [`subject alternate name ${refused} not allowed by this role`] });
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(input.csr ?? '');
      if (!(await csr.verify(webcrypto))) throw new Error('bad signature');
    } catch {
      return answer(400, { errors: ['certificate request could not be parsed'] });
    }
    const hours = /^(\d+)h$/.exec(input.ttl ?? '')?.[1];
    const notAfter = new Date(Date.now() + (hours === undefined ? 72 : Number(hours)) * 3_600_000);
    const leaf = await x509.X509CertificateGenerator.create(
      {
        serialNumber: `01${randomBytes(15).toString('hex')}`,
        subject: input.common_name ? [{ CN: [input.common_name] }] : [],
        issuer: intermediate.certificate.subjectName,
        notBefore: new Date(Date.now() - 30_000),
        notAfter,
        publicKey: csr.publicKey,
        signingKey: intermediate.keys.privateKey,
        signingAlgorithm: EC,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          ...(dns.length + ips.length === 0
            ? []
            : [new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))])]),
        ],
      },
      webcrypto,
    );
    answer(200, {
      request_id: randomBytes(16).toString('hex'),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        certificate: leaf.toString('pem'),
        issuing_ca: intermediate.pem,
        ca_chain: [intermediate.pem, root.pem],
        serial_number: leaf.serialNumber.match(/../g)?.join(':') ?? leaf.serialNumber,
        expiration: Math.floor(notAfter.getTime() / 1000),
      },
      wrap_info: null,
      warnings: null,
      auth: null,
    });
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => res.writeHead(500).end(JSON.stringify({ errors: [String(error)] })));
  };

  let server: Server;
  if (options.tls) {
    const tls = await makeServerCertificate(root);
    server = createHttpsServer({ cert: tls.certificatePem, key: tls.keyPem }, listener);
  } else {
    server = createHttpServer(listener);
  }
  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;
  return {
    address: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    rootPem: root.pem,
    intermediatePem: intermediate.pem,
    requests,
    sealFor: (n) => {
      sealed = n;
    },
    close: () => closeServer(server),
  };
}

function split(list: string | undefined): string[] {
  return (list ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

interface TestCa {
  certificate: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  pem: string;
}

async function makeCa(name: string, pathLength: number, parent?: TestCa): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const extensions = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
  ];
  const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 30 * 86_400_000) };
  const certificate = parent
    ? await x509.X509CertificateGenerator.create(
        { subject: [{ CN: [name] }], issuer: parent.certificate.subjectName, publicKey: keys.publicKey, signingKey: parent.keys.privateKey, signingAlgorithm: EC, extensions, ...validity },
        webcrypto,
      )
    : await x509.X509CertificateGenerator.createSelfSigned({ name: [{ CN: [name] }], keys, signingAlgorithm: EC, extensions, ...validity }, webcrypto);
  return { certificate, keys, pem: `${certificate.toString('pem')}\n` };
}

async function makeServerCertificate(ca: TestCa): Promise<{ certificatePem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      subject: [{ CN: ['127.0.0.1'] }],
      issuer: ca.certificate.subjectName,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: EC,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      ],
    },
    webcrypto,
  );
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END PRIVATE KEY-----\n`;
  return { certificatePem: certificate.toString('pem'), keyPem };
}
