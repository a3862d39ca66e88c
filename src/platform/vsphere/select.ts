import { isIP } from 'node:net';
import { MusterError } from '../../core/errors.js';
import { sortPeers, type Discovery, type Peer } from '../types.js';
import type { VspherePlatformConfig } from './schema.js';
import type { VmRecord } from './vim.js';

export type GroupSelection = Pick<VspherePlatformConfig, 'environment' | 'role' | 'environment_key' | 'role_key' | 'expected_peers'>;

/** How this node recognises its own VM: by name (exact) or by the BIOS UUID the guest sees. */
export type SelfMatcher = { vmName: string } | { uuid: string };

/**
 * From every VM vCenter reported to this node's discovery: the group is the VMs whose
 * extraConfig carries the environment and role; peers are those powered on with a guest IP.
 * Pure, so every rule is tested without a vCenter.
 */
export function selectGroup(vms: readonly VmRecord[], selection: GroupSelection, self: SelfMatcher): Discovery {
  const inGroup = (vm: VmRecord): boolean => vm.extraConfig[selection.environment_key] === selection.environment && vm.extraConfig[selection.role_key] === selection.role;
  const group = vms.filter(inGroup);
  const poweredOn = group.filter((vm) => vm.powerState === 'poweredOn');
  const withIp = poweredOn.filter((vm) => vm.ip !== undefined && isIP(vm.ip) !== 0);
  const waiting = poweredOn.filter((vm) => !withIp.includes(vm));
  const groupName = `${selection.environment_key}=${selection.environment}, ${selection.role_key}=${selection.role}`;

  rejectDuplicates(withIp, groupName);
  const selfVm = findSelf(vms, self, inGroup);
  if (!inGroup(selfVm)) {
    throw new MusterError(
      `vsphere: this VM (${selfVm.name}) is not in the group ${groupName}: its extraConfig has ${selection.environment_key}=${selfVm.extraConfig[selection.environment_key] ?? '(unset)'}, ${selection.role_key}=${selfVm.extraConfig[selection.role_key] ?? '(unset)'}`,
      { code: 'VSPHERE_SELF_NOT_IN_GROUP', kind: 'config', hint: 'set the VM\'s extraConfig (govc vm.change -e tags_environment=… -e tags_role=…), or platform.environment and platform.role' },
    );
  }
  if (!withIp.includes(selfVm)) {
    throw new MusterError(`vsphere: vCenter reports no guest IP for this VM (${selfVm.name}, ${selfVm.powerState ?? 'power state unknown'}) yet`, {
      code: 'VSPHERE_SELF_NO_IP',
      kind: 'unavailable',
      retryable: true,
      hint: 'VMware Tools (open-vm-tools) reports the guest IP a few seconds after boot; muster retries. If it never comes, check that open-vm-tools runs in this VM',
    });
  }

  const peers: Peer[] = sortPeers(withIp.map((vm) => toPeer(vm, selection)));
  const selfPeer = peers.find((peer) => peer.id === selfVm.moref) as Peer;
  const selfFacts = { id: selfPeer.id, name: selfPeer.name, ip: selfPeer.ip, tags: selfPeer.tags };
  const waitingNote = waiting.length > 0 ? `; no guest IP reported yet for ${waiting.map((vm) => vm.name).sort().join(', ')}` : '';
  if (selection.expected_peers === undefined) {
    return {
      self: selfFacts,
      peers,
      complete: false,
      incompleteReason: `${peers.length} powered-on VM${peers.length === 1 ? '' : 's'} with ${groupName}${waitingNote}, and without platform.expected_peers vCenter cannot tell whether that is the whole group; set platform.expected_peers to the group's size (nodes can still join an existing cluster)`,
    };
  }
  if (peers.length < selection.expected_peers) {
    return { self: selfFacts, peers, complete: false, incompleteReason: `${peers.length} of ${selection.expected_peers} expected VMs with ${groupName} are powered on with a guest IP${waitingNote}` };
  }
  return { self: selfFacts, peers, complete: true };
}

