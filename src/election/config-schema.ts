import * as z from 'zod';
import { absolutePath, duration } from '../config/common.js';

const label = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'must be a lower-case label such as masters' });

/**
 * `muster elect` (zeroinit): leaderless start over mDNS. Every member of a group announces
 * itself in one signed DNS-SD instance; a leader is agreed once `expect` members all see the
 * same membership, and runs the action exactly once.
 */
/** zeroinit's ansible playbook, built in: the bootstrap key baked into user-data replaced by one made on the leader. */
export const rotateSshSchema = z.strictObject({
  bootstrap_key_file: absolutePath.describe('The bootstrap private key user-data delivered (under root): what the leader logs in with first.'),
  bootstrap_public_key_file: absolutePath.optional().describe('Its public line, removed from every member afterwards. Default: bootstrap_key_file + .pub.'),
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).default('root').describe('The user the bootstrap key logs in as (root, core, …).'),
  port: z.number().int().min(1).max(65535).default(22).describe('The members\' sshd port.'),
  key_type: z.enum(['ed25519', 'rsa', 'ecdsa']).default('ed25519').describe('Type of the new key pair.'),
  key_dir: absolutePath.default('/var/lib/muster/elect/ssh').describe('Where (under root) the leader keeps the new private key (0600; it never leaves the leader). MUSTER_SSH_KEY names it to the action.'),
  authorized_keys_file: z.string().min(1).default('.ssh/authorized_keys').describe('The members\' sshd AuthorizedKeysFile (tokens %h %u %U %%).'),
  create_user: z
    .strictObject({
      name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).default('provision').describe('The user\'s name.'),
      sudo: z.boolean().default(true).describe('Passwordless sudo for it (a sudoers.d file checked with visudo).'),
    })
    .optional()
    .describe('Create this user on every member and give it the new key (zeroinit\'s provision user, with passwordless sudo).'),
});

export const electConfigSchema = z.strictObject({
  group: label.default('muster').describe('The election group: only members of the same group (and secret) elect together.'),
  expect: z.number().int().min(1).default(3).describe('zeroinit\'s --expect: how many members must be seen, all agreeing, before a leader is chosen. More is fine.'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, { message: 'must be a DNS label' })
    .optional()
    .describe('This member\'s instance name. Default: the hostname (made unique by mDNS probing if another member has it).'),
  interfaces: z.array(z.string().min(1)).default([]).describe('zeroinit\'s --iface: the interfaces to announce and listen on. Default: every interface with a non-loopback address.'),
  family: z.enum(['ipv4', 'ipv6', 'both']).default('ipv4').describe('mDNS over IPv4 (224.0.0.251), IPv6 (ff02::fb) or both.'),
  priority: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Election id: the lowest leads. Default zeroinit\'s: the first IPv4 address of the first interface as an integer (IPv6 only: its last 32 bits). Ties are broken at random.'),
  role: z.string().regex(/^[A-Za-z0-9._-]{0,32}$/).default('').describe('Announced to the others (and in MUSTER_MEMBERS), e.g. master.'),
  secret_file: absolutePath.describe('File with the group\'s shared secret (at least 16 bytes, e.g. `head -c 32 /dev/urandom | base64`), delivered by user-data: announcements not signed with it are ignored.'),
  settle: duration.prefault('1s').describe('With more than expect members seen, agreement also needs nothing new to appear for this long (exactly expect members that all announce the same set agree at once).'),
  timeout: duration.prefault('10m').describe('Fewer than expect members (or no agreement) until then: exit 69 naming who was seen.'),
  linger: duration.prefault('10m').describe('After the action is done, the leader keeps answering for this long, so a late or rebooted member learns the election is over instead of starting one.'),
  announce_interval: duration.prefault('1s').describe('How often a member announces itself while the election runs (mDNS answers queries at once besides).'),
  record_ttl: z.number().int().min(1).max(4500).default(5).describe('TTL (seconds) of the announced records: a member silent for longer is gone. Short, so departures are seen.'),
  max_clock_skew: duration.prefault('5m').describe('An announcement signed further from this member\'s clock than this is ignored as a replay.'),
  action: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('zeroinit\'s --action: run on the leader, once, as `CMD ip1 ip2 …` (no shell; the members\' IPs in election order), with MUSTER_LEADER, MUSTER_LEADER_IP and MUSTER_MEMBERS (JSON) in its environment. Must be idempotent: a leader that crashes during it runs it again.'),
  host_key_file: absolutePath
    .default('/etc/ssh/ssh_host_ed25519_key.pub')
    .describe('This member\'s SSH host public key (under root): its fingerprint is announced, signed, so the leader\'s key rotation checks each host key against it. Absent file: none announced.'),
  state_dir: absolutePath.default('/var/lib/muster/elect').describe('Where (under root) the intent and done records are kept, so the action never reruns after it finished.'),
  port: z.number().int().min(1).max(65535).default(5353).describe('mDNS port (5353; another only for tests on one host).'),
  rotate_ssh: rotateSshSchema
    .optional()
    .describe('After agreement, before the action: the leader replaces the bootstrap SSH key on every member (itself included) with a new one, checking each host key against the fingerprint the member announced.'),
});

export type ElectConfig = z.output<typeof electConfigSchema>;
export type RotateSshConfig = z.output<typeof rotateSshSchema>;
