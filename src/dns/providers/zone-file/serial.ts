/**
 * The next SOA serial: the date form YYYYMMDD00 when that is ahead of the current serial, else the
 * current serial + 1, so serials stay readable as dates but never go backwards (secondaries only
 * transfer a zone whose serial grew, in RFC 1982 serial arithmetic).
 */
export function nextSerial(current: number, now: Date): number {
  const dated = Number(`${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}00`);
  return serialGreater(dated, current) ? dated : (current + 1) % 2 ** 32;
}

/** RFC 1982 §3.2 for 32-bit serials. */
export function serialGreater(a: number, b: number): boolean {
  return (a < b && b - a > 2 ** 31) || (a > b && a - b < 2 ** 31);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
