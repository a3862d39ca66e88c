/** Quotes one word for POSIX sh: everything between single quotes is literal, except `'` itself. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
