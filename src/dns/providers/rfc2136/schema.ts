import { isIP } from 'node:net';
import * as z from 'zod';
import { absolutePath, duration } from '../../../config/common.js';

export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512', 'hmac-sha1'] as const;

/** "host", "host:port", "[v6]:port" or a bare IPv6 address; port 53 unless given. */
export function parseServer(server: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed) return withPort(bracketed[1] ?? '', bracketed[2]);
  if (isIP(server) === 6) return { host: server, port: 53 };
  const [host = '', port, extra] = server.split(':');
  if (extra !== undefined || host === '') return undefined;
  return withPort(host, port);
}

function withPort(host: string, port: string | undefined): { host: string; port: number } | undefined {
  const n = port === undefined ? 53 : Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

export const rfc2136Schema = z.strictObject({
  type: z.literal('rfc2136'),
  server: z
    .string()
    .refine((value) => parseServer(value) !== undefined, { message: 'write the server as host, host:port or [ipv6]:port' })
    .describe('The primary server of the zone, reached over TCP for UPDATE (RFC 2136) and AXFR, e.g. 10.0.0.53:53. Port 53 unless given.'),
  tsig: z
    .strictObject({
      name: z.string().min(1).describe('Key name, as in the server\'s key "…" statement.'),
      algorithm: z.enum(TSIG_ALGORITHMS).default('hmac-sha256').describe('TSIG algorithm (RFC 8945).'),
      secret_file: absolutePath.describe('File with the secret: tsig-keygen output (a key "…" { … }; block) or one base64 line. Never logged.'),
    })
    .describe('The TSIG key that signs updates and zone transfers. The server must grant it update-policy on the zone and allow-transfer.'),
  timeout: duration.default(10_000).describe('Deadline of one exchange with the server (connect, send, answer).'),
});

export type Rfc2136Config = z.infer<typeof rfc2136Schema>;
