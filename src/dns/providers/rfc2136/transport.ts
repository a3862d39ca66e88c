/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): each message is preceded by its 16-bit length. One
 * connection carries the UPDATE messages of one apply, or one zone transfer. Socket failures are
 * turned into MusterErrors that name the server here, at the edge.
 */
import { connect, type Socket } from 'node:net';
import { MusterError } from '../../../core/errors.js';

export interface Endpoint {
  host: string;
  port: number;
}

export function endpointLabel(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

export class TcpChannel {
  private buffered = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiter: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private detach: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly label: string,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(unreachable(label, error)));
    socket.on('close', () => this.fail(closed(label)));
  }

  static open(endpoint: Endpoint, timeoutMs: number, signal?: AbortSignal): Promise<TcpChannel> {
    const label = endpointLabel(endpoint);
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      const socket = connect({ host: endpoint.host, port: endpoint.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(timedOut(label, timeoutMs, 'connecting'));
      }, timeoutMs);
      const onAbort = (): void => {
        socket.destroy();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(unreachable(label, error));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        const channel = new TcpChannel(socket, label, timeoutMs);
        signal?.removeEventListener('abort', onAbort);
        if (signal) {
          // A long-running controller passes one signal to many syncs: remove the listener on close.
          const abort = (): void => channel.fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          signal.addEventListener('abort', abort, { once: true });
          channel.detach = () => signal.removeEventListener('abort', abort);
        }
        resolve(channel);
      });
    });
  }

  send(message: Buffer): void {
    if (message.length > 0xffff) throw new Error(`a DNS message over TCP is at most 65535 bytes, this one is ${message.length}`);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(message.length);
    this.socket.write(Buffer.concat([length, message]));
  }

  /** The next message from the server, or a MusterError after the timeout. */
  receive(): Promise<Buffer> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(timedOut(this.label, this.timeoutMs, 'waiting for an answer'));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  close(): void {
    this.failure ??= closed(this.label);
    this.detach?.();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) break;
      const frame = Buffer.from(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter) waiter.resolve(frame);
      else this.frames.push(frame);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.detach?.();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
    this.socket.destroy();
  }
}

function unreachable(label: string, error: NodeJS.ErrnoException): MusterError {
  const what = error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message);
  return new MusterError(`rfc2136 DNS provider: cannot reach the DNS server ${label}: ${what}`, {
    code: 'DNS_SERVER_UNREACHABLE',
    kind: 'unavailable',
    retryable: true,
    hint: 'is the server running and listening on TCP at that address? (dns.provider.server)',
    cause: error,
  });
}

function closed(label: string): MusterError {
  return new MusterError(`rfc2136 DNS provider: the DNS server ${label} closed the connection before answering`, {
    code: 'DNS_SERVER_UNREACHABLE',
    kind: 'unavailable',
    retryable: true,
    hint: 'check the server\'s log: it may limit TCP clients or have dropped the request',
  });
}

function timedOut(label: string, timeoutMs: number, doing: string): MusterError {
  return new MusterError(`rfc2136 DNS provider: no answer from the DNS server ${label} within ${timeoutMs / 1000}s (${doing})`, {
    code: 'DNS_SERVER_TIMEOUT',
    kind: 'unavailable',
    retryable: true,
    hint: 'is the server up and reachable on TCP, and dns.provider.timeout long enough?',
  });
}
