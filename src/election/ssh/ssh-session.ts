import ssh2, { type Client, type ServerHostKeyAlgorithm } from 'ssh2';
import { describeError } from '../../core/errors.js';
import { fingerprintOfKeyBlob, sameFingerprint } from './host-key-fingerprint.js';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Never logged, never put into an error. */
  privateKey: Buffer | string;
  /** The fingerprint the member announced; the only host key accepted. */
  expectedFingerprint: string;
  /** Host key algorithms offered, so the server shows the key that was announced (ed25519 by default). */
  hostKeyAlgorithms: readonly string[];
  connectTimeoutMs: number;
}

/**
 * Why a connection failed, told apart because the rotation acts differently on each: a wrong
 * host key stops everything, a refused key is information (already rotated, or rotated as it
 * should be), a network failure proves nothing and may be retried.
 */
export type ConnectFailureKind = 'host-key-mismatch' | 'auth-refused' | 'network';

export class SshConnectError extends Error {
  constructor(
    readonly kind: ConnectFailureKind,
    message: string,
    /** The fingerprint the server showed, when it got that far. */
    readonly seenFingerprint: string | undefined,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'SshConnectError';
  }
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshSession {
  /** Runs a command; rejects on timeout (and closes the connection, which then cannot be trusted to be idle). */
  run(command: string, timeoutMs: number): Promise<CommandResult>;
  close(): void;
}

/** Opens a connection that authenticates only with `privateKey` and only to the announced host key. */
export function openSshSession(target: SshTarget): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let seenFingerprint: string | undefined;
    let hostKeyRefused = false;
    let settled = false;
    // readyTimeout covers TCP, handshake and authentication; this guard covers anything after.
    const guard = setTimeout(() => fail(new SshConnectError('network', `no SSH session within ${target.connectTimeoutMs} ms`, seenFingerprint)), target.connectTimeoutMs + 1000);
    const fail = (error: SshConnectError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      client.end();
      reject(error);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      resolve(sessionOf(client));
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (hostKeyRefused) {
        fail(new SshConnectError('host-key-mismatch', `host key ${seenFingerprint ?? '?'} is not the announced ${target.expectedFingerprint}`, seenFingerprint, { cause: error }));
      } else if (error.level === 'client-authentication') {
        fail(new SshConnectError('auth-refused', `the server refused the key for user ${target.user}`, seenFingerprint, { cause: error }));
      } else {
        fail(new SshConnectError('network', describeError(error), seenFingerprint, { cause: error }));
      }
    });
    client.on('close', () => fail(new SshConnectError('network', 'the connection closed before the session was ready', seenFingerprint)));
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: target.connectTimeoutMs,
      // No agent, no password, no keyboard-interactive: the one key given, or nothing.
      authHandler: ['publickey'],
      algorithms: { serverHostKey: [...target.hostKeyAlgorithms] as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer): boolean => {
        seenFingerprint = fingerprintOfKeyBlob(key);
        hostKeyRefused = !sameFingerprint(seenFingerprint, target.expectedFingerprint);
        return !hostKeyRefused;
      },
    });
  });
}

function sessionOf(client: Client): SshSession {
  return {
    run: (command, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          client.end();
          reject(new Error(`the command did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
        client.exec(command, (error, channel) => {
          if (error) {
            clearTimeout(timer);
            reject(error);
            return;
          }
          let stdout = '';
          let stderr = '';
          channel.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
          channel.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
          let exitCode = -1;
          channel.on('exit', (code: number | null, signal?: string) => {
            exitCode = code ?? -1;
            if (code === null && signal !== undefined) stderr += `killed by signal ${signal}`;
          });
          channel.on('close', () => {
            clearTimeout(timer);
            resolve({ code: exitCode, stdout, stderr });
          });
        });
      }),
    close: () => client.end(),
  };
}
