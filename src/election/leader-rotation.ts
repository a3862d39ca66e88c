import { readFile } from 'node:fs/promises';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { underRoot } from '../core/root-path.js';
import type { RotateSshConfig } from './config-schema.js';
import type { Member } from './membership.js';
import { rotateSshKeys, type RotationReport } from './ssh/rotate.js';

/** The leader's key rotation over the agreed members, each checked against the host key it announced, signed. */
export async function rotateMembersKeys(config: RotateSshConfig, root: string, members: readonly Member[], logger: Logger): Promise<RotationReport> {
  const keyFile = underRoot(root, config.bootstrap_key_file);
  const publicFile = underRoot(root, config.bootstrap_public_key_file ?? `${config.bootstrap_key_file}.pub`);
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new MusterError(`cannot read the ${what} ${path}`, { code: 'ELECT_BOOTSTRAP_KEY', kind: 'config', hint: 'user-data delivers it (a cluster model secret with embed: true)', cause: error });
    }
  };
  const noHostKey = members.filter((member) => member.hostKey === '');
  if (noHostKey.length > 0) {
    throw new MusterError(`cannot rotate SSH keys: ${noHostKey.map((member) => member.name).join(', ')} announced no host key`, { code: 'ELECT_NO_HOST_KEY', kind: 'unsafe', hint: 'every member needs its sshd\'s host key at elect.host_key_file; muster never trusts a host key it was not told' });
  }
  return rotateSshKeys({
    members: members.map((member) => ({ name: member.name, host: member.ips[0] ?? '', port: config.port, hostKeyFingerprint: member.hostKey })),
    user: config.user,
    bootstrapKey: await read(keyFile, 'bootstrap SSH key'),
    bootstrapPublicKey: (await read(publicFile, 'bootstrap SSH public key')).trim(),
    keyType: config.key_type,
    keyDir: underRoot(root, config.key_dir),
    authorizedKeysFile: config.authorized_keys_file,
    ...(config.create_user !== undefined ? { createUser: config.create_user } : {}),
    logger,
  });
}
