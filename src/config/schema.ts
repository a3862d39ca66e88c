import * as z from 'zod';
import { absolutePath } from './common.js';
import { agentConfigSchema } from '../agent/config-schema.js';
import { eventsConfigSchema } from '../agent/events/config-schema.js';
import { bootConfigSchema } from '../boot/config-schema.js';
import { dnsConfigSchema } from '../dns/config-schema.js';
import { etcdConfigSchema, type EtcdConfig } from '../etcd/config-schema.js';
import { decideSchemes, etcdTlsIssues } from '../etcd/tls-config.js';
import { baseConfigSchema, hostnameConfigSchema } from '../node/config-schema.js';
import { pkiConfigSchema } from '../pki/config-schema.js';
import { awsPlatformSchema } from '../platform/aws/schema.js';
import { dnsSrvPlatformSchema } from '../platform/dns-srv/schema.js';
import { localPlatformSchema } from '../platform/local/schema.js';
import { mdnsPlatformSchema } from '../platform/mdns/schema.js';
import { staticPlatformSchema } from '../platform/static/schema.js';
import { vspherePlatformSchema } from '../platform/vsphere/schema.js';
import { swarmConfigSchema } from '../swarm/config-schema.js';
import { unitsConfigSchema } from '../units/config-schema.js';
import { electConfigSchema } from '../election/config-schema.js';

/** Each provider exports its own schema; the config is assembled from them. */
export const platformSchema = z.discriminatedUnion('type', [staticPlatformSchema, awsPlatformSchema, localPlatformSchema, dnsSrvPlatformSchema, vspherePlatformSchema, mdnsPlatformSchema]);

/** The sections as written; their keys are what MUSTER_* overrides may name. */
export const configSections = z.strictObject({
  root: absolutePath.default('/').describe('NodeReg\'s chroot_path: prefix for every file muster writes.'),
  platform: platformSchema.describe('Who am I and who are my peers.'),
  boot: bootConfigSchema.prefault({}).describe('`muster boot`: which steps run.'),
  base: baseConfigSchema.prefault({}).describe('NodeReg\'s Base module: do nothing on an image-building instance.'),
  hostname: hostnameConfigSchema.optional().describe('NodeReg\'s Hostname module: name the node from a tag and its IP. Absent: the hostname step does not run.'),
  dns: dnsConfigSchema.optional().describe('Register the group in DNS, changing only records muster owns. Absent: the dns step does not run.'),
  pki: pkiConfigSchema
    .optional()
    .describe('Node certificates and trust: keys made on the node, CSRs signed by local-ca, acme or vault. Absent: the pki step does not run.'),
  etcd: etcdConfigSchema.prefault({}).describe('etcd cluster formation.'),
  units: unitsConfigSchema
    .optional()
    .describe('The role\'s systemd units, started in order after etcd by a generated muster-<role>.target, from pinned content. Absent: the units step does not run.'),
  swarm: swarmConfigSchema
    .optional()
    .describe('Docker Swarm formation after the units (coreos-docker-swarm-cluster\'s bootstrap.sh): exactly one `swarm init` per cluster, decided under an etcd lock and recorded in etcd; join tokens kept under /muster/swarm/; dead managers removed without losing quorum. Absent: the swarm step does not run.'),
  elect: electConfigSchema.optional().describe('`muster elect` (zeroinit): a leader agreed over mDNS among members that booted with no infrastructure, an action run on it once. Absent: muster elect takes its settings from flags.'),
  agent: agentConfigSchema.prefault({}).describe('`muster agent`: this node in the registry /muster/nodes/<role>/<name> under an etcd lease.'),
  events: eventsConfigSchema
    .optional()
    .describe('Node up / down / replaced events from the registry to webhooks, sent by one agent at a time. Absent: this agent sends none and is never the events leader.'),
});

/**
 * The whole config: the sections, checked across each other, with the defaults that depend on
 * another section decided (etcd's schemes follow pki).
 */
export const configSchema = configSections
  .superRefine((config, ctx) => {
    for (const issue of etcdTlsIssues(config.etcd, config.pki)) ctx.addIssue({ code: 'custom', ...issue });
    // etcd listens on both ports on the same addresses: one port for both, and etcd cannot start.
    if (config.etcd.mode !== 'member' && config.etcd.proxy === undefined) {
      ctx.addIssue({ code: 'custom', path: ['etcd', 'proxy'], message: `etcd.mode ${config.etcd.mode} needs etcd.proxy.endpoints: the client URLs that list the members` });
    }
    const { client_port: client, peer_port: peer } = config.etcd;
    if (client === peer) {
      ctx.addIssue({ code: 'custom', path: ['etcd', 'peer_port'], message: `${peer} is also etcd.client_port: etcd listens on both, so they must differ (default 2380)` });
      ctx.addIssue({ code: 'custom', path: ['etcd', 'client_port'], message: `${client} is also etcd.peer_port: etcd listens on both, so they must differ (default 2379)` });
    }
  })
  .transform((config) => ({ ...config, etcd: { ...config.etcd, ...decideSchemes(config.etcd, config.pki) } satisfies EtcdConfig }));

export type Config = z.output<typeof configSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
