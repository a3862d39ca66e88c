import { stringify } from 'yaml';
import { CONTAINER_HOST_ROOT, NODE_CONFIG_PATH, UNITS_DIR } from './cluster-load.js';
import { CONTRIB_UNITS } from './contrib-units.js';
import { installScript, INSTALL_SCRIPT_PATH } from './install-script.js';
import type { RoleInput } from './role-input.js';

export type UserDataFormat = 'cloud-config' | 'ignition';

export interface NodeFile {
  path: string;
  content: Buffer;
  mode: number;
  owner: string;
  /** The secret this file is (named in render's list of embedded secrets). */
  secret?: string;
}

/** muster's own systemd units (from contrib/systemd), which the provisioner installs, and the image's etcd.service it enables. */
export interface NodeUnit {
  name: string;
  /** undefined: a unit the image has (etcd.service), only enabled and started. */
  content?: string;
  /** `systemctl enable` (it has an [Install] section the node should follow). */
  enable: boolean;
  /** Started once user-data is applied (cloud-config's runcmd; Ignition's first boot starts what is enabled). */
  start: boolean;
}

export interface NodeUser {
  name: string;
  groups: readonly string[];
  sudo: boolean;
  sshAuthorizedKeys: readonly string[];
  shell?: string;
}

/** What one role's node is given, independent of the user-data format. */
export interface NodeContent {
  role: string;
  files: NodeFile[];
  units: NodeUnit[];
  users: NodeUser[];
  keepDefaultUser: boolean;
  /** The executable to download (cloud-config: by the install script; Ignition: by Ignition itself), or none for an image. */
  download?: { url: string; sha256: string; path: string };
  /** Secrets in the output, and those left out that the node still needs. */
  embeddedSecrets: string[];
  withheldSecrets: { name: string; path: string }[];
}

const DEFAULT_PATH: Record<UserDataFormat, string> = { 'cloud-config': '/usr/local/bin/muster', ignition: '/opt/bin/muster' };

/** The node's files, units and users for one role: a pure function of the loaded role, so the same model gives the same bytes. */
export function nodeContent(input: RoleInput, format: UserDataFormat): NodeContent {
  const { install } = input;
  const executable = install.path ?? DEFAULT_PATH[format];
  const files: NodeFile[] = [{ path: NODE_CONFIG_PATH, content: Buffer.from(configYaml(input)), mode: 0o644, owner: 'root' }];
  for (const unit of input.units) files.push({ path: `${UNITS_DIR}/${unit.name}`, content: Buffer.from(unit.content), mode: 0o644, owner: 'root' });
  for (const file of input.files) files.push({ path: file.path, content: file.content, mode: file.mode, owner: file.owner, ...(file.secret !== undefined ? { secret: file.secret } : {}) });
  const embeddedSecrets = input.files.flatMap((file) => (file.secret !== undefined ? [`${file.secret} → ${file.path}`] : []));
  const withheldSecrets: { name: string; path: string }[] = [];
  for (const secret of input.secrets) {
    if (secret.embed && secret.content !== undefined) {
      files.push({ path: secret.path, content: secret.content, mode: secret.mode, owner: secret.owner, secret: secret.name });
      embeddedSecrets.push(`${secret.name} → ${secret.path}`);
    } else {
      withheldSecrets.push({ name: secret.name, path: secret.path });
    }
  }
  for (const user of input.users) {
    if (user.sudo) files.push({ path: `/etc/sudoers.d/90-muster-${user.name}`, content: Buffer.from(`${user.name} ALL=(ALL) NOPASSWD:ALL\n`), mode: 0o440, owner: 'root' });
  }
  const download = install.url !== undefined && install.sha256 !== undefined ? { url: install.url, sha256: install.sha256, path: executable } : undefined;
  // cloud-config has no "download a file and check it" module that cloud-init 22.4 validates:
  // a small script does it (Ignition downloads and verifies by itself).
  if (download !== undefined && format === 'cloud-config') files.push({ path: INSTALL_SCRIPT_PATH, content: Buffer.from(installScript(download)), mode: 0o755, owner: 'root' });
  const runner = install.image === undefined ? { executable } : { image: install.image };
  const units: NodeUnit[] = musterUnits(input).map((unit) => (unit.name in CONTRIB_UNITS ? { ...unit, content: adaptExecutable(CONTRIB_UNITS[unit.name], runner, input) } : unit));
  return {
    role: input.role,
    files,
    units,
    users: input.users.map((user) => ({ name: user.name, groups: user.groups, sudo: user.sudo, sshAuthorizedKeys: user.ssh_authorized_keys, ...(user.shell !== undefined ? { shell: user.shell } : {}) })),
    keepDefaultUser: input.keepDefaultUser,
    ...(download !== undefined ? { download } : {}),
    embeddedSecrets,
    withheldSecrets,
  };
}

