import type { PkiConfig } from '../pki/config-schema.js';
import type { etcdConfigSchema } from './config-schema.js';
import type * as z from 'zod';

type ParsedEtcd = z.infer<typeof etcdConfigSchema>;

/** A config problem found across sections, in the shape zod's custom issues take. */
export interface CrossSectionIssue {
  path: (string | number)[];
  message: string;
}

/** https when there are certificates (pki issues them, or etcd.tls.files names them), else http, unless the user chose. */
export function decideSchemes(etcd: ParsedEtcd, pki: PkiConfig | undefined): { client_scheme: 'http' | 'https'; peer_scheme: 'http' | 'https' } {
  const fallback = pki === undefined && etcd.tls.files === undefined ? 'http' : 'https';
  return { client_scheme: etcd.client_scheme ?? fallback, peer_scheme: etcd.peer_scheme ?? fallback };
}

/**
 * etcd over TLS uses pki's certificates, so an https scheme needs a pki section, and the
 * certificates named under etcd.tls must exist there with both usages: etcd serves with them
 * and muster's probes and client present them (client-cert auth).
 */
export function etcdTlsIssues(etcd: ParsedEtcd, pki: PkiConfig | undefined): CrossSectionIssue[] {
  const schemes = decideSchemes(etcd, pki);
  const issues: CrossSectionIssue[] = [];
  if (etcd.tls.files !== undefined) {
    if (pki !== undefined) issues.push({ path: ['etcd', 'tls', 'files'], message: 'etcd.tls.files and a pki section both give etcd certificates: keep one (pki issues and renews them itself)' });
    return issues;
  }
  if (pki === undefined) {
    for (const key of ['client_scheme', 'peer_scheme'] as const) {
      if (schemes[key] === 'https') {
        issues.push({ path: ['etcd', key], message: 'https needs certificates: add a pki section (muster then issues the node certificate etcd uses), name your own in etcd.tls.files, or use http' });
      }
    }
    return issues;
  }
  const uses: [keyof ParsedEtcd['tls'], string | undefined, boolean][] = [
    ['certificate', etcd.tls.certificate, schemes.client_scheme === 'https'],
    ['peer_certificate', etcd.tls.peer_certificate ?? etcd.tls.certificate, schemes.peer_scheme === 'https'],
  ];
  for (const [key, name, used] of uses) {
    if (!used || name === undefined || name === 'node') continue;
    const extra = pki.extra.find((candidate) => candidate.name === name);
    // Report at the key the user wrote (peer_certificate falls back to certificate).
    const path = ['etcd', 'tls', key === 'peer_certificate' && etcd.tls.peer_certificate === undefined ? 'certificate' : key];
    if (!extra) {
      issues.push({ path, message: `no certificate ${name}: name node or one of pki.extra (${pki.extra.map((item) => item.name).join(', ') || 'none configured'})` });
    } else if (etcd.mode !== 'member') {
      // A worker's proxy only connects to the members: the client usage is all it needs.
      if (!extra.usages.includes('client')) issues.push({ path, message: `pki.extra ${name} needs the client usage: the ${etcd.mode} presents it to the members` });
    } else if (!extra.usages.includes('server') || !extra.usages.includes('client')) {
      issues.push({ path, message: `pki.extra ${name} needs usages [server, client]: etcd serves with it and muster presents it as a client` });
    }
  }
  return issues.filter((issue, index) => issues.findIndex((other) => other.path.join('.') === issue.path.join('.')) === index);
}
