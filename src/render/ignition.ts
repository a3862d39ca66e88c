import { gzipSync } from 'node:zlib';
import type { RenderedPart, RenderedUserData } from './cloud-config.js';
import type { NodeContent, NodeFile } from './node-content.js';

/** The newest spec Debian's ignition-validate (2.14) checks; Flatcar's Ignition reads it too. */
export const IGNITION_VERSION = '3.3.0';

/**
 * An Ignition v3 config: storage.files (muster.yaml, the role's units and files, embedded
 * secrets, and the executable, which Ignition downloads and checks against its sha256 itself),
 * systemd.units for muster's own units, passwd.users. With `compress`, each file is gzipped where
 * that makes it smaller (Ignition decompresses it).
 */
export function renderIgnition(content: NodeContent, options: { compress: boolean }): RenderedUserData {
  const parts: RenderedPart[] = [];
  const measure = <T>(label: string, value: T): T => {
    parts.push({ label, bytes: Buffer.byteLength(JSON.stringify(value)) });
    return value;
  };
  const files: object[] = content.files.map((file) => measure(file.path, fileEntry(file, options.compress)));
  if (content.download !== undefined) {
    const { url, sha256, path } = content.download;
    files.push(measure(path, { path, mode: 0o755, overwrite: true, contents: { source: url, verification: { hash: `sha256-${sha256}` } } }));
  }
  const users = content.users.map((user) =>
    measure(`user ${user.name}`, {
      name: user.name,
      ...(user.groups.length > 0 ? { groups: [...user.groups] } : {}),
      ...(user.shell !== undefined ? { shell: user.shell } : {}),
      ...(user.sshAuthorizedKeys.length > 0 ? { sshAuthorizedKeys: [...user.sshAuthorizedKeys] } : {}),
    }),
  );
  const units = content.units.map((unit) => measure(unit.name, { name: unit.name, ...(unit.enable ? { enabled: true } : {}), ...(unit.content !== undefined ? { contents: unit.content } : {}) }));
  const config = {
    ignition: { version: IGNITION_VERSION },
    ...(users.length > 0 ? { passwd: { users } } : {}),
    storage: { files },
    systemd: { units },
  };
  return { text: `${JSON.stringify(config)}\n`, parts };
}

function fileEntry(file: NodeFile, compress: boolean): object {
  const [user = 'root', group] = file.owner.split(':');
  const owner = { user: ownerRef(user), group: ownerRef(group ?? user) };
  const asText = `data:,${percentEncode(file.content)}`;
  if (compress) {
    const gzipped = `data:;base64,${gzipSync(file.content, { level: 9 }).toString('base64')}`;
    if (gzipped.length + 20 < asText.length) return { path: file.path, mode: file.mode, overwrite: true, ...owner, contents: { compression: 'gzip', source: gzipped } };
  }
  return { path: file.path, mode: file.mode, overwrite: true, ...owner, contents: { source: asText } };
}

function ownerRef(name: string): { id: number } | { name: string } {
  return /^\d+$/.test(name) ? { id: Number(name) } : { name };
}

/** RFC 2397 data: URL body, byte by byte (any bytes, not only UTF-8 text); only unreserved characters stay as they are. */
function percentEncode(content: Buffer): string {
  let out = '';
  for (const byte of content) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~:@/]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
