import * as z from 'zod';

/**
 * Config of the coredns-etcd DNS provider: records for CoreDNS's etcd plugin, in the SkyDNS
 * layout. Only zod here: the config schema imports it, and etcd3 must load only when used.
 */
export const corednsEtcdSchema = z
  .strictObject({
    type: z.literal('coredns-etcd'),
    endpoints: z
      .array(z.url({ message: 'must be an etcd client URL such as https://10.0.0.1:2379' }))
      .min(1, { message: 'name at least one etcd client URL' })
      .describe('etcd client URLs CoreDNS reads from (its etcd plugin\'s `endpoint`).'),
    prefix: z
      .string()
      .regex(/^\/\S*$/, { message: 'must be an etcd key path such as /skydns' })
      .default('/skydns')
      .describe('Key prefix, the etcd plugin\'s `path` (default /skydns).'),
    ca_file: z.string().min(1).optional().describe('PEM file of the CA that signed the etcd server certificates (https endpoints).'),
    cert_file: z.string().min(1).optional().describe('PEM client certificate, when etcd requires client certificates (with key_file).'),
    key_file: z.string().min(1).optional().describe('PEM private key of cert_file.'),
  })
  .superRefine((value, ctx) => {
    if ((value.cert_file === undefined) !== (value.key_file === undefined)) {
      ctx.addIssue({ code: 'custom', path: [value.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'cert_file and key_file go together' });
    }
    if (value.cert_file !== undefined && value.ca_file === undefined) {
      // The etcd client takes a client certificate only together with the CA to check the server by.
      ctx.addIssue({ code: 'custom', path: ['ca_file'], message: 'required with a client certificate' });
    }
  });

export type CorednsEtcdConfig = z.infer<typeof corednsEtcdSchema>;
