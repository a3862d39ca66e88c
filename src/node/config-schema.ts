import * as z from 'zod';

/** NodeReg's Base module: recognise an image-baking instance and do nothing else on it. */
export const baseConfigSchema = z.strictObject({
  ami_build_tag: z.string().min(1).default('is_ami_build').describe('Tag that marks an instance booted to build an image: muster does nothing else on it.'),
  on_build: z
    .enum(['block', 'exit'])
    .default('block')
    .describe('block: wait forever (as NodeReg did), so units ordered after muster never start while the image is baked; exit: stop with status 0.'),
});

/** NodeReg's Hostname module: name = tag value and the last IP octets, glued. */
export const hostnameConfigSchema = z.strictObject({
  tag_name: z.string().min(1).nullable().default('Role').describe('Tag whose value starts the name (null: the IP part only).'),
  glue: z.string().default('').describe('Between the tag value and the IP part.'),
  ip_address: z
    .strictObject({
      octets: z.number().int().min(0).max(4).default(2).describe('How many trailing octets of the node IP (0: none).'),
      glue: z.string().default('-').describe('Between the octets.'),
    })
    .prefault({})
    .describe('The IP part of the name.'),
  apply: z.boolean().default(true).describe('Write /etc/hostname and /etc/hosts under root and set the running hostname; false: only compute it (for DNS).'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;
export type HostnameConfig = z.infer<typeof hostnameConfigSchema>;
