import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface SecretFinding {
  /** Where in the user-data: a file's path, a section, or the whole document. */
  where: string;
  line: number;
  kind: string;
}

/** What `render --check` looks for: credentials that give access by themselves. */
const PATTERNS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: 'private key (PEM)', pattern: /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/ },
  { kind: 'AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'AWS secret access key', pattern: /aws_secret_access_key\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/i },
  { kind: 'Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9_/-]{20,}/ },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { kind: 'Docker swarm join token', pattern: /\bSWMTKN-1-[0-9a-z]{25,}-[0-9a-z]{20,}\b/ },
  { kind: 'Vault token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/ },
  { kind: 'TSIG key secret', pattern: /\bsecret\s+"?[A-Za-z0-9+/]{16,}={0,2}"?\s*;/ },
  { kind: 'discovery.etcd.io token', pattern: /discovery\.etcd\.io\/[0-9a-f]{32}\b/ },
  { kind: 'password hash', pattern: /\$(1|5|6|y|2[aby])\$[^\s:"'$]{2,}\$[^\s:"']{8,}/ },
];

export const SCANNED_KINDS = PATTERNS.map((entry) => entry.kind);

/**
 * Scans user-data for secrets, through the layers user-data has: gzip, MIME multipart,
 * cloud-config's write_files encodings, Ignition's data: URLs (base64, gzip). Findings name the
 * place and the kind, never the value.
 */
export function scanUserData(bytes: Buffer): SecretFinding[] {
  return scanLayer(bytes, 'user-data');
}

function scanLayer(bytes: Buffer, where: string): SecretFinding[] {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return scanLayer(gunzipSync(bytes), `${where} (gzip)`);
  const text = bytes.toString('utf8');
  const boundary = /^content-type:\s*multipart\/[^;]+;\s*boundary="?([^"\s;]+)"?/im.exec(text)?.[1];
  if (boundary !== undefined) return mimeParts(text, boundary).flatMap((part, index) => scanLayer(part, `${where} part ${index + 1}`));
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const ignition = tryJson(trimmed);
    if (ignition !== undefined) return scanIgnition(ignition, where);
  }
  if (trimmed.startsWith('#cloud-config')) {
    const document = tryYaml(text);
    if (document !== undefined) return scanCloudConfig(document, where);
  }
  return scanText(text, where);
}

function scanText(text: string, where: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  text.split('\n').forEach((line, index) => {
    for (const { kind, pattern } of PATTERNS) if (pattern.test(line)) findings.push({ where, line: index + 1, kind });
  });
  return findings;
}

function scanCloudConfig(document: Record<string, unknown>, where: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const files = Array.isArray(document['write_files']) ? (document['write_files'] as unknown[]) : [];
  files.forEach((entry, index) => {
    const file = (entry ?? {}) as Record<string, unknown>;
    const path = typeof file['path'] === 'string' ? file['path'] : `write_files[${index}]`;
    const content = typeof file['content'] === 'string' ? file['content'] : '';
    const encoding = typeof file['encoding'] === 'string' ? file['encoding'].toLowerCase() : '';
    let decoded = Buffer.from(content);
    if (['b64', 'base64', 'gz+b64', 'gzip+base64', 'gz+base64', 'gzip+b64'].includes(encoding)) decoded = Buffer.from(content, 'base64');
    findings.push(...scanLayer(decoded, `${where} write_files ${path}`));
  });
  for (const [key, value] of Object.entries(document)) {
    if (key !== 'write_files') findings.push(...scanText(typeof value === 'string' ? value : JSON.stringify(value, null, 1), `${where} ${key}`));
  }
  return findings;
}

function scanIgnition(config: Record<string, unknown>, where: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const storage = (config['storage'] ?? {}) as Record<string, unknown>;
  const files = Array.isArray(storage['files']) ? (storage['files'] as Record<string, unknown>[]) : [];
  files.forEach((file, index) => {
    const path = typeof file['path'] === 'string' ? file['path'] : `storage.files[${index}]`;
    const contents = (file['contents'] ?? {}) as Record<string, unknown>;
    const source = typeof contents['source'] === 'string' ? contents['source'] : '';
    const data = dataUrl(source);
    if (data !== undefined) findings.push(...scanLayer(data, `${where} storage.files ${path}`));
    else findings.push(...scanText(source, `${where} storage.files ${path} (source)`));
  });
  const systemd = (config['systemd'] ?? {}) as Record<string, unknown>;
  const units = Array.isArray(systemd['units']) ? (systemd['units'] as Record<string, unknown>[]) : [];
  for (const unit of units) findings.push(...scanText(typeof unit['contents'] === 'string' ? unit['contents'] : '', `${where} systemd.units ${String(unit['name'])}`));
  const passwd = (config['passwd'] ?? {}) as Record<string, unknown>;
  const users = Array.isArray(passwd['users']) ? (passwd['users'] as Record<string, unknown>[]) : [];
  for (const user of users) findings.push(...scanText(JSON.stringify(user), `${where} passwd.users ${String(user['name'])}`));
  // Whatever else the config holds (a merged or replaced config's URL, say), as one line.
  const rest = { ...config, storage: { ...storage, files: files.map((file) => ({ ...file, contents: undefined })) }, systemd: undefined, passwd: undefined };
  findings.push(...scanText(JSON.stringify(rest), `${where} (config)`));
  return findings;
}

/** The bytes of an RFC 2397 data: URL, or undefined for any other URL. */
function dataUrl(source: string): Buffer | undefined {
  const match = /^data:([^,]*),(.*)$/s.exec(source);
  if (!match) return undefined;
  const [, meta = '', body = ''] = match;
  if (meta.endsWith(';base64')) return Buffer.from(body, 'base64');
  try {
    return Buffer.from(decodeURIComponent(body), 'utf8');
  } catch {
    return Buffer.from(body); // malformed escapes: scan what is there
  }
}

function mimeParts(text: string, boundary: string): Buffer[] {
  return text
    .split(`--${boundary}`)
    .slice(1)
    .filter((part) => !part.startsWith('--'))
    .map((part) => {
      const split = part.search(/\r?\n\r?\n/);
      const headers = split < 0 ? part : part.slice(0, split);
      const body = split < 0 ? '' : part.slice(split).replace(/^\r?\n\r?\n/, '');
      return /content-transfer-encoding:\s*base64/i.test(headers) ? Buffer.from(body, 'base64') : Buffer.from(body);
    });
}

function tryJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function tryYaml(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
