import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackPrefix, freePort } from '../test/support/loopback.js';
import { startBind9 } from '../test/support/bind9.js';
import { startPebble, type Pebble } from '../test/support/pebble.js';
import { median, printRows, type Row } from './stats.js';

// Each round runs every variant once, in turn, so all of them see the same machine load.
const ROUNDS = 7;
const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/**
 * The node every variant certifies. The config has a dns section (so the node has an FQDN, as a
 * real ACME node would) but boot.steps leaves the dns step out: the bench puts the node's A
 * record into BIND itself, once, so only the certificate is timed.
 */
const NODE = 'node-1';
const ZONE = 'bench.muster.test';
const FQDN = `${NODE}.${ZONE}`;

interface Run {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Wall time of one process, start to exit. */
function timed(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MUSTER_LOG_LEVEL: 'error' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code: code ?? 1, stdout, stderr }));
  });
}

async function succeed(what: string, command: string, args: readonly string[]): Promise<Run> {
  const run = await timed(command, args);
  if (run.code !== 0) throw new Error(`${what}: exit ${run.code}\n${run.stdout}${run.stderr}`);
  return run;
}

/**
 * openssl's own verdict: the leaf in `certificate` chains to `root` (through any intermediates
 * after it in the same file) and is fit for a TLS server, for the FQDN and the IP at least.
 * Returns the SANs as openssl prints them.
 */
async function checkValid(what: string, certificate: string, root: string, ip: string): Promise<string[]> {
  const verify = await succeed(`${what}: openssl verify`, 'openssl', ['verify', '-purpose', 'sslserver', '-CAfile', root, '-untrusted', certificate, certificate]);
  if (!verify.stdout.trim().endsWith(': OK')) throw new Error(`${what}: openssl verify said ${verify.stdout}${verify.stderr}`);
  const ext = await succeed(`${what}: openssl x509`, 'openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', certificate]);
  const sans = ext.stdout.split('\n').slice(1).join(',').split(',').map((san) => san.trim()).filter((san) => san !== '');
  const unexpected = sans.filter((san) => san !== `DNS:${FQDN}` && san !== `DNS:${NODE}` && san !== `IP Address:${ip}`);
  if (!sans.includes(`DNS:${FQDN}`) || !sans.includes(`IP Address:${ip}`) || unexpected.length > 0) throw new Error(`${what}: unexpected SANs ${sans.join(', ')}`);
  return sans;
}

function nodeConfig(root: string, ip: string, steps: string, issuer: string): string {
  return `root: ${root}
platform:
  type: static
  self: ${NODE}
  peers: [{ name: ${NODE}, ip: ${ip} }]
boot: { steps: ${steps} }
dns: { zone: ${ZONE}., provider: { type: zone-file, path: /var/lib/muster/bench.zone } }
pki:
  issuer: ${issuer}
`;
}

/**
 * Time to a valid node certificate at boot, per issuer: `muster boot` (boot.steps guard, pki;
 * static platform; a fresh root each round, so a new key, and for ACME a new account) until it
 * exits 0, against an operator's openssl script, and muster's own start-up for scale.
 */
