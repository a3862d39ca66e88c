/**
 * Route 53's presentation format for names and TXT data. Route 53 answers with escapes it chose
 * itself: a `*` label comes back as `\052`, bytes outside printable ASCII as `\ooo` (three octal
 * digits), and a TXT value as one or more quoted strings of at most 255 bytes each. muster's
 * canonical form (see src/dns/types.ts) is the plain text, so both directions live here.
 */

const MAX_STRING_BYTES = 255;

/** A record name as Route 53 lists it (`\052.example.com.`), as a lower-case FQDN (`*.example.com.`). */
export function decodeName(name: string): string {
  const decoded = new TextDecoder().decode(unescapeBytes(name));
  const lower = decoded.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/**
 * A TXT value as Route 53 stores it (`"v=spf1 -all"`, or `"first 255 bytes" "rest"`) as its plain
 * text. Strings of one value are joined without a separator: they are one text split only because
 * a DNS character-string holds at most 255 bytes. An unquoted token counts as one string.
 */
export function decodeTxt(text: string): string {
  // Indexed by code point, so characters outside the BMP are never split.
  const value = [...text];
  const bytes: number[] = [];
  let i = 0;
  while (i < value.length) {
    const char = value[i] ?? '';
    if (char === ' ' || char === '\t') {
      i++;
      continue;
    }
    const quoted = char === '"';
    if (quoted) i++;
    while (i < value.length) {
      const c = value[i] ?? '';
      if (quoted ? c === '"' : c === ' ' || c === '\t') break;
      if (c === '\\') {
        const octal = /^[0-7]{3}/.exec(value.slice(i + 1, i + 4).join(''));
        if (octal) {
          bytes.push(Number.parseInt(octal[0], 8));
          i += 4;
          continue;
        }
        i++;
        pushUtf8(bytes, value[i] ?? '');
        i++;
        continue;
      }
      pushUtf8(bytes, c);
      i++;
    }
    if (quoted) i++; // the closing quote
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/**
 * Plain text as a Route 53 TXT value: quoted strings of at most 255 bytes, `"` and `\` escaped with
 * a backslash, and bytes outside printable ASCII as octal escapes (so the request stays ASCII and
 * the 32,000-character count is exact).
 */
export function encodeTxt(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const strings: string[] = [];
  for (let start = 0; start < bytes.length; start += MAX_STRING_BYTES) strings.push(quoteString(bytes.subarray(start, start + MAX_STRING_BYTES)));
  return strings.length === 0 ? '""' : strings.join(' ');
}

function quoteString(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `"${out}"`;
}

/** Bytes of a name with `\ooo` and `\X` escapes resolved. */
function unescapeBytes(name: string): Uint8Array {
  const text = [...name];
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\') {
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4).join(''));
      if (octal) {
        bytes.push(Number.parseInt(octal[0], 8));
        i += 3;
        continue;
      }
      i++;
      pushUtf8(bytes, text[i] ?? '');
      continue;
    }
    pushUtf8(bytes, c);
  }
  return Uint8Array.from(bytes);
}

function pushUtf8(bytes: number[], char: string): void {
  for (const byte of new TextEncoder().encode(char)) bytes.push(byte);
}
