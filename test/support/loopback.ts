import { randomInt } from 'node:crypto';

/**
 * A fresh /24 of loopback addresses for one test, so test files that run at the same time never
 * share an address (all of 127/8 is local on Linux, and every address can use the same ports).
 */
export function loopbackPrefix(): string {
  return `127.${randomInt(100, 200)}.${randomInt(0, 256)}`;
}