function toPeer(vm: VmRecord, selection: GroupSelection): Peer {
  return {
    id: vm.moref,
    name: vm.name,
    ip: vm.ip as string,
    // Only the tags_* keys (and the two configured ones) are tags: the rest of extraConfig can
    // hold guestinfo.userdata and other secrets, which must not reach logs or reports.
    tags: Object.fromEntries(Object.entries(vm.extraConfig).filter(([key]) => key.startsWith('tags_') || key === selection.environment_key || key === selection.role_key)),
    state: vm.powerState ?? 'unknown',
  };
}

function findSelf(vms: readonly VmRecord[], self: SelfMatcher, inGroup: (vm: VmRecord) => boolean): VmRecord {
  const all = 'vmName' in self ? vms.filter((vm) => vm.name === self.vmName) : vms.filter((vm) => vm.uuid !== undefined && sameBiosUuid(vm.uuid, self.uuid));
  // VM names are unique per folder only: staging's etcd-1 does not make prod's ambiguous.
  const grouped = all.filter(inGroup);
  const matches = all.length > 1 && grouped.length === 1 ? grouped : all;
  const what = 'vmName' in self ? `named ${self.vmName}` : `with this machine's BIOS UUID ${self.uuid}`;
  const [only] = matches;
  if (only !== undefined && matches.length === 1) return only;
  if (matches.length === 0) {
    throw new MusterError(`vsphere: no VM ${what} among the ${vms.length} VMs this vCenter user can see`, {
      code: 'VSPHERE_SELF_NOT_FOUND',
      kind: 'config',
      hint: 'vmName' in self ? 'platform.vm_name must be this VM\'s name in vCenter exactly (muster does not match substrings, as etcd-bootstrap did), and the user must be able to read it' : 'set platform.vm_name to this VM\'s name in vCenter',
    });
  }
  throw new MusterError(`vsphere: ${matches.length} VMs ${what}: ${matches.map((vm) => vm.moref).join(', ')}`, {
    code: 'VSPHERE_SELF_AMBIGUOUS',
    kind: 'config',
    hint: 'VM names are unique only per folder: rename one, or (for a cloned UUID) give each VM its own BIOS UUID',
  });
}

function rejectDuplicates(vms: readonly VmRecord[], groupName: string): void {
  for (const key of ['name', 'ip'] as const) {
    const seen = new Map<string, VmRecord>();
    for (const vm of vms) {
      const value = (vm[key] ?? '').toLowerCase();
      const other = seen.get(value);
      if (other !== undefined) {
        throw new MusterError(`vsphere: two VMs with ${groupName} share the ${key === 'name' ? 'name' : 'guest IP'} ${vm[key] ?? ''}: ${other.moref} and ${vm.moref}`, {
          code: 'VSPHERE_DUPLICATE_PEER',
          kind: 'config',
          hint: key === 'name' ? 'peer names become etcd member names and must be unique: rename one of the VMs' : 'two VMs answer on one address: fix the cloned network config of one of them',
        });
      }
      seen.set(value, vm);
    }
  }
}

/**
 * vCenter's config.uuid and the guest's SMBIOS UUID are the same 16 bytes, but VMs of hardware
 * version 13 and older show the first three fields byte-swapped inside the guest; both match.
 */
export function sameBiosUuid(vcenter: string, guest: string): boolean {
  const a = vcenter.toLowerCase();
  const b = guest.toLowerCase().trim();
  return a === b || a === swapFirstFields(b);
}

function swapFirstFields(uuid: string): string {
  const parts = uuid.split('-');
  if (parts.length !== 5) return uuid;
  const swap = (hex: string): string => (hex.match(/../g) ?? []).reverse().join('');
  return [swap(parts[0] ?? ''), swap(parts[1] ?? ''), swap(parts[2] ?? ''), parts[3], parts[4]].join('-');
}
