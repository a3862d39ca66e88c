import { closest, type ConfigProblem } from '../config/issues.js';
import type { IniSections, IniValue } from './ini-file.js';

/**
 * kuberoute's INI config, mapped key by key onto muster's kube-dns file (README "Moving from
 * kuberoute"). Every section and key kuberoute's README or source reads is taken; an unknown
 * one is reported with the nearest known key and otherwise ignored, as kuberoute ignored it.
 */
export interface MappedIni {
  /** A kube-dns file document (validated by the caller against kubeDnsFileSchema). */
  document: { kube_dns: Record<string, unknown>; dns: Record<string, unknown> };
  /** What was mapped differently from kuberoute, and unknown keys: shown as warnings. */
  notices: string[];
  problems: ConfigProblem[];
  /** Environment for the AWS SDK ([route53]'s keys): set before any Route 53 call. */
  env: Record<string, string>;
}

const KNOWN: Record<string, readonly string[]> = {
  kuberoute: ['dns_backend', 'kubeconfig_kind', 'namespaces', 'namespace', 'domain_label', 'name_label', 'failover_label', 'quota_label', 'port'],
  skydns: ['host', 'port', 'protocol'],
  route53: ['aws_access_key_id', 'aws_secret_access_key'],
  kubeconfig: ['filename'],
  kubernetes_url: ['url', 'verify', 'certificate_authority'],
  s3report: ['aws_access_key_id', 'aws_secret_access_key', 'region_name', 'bucket_name', 'key', 'acl', 'content_type'],
  heartbeat: ['name_template', 'timestamp_template'],
};
/** Free keys: every one is a replacement. */
const FREE_SECTIONS = ['replacements'];

