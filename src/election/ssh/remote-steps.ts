import { MusterError } from '../../core/errors.js';
import { parsePublicKeyLine } from './public-key-line.js';
import { shellQuote as q } from './shell-quote.js';

/**
 * The shell scripts the rotation runs on a member, built as strings (pure, unit-tested, and run
 * against real files in the tests). POSIX sh only, no bash, no GNU-only flags: members may be
 * Debian, RHEL or Flatcar. Every script is idempotent, so a rerun after a crash repeats a step
 * harmlessly, and every change of an authorized_keys file is atomic (temp file in the same
 * directory, chmod 600, mv), so sshd reads either the old or the new file, never half of one.
 */

/** sshd's default `AuthorizedKeysFile` (relative paths are relative to the user's home). */
export const DEFAULT_AUTHORIZED_KEYS_FILE = '.ssh/authorized_keys';

// useradd's rule of thumb (and no dots: sudo ignores files in sudoers.d whose name has one).
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function assertUserName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new MusterError(`${JSON.stringify(name)} is not a user name muster will use`, {
      code: 'SSH_USER_INVALID',
      kind: 'config',
      hint: 'Use lower-case letters, digits, "_" and "-" (at most 32), starting with a letter or "_".',
    });
  }
}

/** The command to send over an exec channel: the script runs under `sh`, whatever the login shell is. */
export function asSessionUser(script: string): string {
  return `sh -c ${q(script)}`;
}

/** The same, as root: directly when the session is root already, else through `sudo -n` (never a password prompt, which would hang). */
export function asRoot(script: string): string {
  return asSessionUser(`if [ "$(id -u)" -eq 0 ]; then exec sh -c ${q(script)}; else exec sudo -n sh -c ${q(script)}; fi`);
}

/**
 * Shell lines that set `$<variable>` to `user`'s authorized_keys path, expanding sshd's
 * `AuthorizedKeysFile` tokens (%% %h %u %U) on the member, where the home directory is known.
 */
export function resolveAuthorizedKeysFile(variable: string, user: string, pattern: string): string[] {
  assertUserName(user);
  const lines: string[] = [];
  const needsHome = /%h/.test(pattern) || !pattern.startsWith('/');
  if (needsHome) {
    lines.push(
      // getent sees NSS users too; /etc/passwd is the fallback where getent is missing (busybox).
      `${variable}_home=$(getent passwd ${q(user)} 2>/dev/null | cut -d: -f6) || true`,
      `[ -n "$${variable}_home" ] || ${variable}_home=$(awk -F: -v u=${q(user)} '$1 == u { print $6 }' /etc/passwd)`,
      `[ -n "$${variable}_home" ] || { echo "user ${user} has no home directory" >&2; exit 3; }`,
    );
  }
  if (/%U/.test(pattern)) lines.push(`${variable}_uid=$(id -u ${q(user)})`);
  let expression = needsHome && !pattern.startsWith('/') && !pattern.startsWith('%h') ? `"$${variable}_home"/` : '';
  for (const piece of pattern.split(/(%.)/)) {
    if (piece === '') continue;
    if (piece === '%%') expression += q('%');
    else if (piece === '%h') expression += `"$${variable}_home"`;
    else if (piece === '%u') expression += q(user);
    else if (piece === '%U') expression += `"$${variable}_uid"`;
    else if (/^%.$/.test(piece)) throw new MusterError(`AuthorizedKeysFile token ${piece} is not supported`, { code: 'SSH_AUTHORIZED_KEYS_FILE', kind: 'config', hint: 'Use %h, %u, %U or %%.' });
    else expression += q(piece);
  }
  lines.push(`${variable}=${expression}`);
  return lines;
}

/** `has_key BLOB FILE`: the file exists and some line has BLOB as a field (options and comments may differ). */
const HAS_KEY = `has_key() { [ -f "$2" ] && awk -v b="$1" '{ for (i = 1; i <= NF; i++) if ($i == b) found = 1 } END { exit !found }' "$2"; }`;

/** Makes `$tmp` a temp file next to `$1` that is removed if the script fails before the mv. */
const TEMP_NEXT_TO = `temp_next_to() { tmp=$(mktemp "$(dirname -- "$1")/.authorized_keys.muster.XXXXXX"); trap 'rm -f -- "$tmp"' EXIT; }`;

/** chmod 600, owner (as root), fsync, then the atomic mv over the real file. */
function commitTemp(owner: string): string[] {
  return [
    'chmod 600 "$tmp"',
    `if [ "$(id -u)" -eq 0 ]; then chown ${q(`${owner}:`)} "$tmp"; fi`,
    // sync FILE is coreutils ≥ 8.24; elsewhere a global sync does the same, slower.
    'sync "$tmp" 2>/dev/null || sync',
    'mv -f -- "$tmp" "$file"',
    'trap - EXIT',
  ];
}

export interface InstallKeyStep {
  /** Whose authorized_keys gets the key. */
  user: string;
  publicKey: string;
  authorizedKeysFile: string;
}

