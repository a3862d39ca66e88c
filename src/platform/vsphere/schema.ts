import * as z from 'zod';
import { absolutePath, duration, port } from '../../config/common.js';

/**
 * Config of the vsphere platform. Only zod here: the config schema imports it, and the SOAP
 * client loads only when vsphere is the configured platform.
 */
export const vspherePlatformSchema = z
  .strictObject({
    type: z.literal('vsphere'),
    host: z.string().min(1).describe('vCenter (or ESXi) host name or address; muster talks to https://host:port/sdk.'),
    port: port.default(443).describe('vCenter HTTPS port.'),
    username: z.string().min(1).optional().describe('vCenter user (a read-only role on the VMs\' folder is enough). Default: $VSPHERE_USERNAME.'),
    password_file: absolutePath
      .optional()
      .describe('File holding the vCenter password (trailing newline ignored). Default: $VSPHERE_PASSWORD. Never written in the config itself.'),
    ca_file: absolutePath.optional().describe('PEM CA bundle that signed vCenter\'s certificate. Default: the system\'s trusted CAs.'),
    insecure: z
      .boolean()
      .default(false)
      .describe('Skip verifying vCenter\'s TLS certificate (etcd-bootstrap\'s default). Anyone on the path can then answer as vCenter and choose this node\'s peers: use ca_file instead.'),
    environment: z.string().min(1).describe('Peers are powered-on VMs whose extraConfig environment_key has this value (etcd-bootstrap\'s -vmware-environment).'),
    role: z.string().min(1).describe('… and whose extraConfig role_key has this value (etcd-bootstrap\'s -vmware-role).'),
    environment_key: z.string().min(1).default('tags_environment').describe('extraConfig key holding the environment.'),
    role_key: z.string().min(1).default('tags_role').describe('extraConfig key holding the role.'),
    vm_name: z
      .string()
      .min(1)
      .optional()
      .describe('This VM\'s name in vCenter, matched exactly. Default: the VM whose BIOS UUID is this machine\'s (/sys/class/dmi/id/product_uuid, which VMware fills in).'),
    expected_peers: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('How many VMs make the whole group; a new cluster is created only once that many are powered on with a guest IP. Unset: nodes only join an existing cluster and never remove a stale member.'),
    attempts: z.number().int().min(1).max(20).default(3).describe('Attempts per SOAP call on a transient failure (etcd-bootstrap\'s -vmware-attempts).'),
    request_timeout: duration.prefault('15s').describe('Deadline of one SOAP request.'),
    page_size: z.number().int().min(1).max(1000).default(100).describe('VMs per RetrievePropertiesEx page.'),
  })
  .superRefine((value, ctx) => {
    if (value.insecure && value.ca_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['insecure'], message: 'insecure: true skips the check ca_file is for; set one of them' });
    }
  });

export type VspherePlatformConfig = z.infer<typeof vspherePlatformSchema>;
