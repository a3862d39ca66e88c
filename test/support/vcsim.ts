import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram, waitForExit } from '../../src/core/process.js';

/**
 * A real vCenter simulator: govmomi's own (Debian's golang-github-vmware-govmomi-dev, vCenter 6.5
 * API) driven by test/support/vcsim/main.go, which scripts/build-vcsim.sh builds into a cache
 * outside the checkout. It serves SOAP on https://127.0.0.1:PORT/sdk with a fresh self-signed
 * certificate (caFile), accepts only the given user and password (anything else is InvalidLogin),
 * and holds the VMs asked for, made through govmomi's client API. One datacenter, one cluster, one
 * host, one datastore. All state is in a temp dir, removed by stop().
 */
export interface FixtureVm {
  name: string;
  /** config.extraConfig, e.g. { tags_environment: 'prod', tags_role: 'etcd' }. */
  extraConfig?: Record<string, string>;
  powerOn?: boolean;
  /** guest.ipAddress and summary.guest.ipAddress; '' or absent: the VM never gets one. */
  ip?: string;
  /** > 0: the VM has no guest IP until this long after the simulator is ready. */
  ipAfterMs?: number;
  /** config.uuid (the BIOS UUID); the simulator derives one from the VM's path if absent. */
  uuid?: string;
}

export interface VcsimOptions {
  vms?: readonly FixtureVm[];
  /** Also generate this many powered-on VMs `${env}-${role}-NNNN` with guest IPs 10.x.y.z (after `vms`). */
  count?: number;
  /** tags_environment and tags_role of the generated VMs: prod and etcd unless given. */
  env?: string;
  role?: string;
  username?: string;
  password?: string;
}

export interface VcsimStats {
  /** SOAP requests received on /sdk since start or the last resetStats(). */
  requests: number;
  /** The same by method (the element inside the SOAP Body), e.g. RetrievePropertiesEx. */
  methods: Record<string, number>;
}

export interface Vcsim {
  /** https://127.0.0.1:PORT/sdk */
  url: string;
  host: string;
  port: number;
  /** PEM file of the server's self-signed certificate: what a client must trust (muster's ca_file). */
  caFile: string;
  username: string;
  password: string;
  /** The VMs made, fixture ones first, in order. */
  vms: { name: string; moref: string }[];
  stats(): Promise<VcsimStats>;
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const buildScript = join(root, 'scripts', 'build-vcsim.sh');

function cachedBinary(): string {
  return join(process.env['MUSTER_CACHE_DIR'] ?? join(homedir(), '.cache', 'muster'), 'vcsim', 'vcsim');
}

/** The simulator can run: its binary is cached, or Go and govmomi's sources are there to build it. */
export async function hasVcsim(): Promise<boolean> {
  try {
    await access(cachedBinary(), constants.X_OK);
    return true;
  } catch {
    // not built yet
  }
  try {
    await access('/usr/share/gocode/src/github.com/vmware/govmomi/simulator');
    return (await runProgram('go', ['version'])).code === 0;
  } catch {
    return false;
  }
}

let built: Promise<string> | undefined;

/** The binary's path, built (or rebuilt after an edit of main.go) once per test process. */
export function vcsimBinary(): Promise<string> {
  built ??= runProgram('bash', [buildScript]).then((result) => {
    if (result.code !== 0) throw new Error(`scripts/build-vcsim.sh failed (${result.code}):\n${result.stderr}`);
    return result.stdout.trim().split('\n').at(-1) ?? '';
  });
  built.catch(() => (built = undefined));
  return built;
}

export async function startVcsim(options: VcsimOptions = {}): Promise<Vcsim> {
  const binary = await vcsimBinary();
  const username = options.username ?? 'muster';
  const password = options.password ?? 'muster-password';
  const dir = await mkdtemp(join(tmpdir(), 'muster-vcsim-'));
  try {
    const fixture = join(dir, 'fixture.json');
    await writeFile(fixture, JSON.stringify({ vms: options.vms ?? [] }));
    const caFile = join(dir, 'cert.pem');
    const args = ['-listen', '127.0.0.1:0', '-fixture', fixture, '-cert-out', caFile, '-username', username, '-password', password];
    if (options.count !== undefined) args.push('-count', String(options.count));
    if (options.env !== undefined) args.push('-env', options.env);
    if (options.role !== undefined) args.push('-role', options.role);
    // TMPDIR: the simulator's datastore dir goes in `dir` too, removed by stop() even after a SIGKILL.
    const child = spawn(binary, args, { env: { ...process.env, TMPDIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    // If the test process ends without stop(), the simulator must not outlive it.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let ready: { url: string; cert: string; vms: { name: string; moref: string }[] };
    try {
      ready = JSON.parse(await readyLine(child)) as typeof ready;
    } catch (error) {
      await stopChild(child);
      throw error;
    }
    const url = new URL(ready.url);
    const ca = await readFile(caFile, 'utf8');
    const stats = (method: 'GET' | 'POST', path: string): Promise<string> => httpsRequest(method, new URL(path, url), ca);
    return {
      url: ready.url,
      host: url.hostname,
      port: Number(url.port),
      caFile,
      username,
      password,
      vms: ready.vms,
      stats: async () => JSON.parse(await stats('GET', '/muster-stats')) as VcsimStats,
      resetStats: async () => void (await stats('POST', '/muster-stats/reset')),
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The first stdout line, which the simulator prints once it serves; its stderr if it exits first. */
function readyLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail('did not get ready within 30 s'), 30_000);
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`vcsim ${why}:\n${stderr.split('\n').slice(-15).join('\n')}`));
    };
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, end));
      }
    });
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  if (child.pid !== undefined && !(await waitForExit(child.pid, 10_000))) {
    child.kill('SIGKILL');
    await waitForExit(child.pid, 5_000);
  }
}

/** A request over TLS trusting only `ca`; 127.0.0.1 by address, so nothing is resolved. */
function httpsRequest(method: 'GET' | 'POST', url: URL, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body);
        else reject(new Error(`${method} ${url.href}: HTTP ${status}: ${body}`));
      });
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}
