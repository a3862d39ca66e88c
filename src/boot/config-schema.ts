import * as z from 'zod';

export const BOOT_STEPS = ['guard', 'hostname', 'dns', 'pki', 'etcd', 'units', 'swarm'] as const;
export type BootStep = (typeof BOOT_STEPS)[number];

export const bootConfigSchema = z.strictObject({
  steps: z
    .array(z.enum(BOOT_STEPS))
    .optional()
    .describe('Steps `muster boot` runs, always in the order guard → hostname → dns → pki → etcd → units → swarm. Default: guard, plus every step whose section is in the config (etcd always), but not swarm, which needs etcd running: muster-swarm.service runs it (`muster swarm`).'),
});

export type BootConfig = z.infer<typeof bootConfigSchema>;