export async function benchCertificates(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-bench-certs-'));
  const ip = `${loopbackPrefix()}.1`;
  const httpPort = await freePort();
  // A real BIND 9 holds the node's A record; Pebble resolves the FQDN through it for http-01.
  const bind = await startBind9({ zone: `${ZONE}.` });
  let pebble: Pebble | undefined;
  try {
    await bind.nsupdate([`update add ${FQDN}. 60 A ${ip}`]);
    pebble = await startPebble({ httpPort, dnsServer: bind.server });
    const caDir = join(dir, 'ca');
    await succeed('muster ca init', process.execPath, [cli, 'ca', 'init', '--dir', caDir, '--name', 'muster bench CA']);
    const caCert = join(caDir, 'ca.pem');
    const caKey = join(caDir, 'ca-key.pem');
    const localCa = `{ type: local-ca, ca_cert_file: ${caCert}, ca_key_file: ${caKey} }`;
    const acme = `{ type: acme, directory: '${pebble.directory}', ca_bundle: ${pebble.listenerCaFile}, root_ca_file: ${pebble.rootFile}, challenge: { type: http-01, port: ${httpPort}, address: ${ip} } }`;

    let fresh = 0;
    /** `muster boot` on a config of its own in a fresh root; returns the time and the root. */
    const boot = async (what: string, steps: string, issuer: string): Promise<{ ms: number; root: string }> => {
      const root = join(dir, `root-${++fresh}`);
      await mkdir(root);
      const config = join(root, 'muster.yaml');
      await writeFile(config, nodeConfig(root, ip, steps, issuer));
      const run = await succeed(what, process.execPath, [cli, '--config', config, 'boot']);
      return { ms: run.ms, root };
    };
    const nodeCert = (root: string): string => join(root, 'etc/ssl/node_certs/node.pem');

    /** What an operator would script: key and CSR in one openssl call, signed by the same CA in a second. */
    const handMade = async (): Promise<{ ms: number; certificate: string }> => {
      const out = join(dir, `openssl-${++fresh}`);
      await mkdir(out);
      const ext = join(out, 'ext.cnf');
      await writeFile(ext, `subjectAltName=DNS:${FQDN},DNS:${NODE},IP:${ip}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`);
      const [key, csr, certificate] = ['node-key.pem', 'node.csr', 'node.pem'].map((file) => join(out, file)) as [string, string, string];
      const req = await succeed('openssl req', 'openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${FQDN}`, '-keyout', key, '-out', csr]);
      const sign = await succeed('openssl x509 -req', 'openssl', [
        'x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '90', '-extfile', ext, '-out', certificate,
      ]);
      return { ms: req.ms + sign.ms, certificate };
    };

    const samples = { localCa: [] as number[], acme: [] as number[], openssl: [] as number[], noSteps: [] as number[], certWork: [] as number[], version: [] as number[], bare: [] as number[] };
    const sans = { localCa: [] as string[], acme: [] as string[] };
    // Round 0 warms the page cache and Pebble, and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      const hand = await handMade();
      const local = await boot('muster boot (local-ca)', '[guard, pki]', localCa);
      const ordered = await boot('muster boot (acme)', '[guard, pki]', acme);
      const none = await boot('muster boot (no steps)', '[]', localCa);
      const version = await succeed('muster --version', process.execPath, [cli, '--version']);
      const bare = await succeed('node -e 0', process.execPath, ['-e', '0']);
      // Every certificate counted is checked (outside the timings).
      await checkValid('openssl', hand.certificate, caCert, ip);
      sans.localCa = await checkValid('local-ca', nodeCert(local.root), join(local.root, 'etc/ssl/node_certs/ca.pem'), ip);
      sans.acme = await checkValid('acme', nodeCert(ordered.root), join(ordered.root, 'etc/ssl/node_certs/ca.pem'), ip);
      if ((await readFile(join(ordered.root, 'etc/ssl/node_certs/ca.pem'), 'utf8')).trim() !== pebble.rootPem.trim()) throw new Error('acme: ca.pem is not Pebble\'s root');
      for (const root of [local.root, ordered.root, none.root]) await rm(root, { recursive: true, force: true });
      if (round === 0) continue;
      samples.openssl.push(hand.ms);
      samples.localCa.push(local.ms);
      samples.acme.push(ordered.ms);
      samples.noSteps.push(none.ms);
      samples.certWork.push(local.ms - none.ms);
      samples.version.push(version.ms);
      samples.bare.push(bare.ms);
    }

    const of = `median of ${ROUNDS}`;
    // The SANs as issued (the node IP is a random loopback address: named, not printed).
    const count = (list: readonly string[]): string => `SANs ${list.map((san) => (san.startsWith('IP Address:') ? 'node IP' : san.replace(/^DNS:/, ''))).join(' + ')}`;
    return [
      { what: `local-ca: \`muster boot\` (guard, pki) → exit 0 with a valid node.pem, ${count(sans.localCa)} (${of})`, subject: 'muster', baseline: 'openssl req + openssl x509 -req', subjectValue: median(samples.localCa), baselineValue: median(samples.openssl), unit: 'ms' },
      { what: `acme (Pebble, http-01, new account): \`muster boot\` → valid node.pem, ${count(sans.acme)} (${of})`, subject: 'acme', baseline: 'local-ca', subjectValue: median(samples.acme), baselineValue: median(samples.localCa), unit: 'ms' },
      { what: `process start + config + platform: \`muster boot\` with \`boot.steps: []\` (${of})`, subject: 'no steps', baseline: 'local-ca boot', subjectValue: median(samples.noSteps), baselineValue: median(samples.localCa), unit: 'ms' },
      { what: `the certificate work alone: local-ca boot − no-steps boot, per round (${of})`, subject: 'muster', baseline: 'openssl req + x509 -req', subjectValue: median(samples.certWork), baselineValue: median(samples.openssl), unit: 'ms' },
      { what: `\`muster --version\` (${of})`, subject: 'muster', baseline: 'node -e 0', subjectValue: median(samples.version), baselineValue: median(samples.bare), unit: 'ms' },
    ];
  } finally {
    await pebble?.stop();
    await bind.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printRows('certificates', await benchCertificates());
