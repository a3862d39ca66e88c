import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runProgram, waitForExit, type RunResult } from '../../src/core/process.js';

/** Debian's docker.io client, as old as its engine (a newer client elsewhere on PATH may not talk to it). */
export const DOCKER = '/usr/bin/docker';
export const DOCKERD = '/usr/sbin/dockerd';

export interface DockerEngine {
  /** "unix:///tmp/muster-dockerd-…/docker.sock", for `docker -H` or DOCKER_HOST. */
  host: string;
  /** The socket's path, for swarm.socket. */
  socket: string;
  /** overlay2, or vfs where overlay2 cannot run. */
  storageDriver: string;
  /** Runs Debian's docker client against this engine only (classic builder, a client config of its own). */
  docker: (args: readonly string[], options?: { input?: string; env?: NodeJS.ProcessEnv }) => Promise<RunResult>;
  /** Removes every container (and its anonymous volumes), stops dockerd (which unmounts its layers), removes its directories. */
  stop: () => Promise<void>;
}

export async function hasDocker(): Promise<boolean> {
  try {
    await access(DOCKERD, constants.X_OK);
    await access(DOCKER, constants.X_OK);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

export interface DockerdOptions {
  /** Storage drivers to try, in order. Default: MUSTER_DOCKER_STORAGE_DRIVER, else overlay2 then vfs. */
  storageDrivers?: readonly string[];
}

/**
 * A private Docker engine (Debian's dockerd 20.10, with the containerd it manages itself) whose
 * state is all in one temp dir: data root, exec root, socket, pidfile. It touches no host
 * networking (no bridge, no iptables, no forwarding or masquerading), so only `--network host`
 * (or none) containers run on it; it pulls nothing. The dir is short and under /tmp, because the
 * containerd socket inside the exec root must fit a unix socket path (108 bytes).
 */
export async function startDockerd(options: DockerdOptions = {}): Promise<DockerEngine> {
  if (!(await hasDocker())) throw new Error(`${DOCKERD} and ${DOCKER} (apt-get install docker.io) and root are needed`);
  const fromEnv = process.env['MUSTER_DOCKER_STORAGE_DRIVER'];
  const drivers = options.storageDrivers ?? (fromEnv ? [fromEnv] : ['overlay2', 'vfs']);
  const failures: string[] = [];
  for (const driver of drivers) {
    const dir = await mkdtemp('/tmp/muster-dockerd-');
    await writeFile(join(dir, 'daemon.json'), '{}\n');
    await mkdir(join(dir, 'client'));
    const engine = launch(dir, driver);
    const problem = await engine.ready;
    if (problem === undefined) return engine.engine;
    failures.push(`${driver}: ${problem}`);
    await engine.engine.stop();
  }
  throw new Error(`dockerd did not start:\n${failures.join('\n')}`);
}

function launch(dir: string, driver: string): { engine: DockerEngine; ready: Promise<string | undefined> } {
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const pidfile = join(dir, 'dockerd.pid');
  const args = [
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'x'),
    '--pidfile', pidfile,
    '-H', host,
    '--storage-driver', driver,
    // dockerd manages a containerd of its own under the exec root, unless a system one answers
    // on /run/containerd/containerd.sock; then namespaces of its own keep engines apart.
    '--containerd-namespace', basename(dir),
    '--containerd-plugins-namespace', `${basename(dir)}-plugins`,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--userland-proxy=false',
    // Not the machine's /etc/docker/daemon.json: nothing set there (a mirror, a bridge) applies.
    '--config-file', join(dir, 'daemon.json'),
    '--log-level', 'warn',
  ];
  let log = '';
  const child: ChildProcess = spawn(DOCKERD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-20_000)));
  // If the test process ends without stop() (an uncaught error), the engine must not outlive it:
  // SIGTERM is its clean shutdown (containers stopped, layers unmounted); only the dir is left.
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const docker = (dockerArgs: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> =>
    runProgram(DOCKER, ['-H', host, ...dockerArgs], { env: { ...(opts.env ?? process.env), DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(dir, 'client') }, ...(opts.input === undefined ? {} : { input: opts.input }) });

  let stopped = false;
  const engine: DockerEngine = {
    host,
    socket,
    storageDriver: driver,
    docker,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const ids = await docker(['ps', '-aq']).catch(() => undefined);
        const list = ids?.stdout.split('\n').filter((id) => id !== '') ?? [];
        if (list.length > 0) await docker(['rm', '-f', '-v', ...list]).catch(() => undefined);
        child.kill('SIGTERM');
        if (child.pid !== undefined && !(await waitForExit(child.pid, 20_000))) child.kill('SIGKILL');
        await exited;
      }
      // dockerd unmounts its layers on a clean shutdown but leaves exec-root/netns/default (a
      // bind mount of the host's network namespace) mounted; that, and whatever a SIGKILL left,
      // is unmounted here, or rm would fail on it or walk into a container's root.
      for (const mount of await mountsUnder(dir)) await runProgram('umount', ['-l', mount]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };

  const ready = (async (): Promise<string | undefined> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return `dockerd exited (${child.exitCode ?? child.signalCode ?? ''}): ${tail(log)}`;
      const info = await docker(['info', '--format', '{{.Driver}}']).catch(() => undefined);
      if (info?.code === 0) {
        const got = info.stdout.trim();
        return got === driver ? undefined : `dockerd runs the ${got} storage driver, not ${driver}`;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return `dockerd did not answer on ${host} within 30 s: ${tail(log)}`;
  })();
  return { engine, ready };
}

