import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram, waitForExit, type RunResult } from '../../src/core/process.js';
import { fingerprintOfPublicKeyLine } from '../../src/election/ssh/host-key-fingerprint.js';
import { freePort } from './loopback.js';

const SSHD = '/usr/sbin/sshd'; // sshd re-executes itself and insists on an absolute path

export interface Sshd {
  address: string;
  port: number;
  dir: string;
  /** The host key's `.pub` line and its fingerprint (what the member would announce). */
  hostPublicKey: string;
  hostKeyFingerprint: string;
  /** sshd's AuthorizedKeysFile pattern: per user, in the temp dir, never a real ~/.ssh. */
  authorizedKeysPattern: string;
  authorizedKeysFile(user: string): string;
  /** A known_hosts file holding exactly this server's host key, for the real ssh client. */
  knownHostsFile: string;
  /** Logs in with the real OpenSSH client, that key only, this host key only, and runs `command`. */
  ssh(user: string, identityFile: string, command?: string): Promise<RunResult>;
  log(): string;
  stop(): Promise<void>;
}

/** Why sshd tests cannot run here, or undefined if they can. */
export async function sshdUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'sshd must run as root (it changes user for each login)';
  for (const program of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/unshare']) {
    try {
      await access(program);
    } catch {
      return `${program} is not installed (Debian: openssh-server, openssh-client, util-linux)`;
    }
  }
  return undefined;
}

export interface SshdOptions {
  address: string;
  /** Initial authorized_keys content per user name. */
  authorizedKeys?: Record<string, string>;
  /**
   * An empty directory that this server (alone) sees as its own keys directory: sshd runs in a
   * mount namespace of its own with its keys bind-mounted there. Several servers given the same
   * path then behave like separate machines with one sshd_config (`AuthorizedKeysFile
   * SHARED/%u/authorized_keys`), while the test reads each server's files at its own path.
   */
  sharedKeysDir?: string;
  /** Run it (and the test's ssh client) in this network namespace, on port 22 there. */
  namespace?: string;
}

/**
 * A private OpenSSH server in the foreground (`sshd -D -e`) on one loopback address with its
 * own config, host key and pid file, all in a temp dir that stop() removes. `StrictModes no`
 * because the temp dir's owner and modes are the test's, `UsePAM no` because there is no PAM
 * session here.
 */
export async function startSshd(options: SshdOptions): Promise<Sshd> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-sshd-'));
  try {
    const hostKey = join(dir, 'ssh_host_ed25519_key');
    const keygen = await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `sshd@${options.address}`, '-f', hostKey]);
    if (keygen.code !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
    const hostPublicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim();
    const keysDir = join(dir, 'keys');
    await mkdir(keysDir, { mode: 0o700 });
    const authorizedKeysPattern = join(options.sharedKeysDir ?? keysDir, '%u', 'authorized_keys');
    const authorizedKeysFile = (user: string): string => join(dir, 'keys', user, 'authorized_keys');
    for (const [user, content] of Object.entries(options.authorizedKeys ?? {})) {
      await mkdir(join(dir, 'keys', user), { recursive: true, mode: 0o700 });
      await writeFile(authorizedKeysFile(user), content, { mode: 0o600 });
    }
    await mkdir('/run/sshd', { recursive: true }); // its privilege-separation directory
    for (let attempt = 0; ; attempt++) {
      const port = options.namespace !== undefined ? 22 : await freePort(options.address);
      const knownHostsFile = join(dir, 'known_hosts');
      // ssh writes a host on port 22 without the [host]:port form.
      await writeFile(knownHostsFile, `${port === 22 ? options.address : `[${options.address}]:${port}`} ${hostPublicKey}\n`);
      const config = join(dir, 'sshd_config');
      await writeFile(
        config,
        [
          `Port ${port}`,
          `ListenAddress ${options.address}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${authorizedKeysPattern}`,
          'StrictModes no',
          'UsePAM no',
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'LogLevel VERBOSE',
          '',
        ].join('\n'),
      );
      const [program, args] =
        options.sharedKeysDir === undefined
          ? [SSHD, ['-D', '-e', '-f', config]]
          : // unshare execs (no fork), so the child's PID is sshd's.
            ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" "$2" && exec "$3" -D -e -f "$4"', 'sh', keysDir, options.sharedKeysDir, SSHD, config]];
      // ip netns exec execs the program too: the child's PID stays sshd's.
      const inNamespace = options.namespace !== undefined ? ['netns', 'exec', options.namespace, program, ...args] : undefined;
      const child = spawn(inNamespace ? 'ip' : program, inNamespace ?? args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const killOnExit = (): void => void child.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.removeListener('exit', killOnExit));
      let log = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
      const listening = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        const check = (): void => {
          if (/Server listening on/.test(log)) {
            clearTimeout(timer);
            resolve(true);
          }
        };
        child.stderr.on('data', check);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      const stop = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          if (child.pid !== undefined && !(await waitForExit(child.pid, 3000))) child.kill('SIGKILL');
        }
      };
      if (listening) {
        return {
          address: options.address,
          port,
          dir,
          hostPublicKey,
          hostKeyFingerprint: fingerprintOfPublicKeyLine(hostPublicKey),
          authorizedKeysPattern,
          authorizedKeysFile,
          knownHostsFile,
          ssh: (user, identityFile, command = 'echo logged-in') => sshClient({ address: options.address, port, knownHostsFile, user, identityFile, command, ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) }),
          log: () => log,
          async stop() {
            await stop();
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await stop();
      if (attempt >= 3 || !/Address already in use/i.test(log)) throw new Error(`sshd did not start on ${options.address}:${port}:\n${log.split('\n').slice(-10).join('\n')}`);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function sshClient(o: { address: string; port: number; knownHostsFile: string; user: string; identityFile: string; command: string; namespace?: string }): Promise<RunResult> {
  const prefix = o.namespace !== undefined ? ['netns', 'exec', o.namespace, 'ssh'] : [];
  return runProgram(o.namespace !== undefined ? 'ip' : 'ssh', [
    ...prefix,
    '-F', '/dev/null', // no user or system client config
    '-i', o.identityFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes',
    '-o', 'PasswordAuthentication=no',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${o.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=5',
    '-p', String(o.port),
    `${o.user}@${o.address}`,
    o.command,
  ]);
}
