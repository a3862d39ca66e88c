import { createHash } from 'node:crypto';

/**
 * When a certificate is renewed. By default at 2/3 of its lifetime (cert-manager's and
 * Let's Encrypt's advice: a third of the lifetime is left to fix a broken issuer); with
 * renew_before, that long before notAfter. Nodes that booted together hold certificates with
 * the same dates, and renewing them all in the same timer run would hit the issuer at once, so
 * each certificate renews a little earlier by a jitter of up to a tenth of the window. The jitter
 * is derived from host and certificate name, not drawn at random: every run on a node computes
 * the same due time, so `certs status` and the timer agree and a renewal is never skipped by luck.
 */
export interface RenewalInput {
  notBefore: number;
  notAfter: number;
  /** Renew this long before notAfter; null: at 2/3 of the lifetime. */
  renewBeforeMs: number | null;
  /** Host and certificate name, e.g. "node1/node". */
  seed: string;
}

/** The share of the lifetime spread by jitter (a 90-day certificate: up to 6 days earlier). */
export const JITTER_SHARE = 0.1;

export function renewalDueAt(input: RenewalInput): number {
  const lifetime = Math.max(0, input.notAfter - input.notBefore);
  const jitter = jitterFraction(input.seed) * JITTER_SHARE;
  if (input.renewBeforeMs === null) return input.notBefore + Math.round(lifetime * (2 / 3 - jitter * (2 / 3)));
  const window = Math.min(input.renewBeforeMs, lifetime);
  // Never before notBefore: a renew_before longer than the lifetime means "renew every run",
  // which the plan reports plainly rather than computing a due time in the past.
  return Math.max(input.notBefore, input.notAfter - window - Math.round(window * jitter));
}

export function isRenewalDue(now: number, input: RenewalInput): boolean {
  return now >= renewalDueAt(input);
}

/** A number in [0, 1) fixed by the seed: the first 32 bits of its SHA-256. */
export function jitterFraction(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}
