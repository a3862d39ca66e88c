import * as z from 'zod';
import { absolutePath, duration, port } from '../config/common.js';
import { dnsConfigSchema, dnsProviderSchema } from '../dns/config-schema.js';
import { OWNER_ID_PATTERN } from '../dns/ownership.js';
import { canonicalZone } from '../dns/record.js';

/**
 * `muster kube-dns`: the controller that keeps labeled Kubernetes Services published in DNS
 * (kuberoute's job, with external-dns's ownership). Its config file holds `kube_dns` and `dns`;
 * a kuberoute INI file is mapped onto the same shape (kuberoute-ini.ts).
 */

const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, { message: 'must be a Kubernetes label key such as kuberoute_domain or example.com/dns-name' });

const kubernetesSchema = z
  .strictObject({
    auth: z
      .enum(['in-cluster', 'kubeconfig', 'url'])
      .default('in-cluster')
      .describe('in-cluster: the pod\'s service account (kuberoute\'s serviceaccount); kubeconfig: a kubeconfig file; url: an API server URL with no credentials (kuberoute\'s kubernetes_url).'),
    kubeconfig: z.string().min(1).optional().describe('auth kubeconfig: the file (kuberoute\'s [kubeconfig] filename). Default: $KUBECONFIG, else ~/.kube/config.'),
    context: z.string().min(1).optional().describe('auth kubeconfig: the context to use. Default: the file\'s current-context.'),
    url: z.url({ message: 'must be a URL such as https://10.0.0.1:6443' }).optional().describe('auth url: the API server (kuberoute\'s [kubernetes_url] url).'),
    verify: z.boolean().default(true).describe('auth url: check the API server\'s TLS certificate (kuberoute\'s verify). false is logged as a warning.'),
    ca_file: z.string().min(1).optional().describe('auth url: PEM CA file that signed the API server\'s certificate (kuberoute\'s certificate_authority).'),
    token_file: z.string().min(1).optional().describe('auth url: a file holding a bearer token, sent with every request (kuberoute had none).'),
    service_account_dir: absolutePath
      .default('/var/run/secrets/kubernetes.io/serviceaccount')
      .describe('auth in-cluster: where the token, ca.crt and namespace are mounted. The API server is $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT.'),
    timeout: duration.prefault('30s').describe('Deadline of one list or lease request to the API server.'),
  })
  .superRefine((value, ctx) => {
    if (value.auth === 'url' && value.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'auth url needs the API server URL' });
    if (value.auth !== 'url') {
      for (const key of ['url', 'ca_file', 'token_file'] as const) {
        if (value[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only used with auth: url (auth is ${value.auth})` });
      }
    }
    if (value.auth !== 'kubeconfig') {
      for (const key of ['kubeconfig', 'context'] as const) {
        if (value[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only used with auth: kubeconfig (auth is ${value.auth})` });
      }
    }
  });

const labelsSchema = z.strictObject({
  domain: labelKey.default('kuberoute_domain').describe('Label whose value is the Service\'s domain (kuberoute\'s domain_label).'),
  name: labelKey.default('kuberoute_name').describe('Label whose value is the name published under that domain (kuberoute\'s name_label).'),
  failover: labelKey.default('kuberoute_failover').describe('Label holding the failover value: an IP (A/AAAA record) or a name (CNAME) (kuberoute\'s failover_label).'),
  quota: labelKey.default('kuberoute_quota').describe('Label holding the quota: the % of nodes that must serve the Service (kuberoute\'s quota_label).'),
});

const leaderElectionSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Elect one writer through a coordination.k8s.io/v1 Lease; the others stay warm and take over. false: this replica always writes (run only one).'),
    namespace: z.string().min(1).optional().describe('Namespace of the Lease. Default: the service account\'s namespace in-cluster, else default.'),
    name: z.string().min(1).default('muster-kube-dns').describe('Name of the Lease.'),
    identity: z.string().min(1).optional().describe('This replica\'s holder identity. Default: $POD_NAME, else the host name, plus the process id.'),
    lease_duration: duration.prefault('15s').describe('How long a lease holds without renewal: a dead leader is replaced within this time.'),
    renew_deadline: duration.prefault('10s').describe('The leader stops writing when it could not renew for this long (shorter than lease_duration).'),
    retry_period: duration.prefault('2s').describe('How often the leader renews and a standby tries to acquire.'),
  })
  .superRefine((value, ctx) => {
    if (value.renew_deadline >= value.lease_duration) ctx.addIssue({ code: 'custom', path: ['renew_deadline'], message: 'must be shorter than lease_duration, or a leader that lost the lease could still write' });
    if (value.retry_period >= value.renew_deadline) ctx.addIssue({ code: 'custom', path: ['retry_period'], message: 'must be shorter than renew_deadline, or a leader cannot renew in time' });
  });

