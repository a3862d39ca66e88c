import { Document, isSeq, stringify } from 'yaml';
import type { NodeContent } from './node-content.js';
import { INSTALL_SCRIPT_PATH } from './install-script.js';
import { isPlainText } from './text-content.js';

export interface RenderedPart {
  /** What it is, as a user would look for it: a file's path, a unit's name, "users", "runcmd". */
  label: string;
  bytes: number;
}

export interface RenderedUserData {
  text: string;
  parts: RenderedPart[];
}

/**
 * #cloud-config for cloud-init: write_files (muster.yaml, the role's units, files, secrets that
 * are embedded, muster's own units), users, and runcmd that installs muster and starts
 * muster-boot.service. cloud-init runs write_files before users exist, so files are root's or a
 * system user's the image has.
 */
export function renderCloudConfig(content: NodeContent, header: string): RenderedUserData {
  const parts: RenderedPart[] = [];
  const measure = <T>(label: string, value: T): T => {
    parts.push({ label, bytes: Buffer.byteLength(stringify([value], { lineWidth: 0 })) });
    return value;
  };
  const writeFiles = [
    ...content.files.map((file) => measure(file.path, fileEntry(file.path, file.content, file.mode, file.owner))),
    ...content.units.flatMap((unit) => (unit.content === undefined ? [] : [measure(unit.name, fileEntry(`/etc/systemd/system/${unit.name}`, Buffer.from(unit.content), 0o644, 'root'))])),
  ];
  const users = [
    ...(content.keepDefaultUser ? ['default'] : []),
    ...content.users.map((user) => ({
      name: user.name,
      ...(user.groups.length > 0 ? { groups: [...user.groups] } : {}),
      ...(user.shell !== undefined ? { shell: user.shell } : {}),
      // Keys only: no password is set, and none can be used.
      lock_passwd: true,
      ...(user.sshAuthorizedKeys.length > 0 ? { ssh_authorized_keys: [...user.sshAuthorizedKeys] } : {}),
    })),
  ];
  const enabled = content.units.filter((unit) => unit.enable).map((unit) => unit.name);
  const started = content.units.filter((unit) => unit.start).map((unit) => unit.name);
  const runcmd = [
    ...(content.download !== undefined ? [[INSTALL_SCRIPT_PATH]] : []),
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', ...enabled],
    // --no-block: runcmd runs inside cloud-final.service, and muster-boot waits for its peers.
    ['systemctl', 'start', '--no-block', ...started],
  ];
  const document = {
    ...(content.users.length > 0 || !content.keepDefaultUser ? { users: measure('users', users) } : {}),
    write_files: writeFiles,
    runcmd: measure('runcmd', runcmd),
  };
  const yaml = new Document(document);
  // Each command on one line, as people write runcmd: [systemctl, enable, …].
  const commands = yaml.get('runcmd');
  if (isSeq(commands)) for (const command of commands.items) if (isSeq(command)) command.flow = true;
  const text = `#cloud-config\n${header.split('\n').map((line) => `# ${line}`.trimEnd()).join('\n')}\n${yaml.toString({ lineWidth: 0 })}`;
  return { text, parts };
}

function fileEntry(path: string, content: Buffer, mode: number, owner: string): Record<string, string> {
  const text = isPlainText(content);
  return {
    path,
    owner: owner.includes(':') ? owner : `${owner}:${owner}`,
    permissions: `0${mode.toString(8)}`,
    ...(text ? {} : { encoding: 'b64' }),
    content: text ? content.toString('utf8') : content.toString('base64'),
  };
}
