import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForExit } from '../../src/core/process.js';

/**
 * A real Pebble (Let's Encrypt's test ACME server, Debian's /usr/bin/pebble) on 127.0.0.1 with
 * free ports. Debian does not ship the listener certificate of Pebble's examples, so each
 * instance makes its own with openssl; clients trust it through `listenerCaFile` (muster's
 * ca_bundle). The issuing root is regenerated at every start, so it is fetched from the
 * management port once the server answers.
 */
export interface PebbleOptions {
  /** Where Pebble connects for http-01 (the port muster's challenge server listens on). */
  httpPort: number;
  /**
   * "127.0.0.1:PORT" of the DNS server Pebble resolves names with (a test BIND 9). Without one,
   * Pebble is pointed at a loopback port where nothing listens: it must never fall back to the
   * system resolver.
   */
  dnsServer?: string;
  /** Percentage of good nonces Pebble rejects with badNonce; 0 unless given (Pebble's own default is 5). */
  nonceReject?: number | 'default';
  /** External account binding keys (kid → base64url HMAC key); makes EAB required. */
  eabKeys?: Record<string, string>;
}

export interface Pebble {
  /** The ACME directory URL, https://127.0.0.1:PORT/dir. */
  directory: string;
  /** PEM file of the listener's self-signed certificate: what an ACME client must trust for TLS (ca_bundle). */
  listenerCaFile: string;
  /** The issuing root of this run, fetched from the management port (/roots/0), and a file holding it. */
  rootPem: string;
  rootFile: string;
  /** The intermediate (/intermediates/0). */
  intermediatePem: string;
  dir: string;
  stop(): Promise<void>;
}

export async function hasPebble(): Promise<boolean> {
  try {
    await access('/usr/bin/pebble');
    return (await openssl(['version'])).code === 0;
  } catch {
    return false;
  }
}

/**
 * Runs openssl with no standard input. (runProgram writes to the child's stdin, and `openssl
 * version` exits before reading it: the write's EPIPE would crash the test process.)
 */
export function openssl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-pebble-'));
  try {
    const listenerCaFile = await makeListenerCertificate(dir);
    const listenerCa = await readFile(listenerCaFile, 'utf8');
    for (let attempt = 0; ; attempt++) {
      const port = randomInt(20_000, 60_000);
      const managementPort = port + 1;
      const started = await launch({ dir, port, managementPort, options });
      const directory = `https://127.0.0.1:${port}/dir`;
      if (await waitUntilAnswering(directory, listenerCa, started.child)) {
        const management = `https://127.0.0.1:${managementPort}`;
        const rootPem = await httpsGet(`${management}/roots/0`, listenerCa);
        const intermediatePem = await httpsGet(`${management}/intermediates/0`, listenerCa);
        const rootFile = join(dir, 'root.pem');
        await writeFile(rootFile, rootPem);
        return {
          directory,
          listenerCaFile,
          rootPem,
          rootFile,
          intermediatePem,
          dir,
          stop: async () => {
            await stopChild(started.child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await stopChild(started.child);
      if (attempt >= 4 || !/address already in use/i.test(started.log())) {
        throw new Error(`pebble did not start on 127.0.0.1:${port}:\n${started.log().split('\n').slice(-15).join('\n')}`);
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function makeListenerCertificate(dir: string): Promise<string> {
  const cert = join(dir, 'listener.pem');
  const key = join(dir, 'listener-key.pem');
  const result = await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=pebble listener', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', key, '-out', cert,
  ]);
  if (result.code !== 0) throw new Error(`openssl could not make Pebble's listener certificate: ${result.stderr}`);
  return cert;
}

interface Launched {
  child: ChildProcess;
  log(): string;
}

async function launch(o: { dir: string; port: number; managementPort: number; options: PebbleOptions }): Promise<Launched> {
  const eab = o.options.eabKeys;
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${o.port}`,
      managementListenAddress: `127.0.0.1:${o.managementPort}`,
      certificate: join(o.dir, 'listener.pem'),
      privateKey: join(o.dir, 'listener-key.pem'),
      httpPort: o.options.httpPort,
      // Pebble connects there only to validate tls-alpn-01, which muster does not answer.
      tlsPort: 1,
      ocspResponderURL: '',
      externalAccountBindingRequired: eab !== undefined,
      ...(eab ? { externalAccountMACKeys: eab } : {}),
    },
  };
  const configFile = join(o.dir, 'pebble-config.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  // Nothing listens on port 1 of 127.0.0.1: a name lookup then fails instead of leaving the machine.
  const dnsServer = o.options.dnsServer ?? '127.0.0.1:1';
  const env: NodeJS.ProcessEnv = { ...process.env, PEBBLE_VA_NOSLEEP: '1' };
  if (o.options.nonceReject === 'default') delete env['PEBBLE_WFE_NONCEREJECT'];
  else env['PEBBLE_WFE_NONCEREJECT'] = String(o.options.nonceReject ?? 0);
  const child = spawn('/usr/bin/pebble', ['-config', configFile, '-dnsserver', dnsServer], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // If the test process dies without stop(), Pebble must not outlive it.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let log = '';
  const collect = (chunk: string): void => {
    log = (log + chunk).slice(-20_000);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  return { child, log: () => log };
}

async function waitUntilAnswering(directory: string, ca: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if ((await httpsGet(directory, ca)).includes('newOrder')) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  if (child.pid !== undefined && !(await waitForExit(child.pid, 10_000))) {
    child.kill('SIGKILL');
    await waitForExit(child.pid, 5_000);
  }
}

/** GET over TLS trusting only `ca`; 127.0.0.1 by address, so nothing is resolved. */
export function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${response.statusCode}: ${body}`))));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: timed out`)));
    request.on('error', reject);
  });
}