const s3ReportSchema = z.strictObject({
  bucket: z.string().min(1).describe('Bucket (kuberoute\'s bucket_name).'),
  key: z.string().min(1).describe('Object key (kuberoute\'s key; replacements apply).'),
  region: z.string().min(1).default('eu-central-1').describe('The bucket\'s region (kuberoute ignored its region_name and always used eu-central-1, the default here).'),
  acl: z
    .enum(['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control'])
    .default('private')
    .describe('Canned ACL of the object (kuberoute\'s acl).'),
  content_type: z.string().min(1).default('application/json').describe('Content-Type of the object (kuberoute\'s content_type).'),
  endpoint: z.url().optional().describe('S3 endpoint override (an S3-compatible server); path-style addressing is used with it.'),
  access_key_id_file: z.string().min(1).optional().describe('A file holding the access key id. Default: the AWS SDK\'s credential chain (environment, web identity, instance role).'),
  secret_access_key_file: z.string().min(1).optional().describe('A file holding the secret access key (with access_key_id_file). Never logged.'),
  access_key_id: z.string().min(1).optional().describe('The access key id written inline (kuberoute\'s aws_access_key_id). Prefer the *_file keys or the SDK\'s chain.'),
  secret_access_key: z.string().min(1).optional().describe('The secret access key written inline (kuberoute\'s aws_secret_access_key). Never logged.'),
}).superRefine((value, ctx) => {
  for (const [a, b] of [['access_key_id_file', 'secret_access_key_file'], ['access_key_id', 'secret_access_key']] as const) {
    if ((value[a] === undefined) !== (value[b] === undefined)) ctx.addIssue({ code: 'custom', path: [value[a] === undefined ? a : b], message: `${a} and ${b} go together` });
  }
  if (value.access_key_id !== undefined && value.access_key_id_file !== undefined) ctx.addIssue({ code: 'custom', path: ['access_key_id'], message: 'give the keys inline or in files, not both' });
});

const reportSchema = z.strictObject({
  file: absolutePath.optional().describe('Write the state report (kuberoute\'s JSON shape) to this file, atomically, mode 0644, when it changes.'),
  s3: s3ReportSchema.optional().describe('Put the state report to S3 (kuberoute\'s [s3report]) when it changes.'),
});

const heartbeatSchema = z.strictObject({
  name_template: z.string().min(1).describe('Name (relative to each zone) of the heartbeat CNAME (kuberoute\'s [heartbeat] name_template; replacements apply).'),
  timestamp_template: z
    .string()
    .min(1)
    .default('_TEMPLATE_START_timestamp_TEMPLATE_END_.kuberoute.timestamp')
    .describe('Its target, with the current minute as _TEMPLATE_START_timestamp_TEMPLATE_END_ (YYYY-M-D-H-M, UTC). One DNS write per zone per minute, by design.'),
});