/** The role's muster.yaml, as the user wrote it (keys in their order), with a header saying where it came from. */
function configYaml(input: RoleInput): string {
  return `# muster config of role ${input.role} in cluster ${input.cluster}, written by muster render.\n${stringify(input.configText, { lineWidth: 0 })}`;
}

/** Which of contrib/systemd's units this role's config needs. */
function musterUnits(input: RoleInput): Omit<NodeUnit, 'content'>[] {
  const { config } = input;
  const units: Omit<NodeUnit, 'content'>[] = [{ name: 'muster-boot.service', enable: true, start: true }];
  const etcdRuns = config.boot.steps === undefined || config.boot.steps.includes('etcd');
  if (etcdRuns && config.etcd.mode === 'member') {
    // The image's etcd.service (Debian's etcd-server), run with the environment muster-boot
    // writes before it (Before=etcd.service); the image must not have started it already.
    units.push({ name: 'etcd.service', enable: true, start: true });
    // Started by etcd.service (WantedBy=etcd.service), and by the timer.
    units.push({ name: 'muster-etcd-promote.service', enable: true, start: false });
    units.push({ name: 'muster-etcd-reconcile.service', enable: false, start: false });
    units.push({ name: 'muster-etcd-reconcile.timer', enable: true, start: true });
  }
  if (etcdRuns && config.etcd.mode !== 'member') units.push({ name: 'muster-etcd-proxy.service', enable: true, start: true });
  // The registry and lifecycle events: asked for by an agent or events section, or a swarm (whose nodes the seed's node-lifecycle unit kept listed).
  const text = input.configText;
  if (text['agent'] !== undefined || text['events'] !== undefined || text['swarm'] !== undefined) units.push({ name: 'muster-agent.service', enable: true, start: true });
  if (config.swarm !== undefined) units.push({ name: 'muster-swarm.service', enable: true, start: true });
  if (text['elect'] !== undefined) units.push({ name: 'muster-elect.service', enable: true, start: true });
  if (config.pki !== undefined) {
    units.push({ name: 'muster-certs-renew.service', enable: false, start: false });
    units.push({ name: 'muster-certs-renew.timer', enable: true, start: true });
  }
  return units;
}

/**
 * contrib's units run /usr/local/bin/muster; the node's may be elsewhere (Flatcar: /opt/bin), or
 * an image run by docker, which sees the host's root at /media/root (the rendered config's root)
 * and, having no systemd of its own, leaves reloading systemd and starting the role's target to
 * the host. Their comments are left out: they are in contrib/systemd/, and every byte of
 * user-data counts against the 16 KiB budget.
 */
function adaptExecutable(content: string | undefined, runner: { executable: string } | { image: string }, input: RoleInput): string {
  if (content === undefined) throw new Error('contrib unit missing from the generated module: run npm run gen:units');
  return content.replace(/^ExecStart=\/usr\/local\/bin\/muster (.*)$/gm, (_line, args: string) => {
    if ('executable' in runner) return `ExecStart=${runner.executable} ${args}`;
    const run = `ExecStart=/usr/bin/docker run --rm --network host --uts host -v /:${CONTAINER_HOST_ROOT} -v /etc/muster:/etc/muster:ro ${runner.image} ${args}`;
    if (!/ boot$/.test(args)) return run;
    const after = ['ExecStartPost=/bin/systemctl daemon-reload'];
    if (input.units.length > 0) after.push(`ExecStartPost=/bin/systemctl start --no-block muster-${input.role}.target`);
    return [run, ...after].join('\n');
  }).replace(/^#.*\n/gm, '');
}
