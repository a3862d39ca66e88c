import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { MusterError } from '../core/errors.js';
import { runProgram } from '../core/process.js';
import { underRoot } from '../core/root-path.js';
import { commonNameOf } from './certificate-info.js';

/**
 * Makes the cluster CA trusted system-wide on the node, the way each distribution wants it:
 * a file in its anchors directory, then its update command. The distribution is read from
 * os-release under root (the node's, not a container's).
 */
export interface TrustLayout {
  family: 'debian' | 'rhel' | 'flatcar';
  dir: string;
  /** update-ca-certificates on Debian only picks up *.crt files. */
  extension: '.crt' | '.pem';
  update: readonly [string, ...string[]];
}

const LAYOUTS: Record<TrustLayout['family'], TrustLayout> = {
  debian: { family: 'debian', dir: '/usr/local/share/ca-certificates', extension: '.crt', update: ['update-ca-certificates'] },
  rhel: { family: 'rhel', dir: '/etc/pki/ca-trust/source/anchors', extension: '.pem', update: ['update-ca-trust', 'extract'] },
  flatcar: { family: 'flatcar', dir: '/etc/ssl/certs', extension: '.pem', update: ['update-ca-certificates'] },
};

const FAMILY_OF: Record<string, TrustLayout['family']> = {
  debian: 'debian',
  ubuntu: 'debian',
  raspbian: 'debian',
  linuxmint: 'debian',
  rhel: 'rhel',
  fedora: 'rhel', // Fedora CoreOS too: it uses update-ca-trust
  centos: 'rhel',
  rocky: 'rhel',
  almalinux: 'rhel',
  ol: 'rhel',
  amzn: 'rhel',
  flatcar: 'flatcar',
  coreos: 'flatcar', // CoreOS Container Linux, NodeReg's platform
};

/** KEY=value lines, values optionally quoted (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key = '', raw = ''] = match;
    fields[key] = raw.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(["'$`\\])/g, '$1');
  }
  return fields;
}

/** The layout for ID, else the first of ID_LIKE that muster knows. */
export function trustLayoutFor(osRelease: Record<string, string>): TrustLayout | undefined {
  const ids = [osRelease['ID'] ?? '', ...(osRelease['ID_LIKE'] ?? '').split(/\s+/)].map((id) => id.toLowerCase()).filter((id) => id !== '');
  for (const id of ids) {
    const family = FAMILY_OF[id];
    if (family) return LAYOUTS[family];
  }
  return undefined;
}

export async function detectTrustLayout(root: string): Promise<{ layout: TrustLayout } | { reason: string }> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    let text: string;
    try {
      text = await readFile(underRoot(root, path), 'utf8');
    } catch {
      continue;
    }
    const fields = parseOsRelease(text);
    const layout = trustLayoutFor(fields);
    return layout ? { layout } : { reason: `unknown distribution ID=${fields['ID'] ?? '?'}${fields['ID_LIKE'] ? ` ID_LIKE="${fields['ID_LIKE']}"` : ''} in ${underRoot(root, path)}` };
  }
  return { reason: `no os-release under ${root}` };
}

/** File name of the CA: NodeReg used the certificate's common name; lower-case and safe for a path. */
export function trustName(caPem: string): string {
  const slug = (commonNameOf(caPem) ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return slug === '' ? 'muster-ca' : slug;
}

export interface InstallTrustOptions {
  root: string;
  caPem: string;
  /** Write the CA into the system trust store. */
  trust: boolean;
  /** NodeReg's ca_path: also write the CA there as <name>.pem. null: don't. */
  caPath: string | null;
  dryRun: boolean;
}

export async function installTrust(options: InstallTrustOptions): Promise<{ lines: string[]; changed: boolean }> {
  const { root, dryRun } = options;
  const caPem = options.caPem.endsWith('\n') ? options.caPem : `${options.caPem}\n`;
  const name = trustName(caPem);
  const lines: string[] = [];
  const written = new Set<string>();
  let changed = false;
  const write = async (path: string): Promise<boolean> => {
    const full = underRoot(root, path);
    if (written.has(full)) return false;
    written.add(full);
    if (dryRun) {
      if (await sameContent(full, caPem)) return false;
      lines.push(`would write ${full}`);
      return true;
    }
    const didChange = await writeFileAtomic(full, caPem, { mode: 0o644 });
    if (didChange) lines.push(`wrote ${full}`);
    changed ||= didChange;
    return didChange;
  };

  if (options.trust) {
    const detected = await detectTrustLayout(root);
    if ('reason' in detected) lines.push(`trust store: not installed: ${detected.reason}`);
    else {
      const { layout } = detected;
      if (await write(join(layout.dir, `${name}${layout.extension}`))) lines.push(await runUpdate(layout, options));
    }
  }
  if (options.caPath !== null) await write(join(options.caPath, `${name}.pem`));
  return { lines, changed };
}

async function runUpdate(layout: TrustLayout, options: InstallTrustOptions): Promise<string> {
  const command = layout.update.join(' ');
  if (options.dryRun) return `would run ${command}`;
  // In a container that mounts the host at root, or in a sandbox, the command would update the
  // wrong system: say so instead.
  if (options.root !== '/') return `skipped ${command}: root is ${options.root}; run it on that system`;
  const [program, ...args] = layout.update;
  const result = await runProgram(program, args);
  if (result.code !== 0) {
    throw new MusterError(`pki: ${command} failed with exit code ${result.code}: ${lastLine(result.stderr || result.stdout)}`, {
      code: 'PKI_TRUST_UPDATE_FAILED',
      kind: 'internal',
      hint: `the CA file is in place; fix the problem and run ${command} by hand`,
    });
  }
  return `ran ${command}`;
}

async function sameContent(path: string, content: string): Promise<boolean> {
  try {
    return (await readFile(path, 'utf8')) === content;
  } catch {
    return false;
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