export const kubeDnsSchema = z
  .strictObject({
    kubernetes: kubernetesSchema.prefault({}).describe('How to reach the API server (kuberoute\'s kubeconfig_kind).'),
    namespaces: z
      .array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'must be a namespace name' }))
      .default([])
      .describe('Namespaces whose Services and Pods are watched (kuberoute\'s namespaces). Empty: all namespaces.'),
    labels: labelsSchema.prefault({}).describe('The label keys that select and describe a Service (kuberoute\'s *_label keys).'),
    address_type: z
      .enum(['HostIP', 'InternalIP', 'ExternalIP'])
      .default('HostIP')
      .describe('What a node-backed Service publishes: HostIP, the pods\' status.hostIP (kuberoute); InternalIP or ExternalIP, that address of each serving node (IPv6 → AAAA).'),
    quota_nodes: z
      .enum(['all', 'schedulable'])
      .default('all')
      .describe('The nodes a quota is a share of: all Nodes (kuberoute, unready ones included) or only schedulable ones.'),
    failover_after: duration.prefault('30s').describe('A Service below its quota (or with no endpoint) switches to its failover value only after this long below.'),
    restore_after: duration.prefault('60s').describe('…and back to its own addresses only after this long above: an oscillating pod never flaps the record.'),
    debounce: duration.prefault('500ms').describe('Changes seen within this window are applied together.'),
    resync_interval: duration.prefault('60s').describe('A full resync (list every zone, plan, apply) this often repairs drift made outside muster.'),
    max_delete_ratio: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe('A plan that would delete more than this share of the records muster owns is held until two consecutive resyncs agree, and logged.'),
    port: port.default(8081).describe('HTTP port: /healthz, /readyz, /metrics, /state, and kuberoute\'s /health and / (sync now) (kuberoute\'s port, --port).'),
    listen_address: z.string().min(1).default('0.0.0.0').describe('Address the HTTP server listens on.'),
    leader_election: leaderElectionSchema.prefault({}).describe('One writer among replicas.'),
    heartbeat: heartbeatSchema.optional().describe('kuberoute\'s heartbeat CNAME, one per zone. Absent: none.'),
    replacements: z
      .record(z.string().regex(/^\w+$/, { message: 'a replacement name is letters, digits and _' }), z.string())
      .default({})
      .describe('Values for _TEMPLATE_START_name_TEMPLATE_END_ in the domain and name labels, the S3 key and the heartbeat templates (kuberoute\'s [replacements]).'),
    report: reportSchema.prefault({}).describe('The state report (kuberoute\'s [s3report], or a file).'),
  })
  .superRefine((value, ctx) => {
    if (value.restore_after < value.debounce) ctx.addIssue({ code: 'custom', path: ['restore_after'], message: 'must be at least debounce' });
  });

const zoneName = z.string().transform((value, ctx) => {
  try {
    return canonicalZone(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

/** The DNS section of a kube-dns file: one provider for every zone, and the zones it owns. */
/** kuberoute's fakedns: nothing leaves the process; every change is logged. For trying a config. */
const fakeProviderSchema = z.strictObject({ type: z.literal('fake').describe('Records kept in memory and every change logged, nothing written (kuberoute\'s fakedns).') });

export const kubeDnsZonesSchema = dnsConfigSchema.omit({ zone: true, records: true }).extend({
  // Not muster boot's default "muster": a controller with the boot's owner_id would delete the
  // node records in a shared zone as records it no longer wants.
  owner_id: z
    .string()
    .regex(OWNER_ID_PATTERN, { message: 'use 1-63 letters, digits and . _ : / - (no commas, "=" or spaces)' })
    .default('muster-kube-dns')
    .describe('Written into the ownership TXT of every record set the controller creates; it changes and deletes only record sets with this owner_id. Give each controller (each cluster) its own, and never the one muster boot uses.'),
  provider: z.union([dnsProviderSchema, fakeProviderSchema]).describe('Where the zones live: route53, rfc2136 (BIND), coredns-etcd (SkyDNS layout), zone-file, or fake (kuberoute\'s fakedns).'),
  zones: z
    .array(zoneName)
    .default([])
    .describe('The zones records go into (the longest that contains a name wins). Empty: each Service\'s domain label is its zone (kuberoute). List them, so records of a Service deleted while no controller ran are still found and deleted.'),
});

export const kubeDnsFileSchema = z
  .strictObject({
    kube_dns: kubeDnsSchema.prefault({}).describe('`muster kube-dns`: which Services, which addresses, failover, HA, HTTP and the report.'),
    dns: kubeDnsZonesSchema.describe('Where the records go: the DNS provider (route53, rfc2136, coredns-etcd for SkyDNS, zone-file), owner_id, policy and the zones.'),
  })
  .superRefine((file, ctx) => {
    // One file holds one zone: two zones written to one path would overwrite each other.
    if (file.dns.provider.type === 'zone-file' && file.dns.zones.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'zones'], message: 'the zone-file provider writes one zone to its path: list exactly that zone here' });
    }
  });

export type KubeDnsConfig = z.output<typeof kubeDnsSchema>;
export type KubeDnsZonesConfig = z.output<typeof kubeDnsZonesSchema>;
export type KubeDnsFile = z.output<typeof kubeDnsFileSchema>;
export type KubernetesAccess = KubeDnsConfig['kubernetes'];
