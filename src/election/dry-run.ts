import { hostname } from 'node:os';
import type { ElectConfig } from './config-schema.js';
import { readOwnHostKeyFingerprint } from './ssh/host-key-fingerprint.js';
import { defaultElectionId, selectInterfaces } from './interfaces.js';
import { ElectionRecords } from './records.js';

export interface ElectDryRun {
  name: string;
  id: number;
  interfaces: { name: string; address: string; family: string }[];
  hostKey: string;
  done: boolean;
  lines: string[];
}

/** What `muster elect` would announce and do here, from the settings and this machine alone: nothing is sent or written. */
export async function dryRunReport(config: ElectConfig, root: string, action: readonly string[] | undefined): Promise<ElectDryRun> {
  const interfaces = selectInterfaces(config.interfaces, config.family);
  const id = config.priority ?? defaultElectionId(interfaces);
  const name = config.name ?? (hostname().split('.')[0] || 'muster');
  const hostKey = (await readOwnHostKeyFingerprint({ root, path: config.host_key_file })) ?? '';
  const records = new ElectionRecords(root, config.state_dir, config.group);
  const done = await records.done();
  const intent = await records.intent();
  const lines = [
    `[dry run] would announce ${name}._muster._udp.local in group ${config.group}, election id ${id}, on ${interfaces.map((iface) => `${iface.name} ${iface.address}`).join(', ')}`,
    `  host key: ${hostKey || 'none announced (no ' + config.host_key_file + ')'}`,
    `  a leader once ${config.expect} members agree (settle ${config.settle} ms, timeout ${config.timeout} ms)`,
    action ? `  the leader runs: ${action.join(' ')} <the members' IPs>` : '  no action: the leader only records that the election is done',
    done !== undefined
      ? `  ${records.path}/done.json: the election is over (${done.role}, leader ${done.leader}, exit ${done.result}): nothing would run`
      : intent !== undefined
        ? `  ${records.path}/intent.json without done.json: the action was cut short and would run again on this leader`
        : `  no records in ${records.path}: a new election`,
  ];
  return { name, id, interfaces: interfaces.map((iface) => ({ ...iface })), hostKey, done: done !== undefined, lines };
}