/**
 * Swarm mode makes a `docker_gwbridge` bridge (with an address of a private range) in the host's
 * network namespace, which all engines share here; it outlives the engines. Removed once no
 * dockerd runs on the machine any more (another test's engine may still use it).
 */
export async function removeGwBridgeIfUnused(): Promise<'removed' | 'absent' | 'in use'> {
  const shown = await runProgram('ip', ['link', 'show', 'docker_gwbridge']).catch(() => undefined);
  if (shown?.code !== 0) return 'absent';
  if (await dockerdRunning()) return 'in use';
  const deleted = await runProgram('ip', ['link', 'del', 'docker_gwbridge']);
  if (deleted.code !== 0) throw new Error(`ip link del docker_gwbridge failed (${deleted.code}): ${deleted.stderr}`);
  return 'removed';
}

async function dockerdRunning(): Promise<boolean> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (command.trim() === 'dockerd') return true;
  }
  return false;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-10).join('\n');
}

/** Mount points at or under dir, deepest first (/proc/self/mountinfo's fifth field, octal escapes decoded). */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((mount) => mount === dir || mount.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** A static three-node muster config on `<prefix>.11-13` for node `self` (node-1…node-3); no root: the container's own /. */
export function staticEtcdNodeConfig(prefix: string, self: string): string {
  return `platform:
  type: static
  self: ${self}
  peers:
    - { name: node-1, ip: ${prefix}.11 }
    - { name: node-2, ip: ${prefix}.12 }
    - { name: node-3, ip: ${prefix}.13 }
`;
}

export interface MusterEtcdContainers {
  /** Container names, node-1…node-3 in order. */
  names: string[];
  /** The three client URLs, comma-separated, for etcdctl. */
  endpoints: string;
}

/**
 * Three muster-etcd containers with `--network host` on `<prefix>.11-13`, each with its own
 * static config mounted read-only (MUSTER_CONFIG), its data dir on a tmpfs, and
 * MUSTER_ETCD__LISTEN_LOCALHOST=false (all three share the host's 127.0.0.1). `etcdFlags` are
 * the containers' arguments: etcd's own flags. Started detached, at once.
 */
export async function runMusterEtcdContainers(engine: DockerEngine, options: { prefix: string; dir: string; image?: string; etcdFlags?: readonly string[] }): Promise<MusterEtcdContainers> {
  const nodes = ['node-1', 'node-2', 'node-3'];
  const tag = options.prefix.replace(/\./g, '-');
  const names = nodes.map((node) => `${tag}-${node}`);
  await Promise.all(nodes.map((node) => writeFile(join(options.dir, `${node}.yaml`), staticEtcdNodeConfig(options.prefix, node))));
  const runs = await Promise.all(
    nodes.map((node, index) =>
      engine.docker([
        'run', '-d',
        '--name', names[index] ?? node,
        '--network', 'host',
        '--tmpfs', '/var/lib/etcd:rw,mode=0700',
        '-v', `${join(options.dir, `${node}.yaml`)}:/etc/muster/muster.yaml:ro`,
        '-e', 'MUSTER_CONFIG=/etc/muster/muster.yaml',
        '-e', 'MUSTER_ETCD__LISTEN_LOCALHOST=false',
        '-e', 'MUSTER_LOG_LEVEL=warn',
        options.image ?? 'muster-etcd:latest',
        ...(options.etcdFlags ?? []),
      ]),
    ),
  );
  for (const [index, run] of runs.entries()) if (run.code !== 0) throw new Error(`docker run ${names[index] ?? ''} failed (${run.code}): ${run.stderr}`);
  return { names, endpoints: [11, 12, 13].map((n) => `http://${options.prefix}.${n}:2379`).join(',') };
}

/** Runs scripts/build-images.sh against the engine; returns each image's "name:version", id and size in bytes. */
export async function buildImages(engine: DockerEngine): Promise<{ image: string; id: string; size: number }[]> {
  const script = join(import.meta.dirname, '..', '..', 'scripts', 'build-images.sh');
  const result = await runProgram('bash', [script, '--docker-host', engine.host]);
  if (result.code !== 0) throw new Error(`scripts/build-images.sh failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [image = '', id = '', size = ''] = line.split(' ');
      return { image, id, size: Number(size) };
    });
}
