import { z } from 'zod';
import { absolutePath } from './common.js';
import { etcdConfigSchema } from '../etcd/config-schema.js';
import { awsPlatformSchema } from '../platform/aws/schema.js';
import { localPlatformSchema } from '../platform/local/schema.js';
import { staticPlatformSchema } from '../platform/static/schema.js';

/** Each provider exports its own schema; the config is assembled from them. */
export const platformSchema = z.discriminatedUnion('type', [staticPlatformSchema, awsPlatformSchema, localPlatformSchema]);

export const configSchema = z.strictObject({
  root: absolutePath.default('/').describe('NodeReg\'s chroot_path: prefix for every file muster writes.'),
  platform: platformSchema.describe('Who am I and who are my peers.'),
  etcd: etcdConfigSchema.prefault({}).describe('etcd cluster formation.'),
});

export type Config = z.infer<typeof configSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
