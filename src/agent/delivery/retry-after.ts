/**
 * A Retry-After header (RFC 9110 §10.2.3) as a delay in ms from `now`: either delay-seconds or
 * an HTTP date. Undefined when absent or unreadable (the caller then backs off on its own).
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only the date forms: Date.parse would also read "5.5" or "tomorrow"-like strings.
  if (!/^[A-Za-z]{3},? /.test(text) && !/^[A-Za-z]+day, /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