export function mapKuberouteIni(sections: IniSections): MappedIni {
  const notices: string[] = [];
  const problems: ConfigProblem[] = [];
  const env: Record<string, string> = {};
  const kubeDns: Record<string, unknown> = {};
  const dns: Record<string, unknown> = {};
  const at = (section: string, key: string): string => `[${section}] ${key}`;
  const get = (section: string, key: string): IniValue | undefined => sections.get(section)?.get(key);

  for (const [name, keys] of sections) {
    if (FREE_SECTIONS.includes(name)) continue;
    const known = KNOWN[name];
    if (known === undefined) {
      const guess = closest(name, [...Object.keys(KNOWN), ...FREE_SECTIONS]);
      notices.push(`[${name}] is not a kuberoute section and is ignored${guess ? ` (did you mean [${guess}]?)` : ''}`);
      continue;
    }
    for (const [key, value] of keys) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      notices.push(`${at(name, key)} (line ${value.line}) is not a kuberoute key and is ignored${guess ? ` (did you mean ${guess}?)` : ` (known: ${known.join(', ')})`}`);
    }
  }

  const main = sections.get('kuberoute');
  if (main === undefined) {
    problems.push({ path: '[kuberoute]', message: 'required', hint: 'kuberoute\'s config starts with a [kuberoute] section: dns_backend, kubeconfig_kind, namespaces, the four *_label keys, port' });
    return { document: { kube_dns: kubeDns, dns }, notices, problems, env };
  }

  // Kubernetes access.
  const kind = get('kuberoute', 'kubeconfig_kind')?.value ?? 'serviceaccount';
  const kubernetes: Record<string, unknown> = {};
  if (kind === 'serviceaccount') kubernetes['auth'] = 'in-cluster';
  else if (kind === 'kubeconfig') {
    kubernetes['auth'] = 'kubeconfig';
    const filename = get('kubeconfig', 'filename')?.value;
    if (filename !== undefined) kubernetes['kubeconfig'] = filename;
  } else if (kind === 'kubernetes_url') {
    kubernetes['auth'] = 'url';
    const url = get('kubernetes_url', 'url');
    if (url === undefined) problems.push({ path: at('kubernetes_url', 'url'), message: 'required', hint: 'kubeconfig_kind = kubernetes_url needs [kubernetes_url] url = https://…' });
    else kubernetes['url'] = url.value;
    const verify = get('kubernetes_url', 'verify');
    if (verify !== undefined) {
      const word = verify.value.toLowerCase();
      if (['yes', 'on', 'true'].includes(word)) kubernetes['verify'] = true;
      else if (['no', 'off', 'false'].includes(word)) kubernetes['verify'] = false;
      else problems.push({ path: at('kubernetes_url', 'verify'), message: `"${verify.value}" is not a boolean`, hint: 'kuberoute accepts yes/on/true or no/off/false' });
    }
    const ca = get('kubernetes_url', 'certificate_authority');
    if (ca !== undefined && ca.value !== '' && ca.value !== 'None') kubernetes['ca_file'] = ca.value;
  } else {
    problems.push({ path: at('kuberoute', 'kubeconfig_kind'), message: `"${kind}" is not a kuberoute kubeconfig_kind`, hint: 'one of: serviceaccount, kubeconfig, kubernetes_url' });
  }
  kubeDns['kubernetes'] = kubernetes;

  // Which Services. The README spells the key `namespace`; kuberoute's code reads `namespaces`.
  const namespaces = get('kuberoute', 'namespaces') ?? get('kuberoute', 'namespace');
  if (get('kuberoute', 'namespaces') === undefined && get('kuberoute', 'namespace') !== undefined) {
    notices.push('[kuberoute] namespace is read as namespaces (kuberoute\'s README spells it namespace; its code, and kuberoute itself, read only namespaces)');
  }
  if (namespaces !== undefined) kubeDns['namespaces'] = namespaces.value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const labels: Record<string, string> = {};
  for (const label of ['domain', 'name', 'failover', 'quota'] as const) {
    const value = get('kuberoute', `${label}_label`)?.value;
    if (value !== undefined) labels[label] = value;
  }
  kubeDns['labels'] = labels;
  const port = get('kuberoute', 'port');
  if (port !== undefined) {
    const number = Number(port.value);
    if (Number.isInteger(number)) kubeDns['port'] = number;
    else problems.push({ path: at('kuberoute', 'port'), message: `"${port.value}" is not a port number` });
  }

  // DNS: kuberoute's records carry no ownership, so the controller takes over the names its
  // Services want (and only those); it writes its own ownership records from then on.
  dns['take_over'] = true;
  dns['ttl'] = 60;
  notices.push('kuberoute wrote records without ownership: dns.take_over is on, so muster adopts the names your labeled Services want (and never touches others)');
  const backend = get('kuberoute', 'dns_backend')?.value;
  if (backend === 'route53') {
    dns['provider'] = { type: 'route53' };
    const id = get('route53', 'aws_access_key_id');
    const secret = get('route53', 'aws_secret_access_key');
    if (id !== undefined && secret !== undefined) {
      env['AWS_ACCESS_KEY_ID'] = id.value;
      env['AWS_SECRET_ACCESS_KEY'] = secret.value;
      notices.push('[route53] keys are given to the AWS SDK as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; an IAM role (IRSA) or the environment is safer than keys in a file');
    }
  } else if (backend === 'skydns') {
    const host = get('skydns', 'host')?.value ?? '127.0.0.1';
    const etcdPort = get('skydns', 'port')?.value ?? '2379';
    const protocol = get('skydns', 'protocol')?.value ?? 'https';
    dns['provider'] = { type: 'coredns-etcd', endpoints: [`${protocol}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${etcdPort}`] };
    notices.push('[skydns] becomes the coredns-etcd provider: the same /skydns/<reversed name>/ layout, through etcd\'s v3 API (CoreDNS\'s etcd plugin; SkyDNS 2 read the v2 API), and stale keys are deleted');
  } else if (backend === 'fakedns') {
    dns['provider'] = { type: 'fake' };
  } else {
    problems.push({ path: at('kuberoute', 'dns_backend'), message: backend === undefined ? 'required' : `"${backend}" is not a kuberoute dns_backend`, hint: 'one of: route53, skydns, fakedns' });
  }

  // The state report. kuberoute silently reported nothing when a key was missing.
  const s3 = sections.get('s3report');
  if (s3 !== undefined) {
    const missing = ['bucket_name', 'key', 'aws_access_key_id', 'aws_secret_access_key'].filter((key) => !s3.has(key));
    if (missing.length > 0) {
      notices.push(`[s3report] lacks ${missing.join(', ')}: no state report is written (kuberoute silently wrote none either)`);
    } else {
      const report: Record<string, unknown> = {
        bucket: s3.get('bucket_name')?.value,
        key: s3.get('key')?.value,
        access_key_id: s3.get('aws_access_key_id')?.value,
        secret_access_key: s3.get('aws_secret_access_key')?.value,
      };
      for (const [from, to] of [['acl', 'acl'], ['content_type', 'content_type'], ['region_name', 'region']] as const) {
        const value = s3.get(from)?.value;
        if (value !== undefined) report[to] = value;
      }
      if (s3.has('region_name')) notices.push(`[s3report] region_name ${s3.get('region_name')?.value ?? ''} is used (kuberoute ignored it and always used eu-central-1)`);
      kubeDns['report'] = { s3: report };
    }
  }

  const heartbeat = sections.get('heartbeat');
  const nameTemplate = heartbeat?.get('name_template')?.value;
  if (nameTemplate !== undefined) {
    const timestamp = heartbeat?.get('timestamp_template')?.value;
    kubeDns['heartbeat'] = { name_template: nameTemplate, ...(timestamp === undefined ? {} : { timestamp_template: timestamp }) };
  }
  const replacements = sections.get('replacements');
  if (replacements !== undefined) kubeDns['replacements'] = Object.fromEntries([...replacements].map(([key, value]) => [key, value.value]));
  return { document: { kube_dns: kubeDns, dns }, notices, problems, env };
}
