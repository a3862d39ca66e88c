import { randomInt } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

/**
 * A fresh /24 of loopback addresses for one test, so test files that run at the same time never
 * share an address (all of 127/8 is local on Linux, and every address can use the same ports).
 */
export function loopbackPrefix(): string {
  return `127.${randomInt(100, 200)}.${randomInt(0, 256)}`;
}

/**
 * A port nothing listens on at `address` right now, for a server that must be named before it
 * starts (muster's http-01 listener, which Pebble has to know), or for a peer that refuses.
 */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
