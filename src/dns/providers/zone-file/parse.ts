/**
 * A reader for RFC 1035 master files (§5.1), enough for what muster writes and for files people
 * keep by hand: $ORIGIN and $TTL, "@", relative names, a blank owner repeating the previous one,
 * TTL and class in either order, TTLs with BIND's units (1h30m), parentheses spanning lines,
 * ";" comments, quoted strings and \X / \DDD escapes. $INCLUDE and $GENERATE are refused: muster
 * would have to rewrite files it did not read.
 */
import { MusterError } from '../../../core/errors.js';

export interface Token {
  /** As written, quotes and escapes included: what is written back for records muster keeps. */
  raw: string;
  /** The bytes it stands for (escapes decoded, quotes removed). */
  bytes: Buffer;
  quoted: boolean;
}

export interface ZoneEntry {
  /** Owner name, fully qualified, lower-case. */
  name: string;
  ttl: number;
  class: string;
  type: string;
  rdata: Token[];
  /** $ORIGIN in force, for names inside rdata that are relative. */
  origin: string;
  line: number;
}

interface LogicalLine {
  tokens: Token[];
  blankOwner: boolean;
  line: number;
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);

export function parseZoneFile(text: string, zone: string, file: string): ZoneEntry[] {
  let origin = zone;
  let defaultTtl: number | undefined;
  let lastTtl: number | undefined;
  let lastOwner: string | undefined;
  const entries: ZoneEntry[] = [];
  for (const { tokens, blankOwner, line } of logicalLines(text, file)) {
    const fail = (problem: string): MusterError => zoneFileError(file, line, problem);
    const words = tokens.map((token) => token.raw);
    const first = words[0] ?? '';
    if (first.startsWith('$')) {
      const directive = first.toUpperCase();
      if (directive === '$ORIGIN' && words[1]) origin = absoluteName(words[1], origin, fail);
      else if (directive === '$TTL' && words[1]) defaultTtl = parseTtl(words[1]) ?? failWith(fail(`"${words[1]}" is not a TTL`));
      else throw fail(`${first} is not supported (muster reads and rewrites the whole file; use one file per zone without ${first})`);
      continue;
    }
    let i = 0;
    let owner: string;
    if (blankOwner) {
      if (lastOwner === undefined) throw fail('the first record has no owner name');
      owner = lastOwner;
    } else {
      owner = absoluteName(first, origin, fail);
      i = 1;
    }
    let ttl: number | undefined;
    let klass = 'IN';
    for (let k = 0; k < 2 && i < words.length; k++) {
      const word = words[i] ?? '';
      const asTtl = parseTtl(word);
      if (asTtl !== undefined && ttl === undefined) ttl = asTtl;
      else if (CLASSES.has(word.toUpperCase()) || /^CLASS\d+$/i.test(word)) klass = word.toUpperCase();
      else break;
      i++;
    }
    const type = words[i]?.toUpperCase();
    if (type === undefined) throw fail('a record without a type');
    ttl ??= defaultTtl ?? lastTtl;
    if (ttl === undefined) throw fail('no TTL for this record, and no $TTL before it');
    lastTtl = ttl;
    lastOwner = owner;
    entries.push({ name: owner, ttl, class: klass, type, rdata: tokens.slice(i + 1), origin, line });
  }
  return entries;
}

/** A name as written in a master file, made absolute against the origin. */
export function absoluteName(word: string, origin: string, fail: (problem: string) => Error): string {
  if (word.includes('\\')) throw fail(`the name ${word} has escapes muster does not handle`);
  if (word === '@') return origin;
  if (word.endsWith('.')) return word.toLowerCase();
  return (origin === '.' ? `${word}.` : `${word}.${origin}`).toLowerCase();
}

/** Seconds, or BIND's units (1w2d3h4m5s); undefined if the word is not a TTL. */
export function parseTtl(word: string): number | undefined {
  if (/^\d+$/.test(word)) return Number(word);
  if (!/^(\d+[smhdw])+$/i.test(word)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of word.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(n) * (unit[u ?? 's'] ?? 1);
  return total;
}

export function zoneFileError(file: string, line: number, problem: string): MusterError {
  return new MusterError(`zone file ${file}:${line}: ${problem}`, {
    code: 'DNS_ZONE_FILE_INVALID',
    kind: 'config',
    hint: 'fix the zone file (named-checkzone ZONE FILE shows what BIND thinks of it), or remove it to let muster write a new one',
  });
}

function failWith(error: Error): never {
  throw error;
}

function logicalLines(text: string, file: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let tokens: Token[] = [];
  let depth = 0;
  let lineNo = 1;
  let startLine = 1;
  let blankOwner = false;
  let atLineStart = true;
  let i = 0;
  const flush = (): void => {
    if (tokens.length > 0) lines.push({ tokens, blankOwner, line: startLine });
    tokens = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (atLineStart && depth === 0) {
      blankOwner = ch === ' ' || ch === '\t';
      startLine = lineNo;
      atLineStart = false;
    }
    if (ch === '\n') {
      lineNo++;
      i++;
      if (depth === 0) {
        flush();
        atLineStart = true;
      }
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '(' || ch === ')') {
      depth += ch === '(' ? 1 : -1;
      if (depth < 0) throw zoneFileError(file, lineNo, 'a ")" without its "("');
      i++;
      continue;
    }
    const token = readToken(text, i, (problem) => zoneFileError(file, lineNo, problem));
    lineNo += token.raw.split('\n').length - 1;
    tokens.push(token);
    i += token.raw.length;
  }
  if (depth !== 0) throw zoneFileError(file, startLine, 'a "(" that is never closed');
  flush();
  return lines;
}

function readToken(text: string, start: number, fail: (problem: string) => Error): Token {
  const quoted = text[start] === '"';
  let i = quoted ? start + 1 : start;
  const bytes: number[] = [];
  for (;;) {
    if (i >= text.length) {
      if (quoted) throw fail('a quoted string that is never closed');
      break;
    }
    const ch = text[i] as string;
    if (quoted && ch === '"') {
      i++;
      break;
    }
    if (!quoted && (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '(' || ch === ')' || ch === '"')) break;
    if (ch === '\\') {
      const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
      if (digits) {
        const value = Number(digits[0]);
        if (value > 255) throw fail(`\\${digits[0]} is not a byte`);
        bytes.push(value);
        i += 4;
        continue;
      }
      const next = text.codePointAt(i + 1);
      if (next === undefined) throw fail('a "\\" at the end of the file');
      bytes.push(...Buffer.from(String.fromCodePoint(next)));
      i += 1 + String.fromCodePoint(next).length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i) as number);
    bytes.push(...Buffer.from(char));
    i += char.length;
  }
  return { raw: text.slice(start, i), bytes: Buffer.from(bytes), quoted };
}
