/**
 * Orders strings by UTF-16 code units, the same on every machine. String#localeCompare follows
 * the process's locale (two members of one election, or two nodes planning one etcd membership,
 * could sort the same names differently), and its first call loads ICU's collator (~7 ms of
 * every start).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