/** Adds the key unless a line already has it; every other line is kept as it is. Prints `installed` or `present`. */
export function installKeyScript(step: InstallKeyStep): string {
  const key = parsePublicKeyLine(step.publicKey);
  const line = `${key.type} ${key.base64}${key.comment === '' ? '' : ` ${key.comment}`}`;
  return [
    'set -eu',
    'umask 077',
    HAS_KEY,
    TEMP_NEXT_TO,
    ...resolveAuthorizedKeysFile('file', step.user, step.authorizedKeysFile),
    'dir=$(dirname -- "$file")',
    `if [ ! -d "$dir" ]; then mkdir -p -- "$dir"; chmod 700 "$dir"; if [ "$(id -u)" -eq 0 ]; then chown ${q(`${step.user}:`)} "$dir"; fi; fi`,
    `if has_key ${q(key.base64)} "$file"; then echo present; exit 0; fi`,
    'temp_next_to "$file"',
    // Keep the old lines; a last line without its newline must not run into the new key.
    'if [ -f "$file" ]; then cat -- "$file" > "$tmp"; if [ -s "$tmp" ] && [ -n "$(tail -c 1 -- "$tmp")" ]; then echo >> "$tmp"; fi; fi',
    `printf '%s\\n' ${q(line)} >> "$tmp"`,
    ...commitTemp(step.user),
    'echo installed',
  ].join('\n');
}

export interface RemoveKeyStep {
  /** Whose authorized_keys loses the key. */
  user: string;
  publicKey: string;
  authorizedKeysFile: string;
  /** The key that must stay: the script refuses to run unless it is installed, so no member is left with neither. */
  keep: { user: string; publicKey: string; authorizedKeysFile: string };
}

/** Drops every line that carries the key. Prints `removed` or `absent`; exits 4 (changing nothing) if the kept key is missing. */
export function removeKeyScript(step: RemoveKeyStep): string {
  const key = parsePublicKeyLine(step.publicKey);
  const keep = parsePublicKeyLine(step.keep.publicKey);
  if (key.base64 === keep.base64) {
    throw new MusterError('the key to remove is the key to keep', { code: 'SSH_ROTATION_SAME_KEY', kind: 'internal' });
  }
  const refuse = (where: string): string => `{ echo "the new key is not in ${where}: refusing to remove the bootstrap key" >&2; exit 4; }`;
  return [
    'set -eu',
    'umask 077',
    HAS_KEY,
    TEMP_NEXT_TO,
    ...resolveAuthorizedKeysFile('file', step.user, step.authorizedKeysFile),
    ...resolveAuthorizedKeysFile('keep', step.keep.user, step.keep.authorizedKeysFile),
    `has_key ${q(keep.base64)} "$keep" || ${refuse('$keep')}`,
    `if ! has_key ${q(key.base64)} "$file"; then echo absent; exit 0; fi`,
    'temp_next_to "$file"',
    `awk -v b=${q(key.base64)} '{ k = 1; for (i = 1; i <= NF; i++) if ($i == b) k = 0 } k' "$file" > "$tmp"`,
    `if [ "$file" = "$keep" ]; then has_key ${q(keep.base64)} "$tmp" || ${refuse('the filtered file')}; fi`,
    ...commitTemp(step.user),
    'echo removed',
  ].join('\n');
}

export interface CreateUserStep {
  name: string;
  sudo: boolean;
}

/** The file that gives the user passwordless sudo (no dot in the name: sudo would skip it). */
export function sudoersFileFor(name: string): string {
  return `/etc/sudoers.d/muster-${name}`;
}

/**
 * Creates the user (with a home) unless it exists, and with `sudo` a sudoers.d entry checked by
 * `visudo -cf` before it is moved into place: a broken sudoers file would lock out sudo for
 * everyone. Run as root. Prints `created` or `exists`, then `sudo-installed`/`sudo-present`.
 */
export function createUserScript(step: CreateUserStep): string {
  assertUserName(step.name);
  const lines = [
    'set -eu',
    'umask 022',
    `if id -u ${q(step.name)} >/dev/null 2>&1; then echo exists; else`,
    '  shell=/bin/sh; if [ -x /bin/bash ]; then shell=/bin/bash; fi',
    // Password '*' rather than useradd's locked '!': sshd without PAM refuses every login of a
    // locked account, keys included. '*' matches no password, so password logins stay impossible.
    `  useradd --create-home --shell "$shell" --password '*' ${q(step.name)}`,
    '  echo created',
    'fi',
  ];
  if (step.sudo) {
    const file = sudoersFileFor(step.name);
    const rule = `${step.name} ALL=(ALL) NOPASSWD:ALL`;
    lines.push(
      `f=${q(file)}`,
      `rule=${q(rule)}`,
      'if [ -f "$f" ] && [ "$(cat -- "$f")" = "$rule" ]; then echo sudo-present; else',
      '  mkdir -p /etc/sudoers.d',
      // The temp name has a dot, so sudo ignores it while it exists.
      '  tmp=$(mktemp /etc/sudoers.d/.muster.XXXXXX); trap \'rm -f -- "$tmp"\' EXIT',
      `  printf '%s\\n' "$rule" > "$tmp"`,
      '  chmod 0440 "$tmp"',
      '  visudo -cf "$tmp" >/dev/null',
      '  mv -f -- "$tmp" "$f"; trap - EXIT',
      '  echo sudo-installed',
      'fi',
    );
  }
  return lines.join('\n');
}
