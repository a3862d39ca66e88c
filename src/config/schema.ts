import { z } from 'zod';
import { absolutePath } from './common.js';
import { bootConfigSchema } from '../boot/config-schema.js';
import { dnsConfigSchema } from '../dns/config-schema.js';
import { etcdConfigSchema } from '../etcd/config-schema.js';
import { baseConfigSchema, hostnameConfigSchema } from '../node/config-schema.js';
import { pkiConfigSchema } from '../pki/config-schema.js';
import { awsPlatformSchema } from '../platform/aws/schema.js';
import { localPlatformSchema } from '../platform/local/schema.js';
import { staticPlatformSchema } from '../platform/static/schema.js';

/** Each provider exports its own schema; the config is assembled from them. */
export const platformSchema = z.discriminatedUnion('type', [staticPlatformSchema, awsPlatformSchema, localPlatformSchema]);

export const configSchema = z.strictObject({
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
});

export type Config = z.infer<typeof configSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
