import * as z from 'zod';
import { absolutePath, fileMode, owner } from '../config/common.js';

// A role names files and the muster-<role>.target, so it is a DNS-label-like word.
const roleName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'must be a lower-case label such as manager or worker' });

const sha256 = z.string({ error: 'must be a string of 64 hex digits: quote it (YAML reads a value of only digits as a number)' }).regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lower-case hex digits (sha256sum of the file)' });

const sourceFile = z.string().min(1).describe('A file on the machine that renders, relative to the cluster file.');

export const installSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).optional().describe('Where the node downloads the single executable (dist/muster-linux-x64 of a release).'),
    sha256: sha256.optional().describe('sha256 of that executable: the node refuses any other bytes.'),
    path: absolutePath
      .optional()
      .describe('Where it is installed. Default /usr/local/bin/muster (cloud-config), /opt/bin/muster (Ignition: Flatcar\'s /usr is read-only).'),
    image: z
      .string()
      .min(1)
      .optional()
      .describe('Or a container image (contrib/docker/muster.Dockerfile) run by the node\'s docker: muster then sees the host\'s root at /media/root.'),
  })
  .superRefine((install, ctx) => {
    if ((install.url === undefined) === (install.image === undefined)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give install.url (with sha256) or install.image, one of them' });
    if (install.url !== undefined && install.sha256 === undefined) ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'a downloaded executable must be pinned: add its sha256 (sha256sum muster-linux-x64)' });
    if (install.image !== undefined && (install.sha256 !== undefined || install.path !== undefined)) ctx.addIssue({ code: 'custom', path: ['image'], message: 'sha256 and path are for install.url; pin an image by digest (name@sha256:…)' });
  });

export const secretSchema = z.strictObject({
  source: sourceFile.describe('The file holding the secret, on the machine that renders (relative to the cluster file).'),
  path: absolutePath.describe('Where the node needs it, e.g. the dns.provider.tsig.secret_file the config names.'),
  mode: fileMode.prefault('0600').describe('Its mode on the node.'),
  owner: owner.default('root').describe('Its owner on the node.'),
  embed: z
    .boolean()
    .default(false)
    .describe('Put it in the user-data (anyone who can read the instance\'s user-data can read it; render lists it). false: it is left out and must reach the node another way before muster-boot.service runs.'),
});

const unitEntrySchema = z
  .strictObject({
    name: z.string().min(1).describe('Unit file name, e.g. vault.service.'),
    content: z.string().min(1).optional().describe('The unit file, inline.'),
    source: sourceFile.optional().describe('Or a file holding it (relative to the cluster file).'),
    start: z.boolean().default(true).describe('Start it, in list order, with muster-<role>.target.'),
  })
  .superRefine((unit, ctx) => {
    if ((unit.content === undefined) === (unit.source === undefined)) ctx.addIssue({ code: 'custom', path: ['content'], message: 'give the unit as content or as source, one of them' });
  });

const fileEntrySchema = z
  .strictObject({
    path: absolutePath.describe('Where the file goes on the node.'),
    content: z.string().optional().describe('Its content, inline.'),
    source: sourceFile.optional().describe('Or a file holding it (relative to the cluster file).'),
    mode: fileMode.prefault('0644').describe('Its mode.'),
    owner: owner.default('root').describe('Its owner.'),
  })
  .superRefine((file, ctx) => {
    if ((file.content === undefined) === (file.source === undefined)) ctx.addIssue({ code: 'custom', path: ['content'], message: 'give the file as content or as source, one of them' });
  });

const userSchema = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, { message: 'must be a user name such as provision' }).describe('User name (zeroinit\'s bootstrap user was provision).'),
  groups: z.array(z.string().min(1)).default([]).describe('Supplementary groups.'),
  sudo: z.boolean().default(false).describe('Passwordless sudo (a sudoers.d file).'),
  ssh_authorized_keys: z.array(z.string().regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, { message: 'must be an OpenSSH public key line (ssh-ed25519 AAAA… comment)' })).default([]).describe('Public keys that may log in as this user.'),
  shell: absolutePath.optional().describe('Login shell. Default: the distribution\'s.'),
});

export const roleSchema = z.strictObject({
  config: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('The muster config this role\'s nodes run (the schema of muster.yaml), merged over the cluster\'s config: mappings merge, lists and values replace.'),
  units: z
    .array(unitEntrySchema)
    .default([])
    .describe('The role\'s systemd units in start order (the seed\'s <role>-systemd-units.txt): delivered as files pinned by sha256 and started by muster boot\'s units step.'),
  files: z.array(fileEntrySchema).default([]).describe('Other files the role needs.'),
  users: z.array(userSchema).default([]).describe('Users to create, with their SSH keys.'),
  keep_default_user: z.boolean().default(true).describe('cloud-config: keep the image\'s default user (cloud-init\'s `default`) besides users.'),
  secrets: z.array(z.string().min(1)).default([]).describe('Names of the cluster\'s secrets this role receives.'),
  install: installSchema.optional().describe('How muster gets onto this role\'s nodes, instead of the cluster\'s install.'),
});

export const clusterSchema = z
  .strictObject({
    name: roleName.describe('The cluster\'s name: it heads the rendered user-data and muster.yaml, for the people who read them.'),
    install: installSchema.optional().describe('How muster gets onto the nodes: the single executable by URL and sha256, or a container image.'),
    config: z.record(z.string(), z.unknown()).default({}).describe('Settings every role shares (the schema of muster.yaml); each role\'s config is merged over it.'),
    secrets: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'use lower-case letters, digits, _ and -' }), secretSchema).default({}).describe('Secrets by name, each a file; a role receives those it lists.'),
    params: sourceFile.optional().describe('A heatit params.yml of coreos-docker-swarm-cluster (node-role, slack-webhook-url, slack-channel).'),
    roles: z
      .record(roleName, roleSchema)
      .refine((roles) => Object.keys(roles).length > 0, { message: 'list at least one role, e.g. manager: {}' })
      .describe('One entry per role (manager, worker, any name).'),
  })
  .superRefine((cluster, ctx) => {
    for (const [name, role] of Object.entries(cluster.roles)) {
      if (role.install === undefined && cluster.install === undefined) ctx.addIssue({ code: 'custom', path: ['roles', name, 'install'], message: 'no install here or at the top level: say how muster gets onto the node (url and sha256, or image)' });
      role.secrets.forEach((secret, index) => {
        if (!(secret in cluster.secrets)) ctx.addIssue({ code: 'custom', path: ['roles', name, 'secrets', index], message: `no secret named ${secret} in secrets${Object.keys(cluster.secrets).length > 0 ? ` (there are: ${Object.keys(cluster.secrets).join(', ')})` : ''}` });
      });
      if ('units' in role.config) ctx.addIssue({ code: 'custom', path: ['roles', name, 'config', 'units'], message: `list the units under roles.${name}.units: render pins each one and writes this section itself` });
    }
    if ('units' in cluster.config) ctx.addIssue({ code: 'custom', path: ['config', 'units'], message: 'units belong to a role: list them under roles.<role>.units' });
  });

export type ClusterModel = z.output<typeof clusterSchema>;
export type RoleModel = z.output<typeof roleSchema>;
export type InstallModel = z.output<typeof installSchema>;
export type SecretModel = z.output<typeof secretSchema>;
