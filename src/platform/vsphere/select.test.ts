import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMusterError } from '../../core/errors.js';
import { sameBiosUuid, selectGroup, type GroupSelection } from './select.js';
import type { VmRecord } from './vim.js';

const selection: GroupSelection = { environment: 'prod', role: 'etcd', environment_key: 'tags_environment', role_key: 'tags_role', expected_peers: 3 };

function vm(name: string, ip: string | undefined, overrides: Partial<VmRecord> = {}): VmRecord {
  return {
    moref: `vm-${name}`,
    name,
    uuid: undefined,
    powerState: 'poweredOn',
    ip,
    extraConfig: { tags_environment: 'prod', tags_role: 'etcd', 'guestinfo.userdata': 'c2VjcmV0' },
    ...overrides,
  };
}

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isMusterError(error), String(error));
    return error.code;
  }
  assert.fail('expected an error');
}

describe('vsphere group selection', () => {
  it('keeps the powered-on VMs of the group with a guest IP, and is complete at expected_peers', () => {
    const vms = [
      vm('etcd-2', '10.0.0.2'),
      vm('etcd-0', '10.0.0.0'),
      vm('etcd-1', '10.0.0.1'),
      vm('etcd-off', '10.0.0.9', { powerState: 'poweredOff' }),
      vm('web-0', '10.0.1.0', { extraConfig: { tags_environment: 'prod', tags_role: 'web' } }),
      vm('etcd-dev', '10.0.2.0', { extraConfig: { tags_environment: 'dev', tags_role: 'etcd' } }),
    ];
    const discovery = selectGroup(vms, selection, { vmName: 'etcd-1' });
    assert.deepEqual(discovery.peers.map((peer) => peer.name), ['etcd-0', 'etcd-1', 'etcd-2']);
    assert.equal(discovery.complete, true);
    assert.deepEqual(discovery.self, { id: 'vm-etcd-1', name: 'etcd-1', ip: '10.0.0.1', tags: { tags_environment: 'prod', tags_role: 'etcd' } });
  });

  it('never exposes other extraConfig keys (guestinfo.userdata can hold secrets) as tags', () => {
    const discovery = selectGroup([vm('etcd-0', '10.0.0.0')], { ...selection, expected_peers: 1 }, { vmName: 'etcd-0' });
    assert.equal(JSON.stringify(discovery).includes('c2VjcmV0'), false);
  });

  it('is incomplete while a powered-on member has no guest IP, and names it', () => {
    const discovery = selectGroup([vm('etcd-0', '10.0.0.0'), vm('etcd-1', '10.0.0.1'), vm('etcd-2', undefined)], selection, { vmName: 'etcd-0' });
    assert.equal(discovery.complete, false);
    assert.match(discovery.incompleteReason ?? '', /2 of 3 expected VMs .* no guest IP reported yet for etcd-2/);
    assert.deepEqual(discovery.peers.map((peer) => peer.name), ['etcd-0', 'etcd-1']);
  });

  it('is never complete without expected_peers', () => {
    const { expected_peers: _, ...unsized } = selection;
    const discovery = selectGroup([vm('etcd-0', '10.0.0.0')], unsized, { vmName: 'etcd-0' });
    assert.equal(discovery.complete, false);
    assert.match(discovery.incompleteReason ?? '', /expected_peers/);
  });

  it('matches its own VM by exact name only (etcd-bootstrap matched substrings)', () => {
    assert.equal(errorCode(() => selectGroup([vm('etcd-10', '10.0.0.10')], selection, { vmName: 'etcd-1' })), 'VSPHERE_SELF_NOT_FOUND');
  });

  it('finds its own VM by BIOS UUID, in either byte order', () => {
    const vms = [vm('etcd-0', '10.0.0.0', { uuid: '42301c2a-8a3f-bd4e-0d2f-6f6b3c8a1e01' }), vm('etcd-1', '10.0.0.1', { uuid: '42301c2a-0000-0000-0000-000000000000' })];
    assert.equal(selectGroup(vms, selection, { uuid: '42301C2A-8A3F-BD4E-0D2F-6F6B3C8A1E01' }).self.name, 'etcd-0');
    assert.equal(selectGroup(vms, selection, { uuid: '2a1c3042-3f8a-4ebd-0d2f-6f6b3c8a1e01' }).self.name, 'etcd-0');
    assert.equal(sameBiosUuid('42301c2a-8a3f-bd4e-0d2f-6f6b3c8a1e01', '42301c2a-8a3f-bd4e-0d2f-6f6b3c8a1e02'), false);
  });

  it('refuses when this VM is outside the group, or has no guest IP yet (retryable)', () => {
    const outside = vm('etcd-0', '10.0.0.0', { extraConfig: { tags_environment: 'dev', tags_role: 'etcd' } });
    assert.equal(errorCode(() => selectGroup([outside], selection, { vmName: 'etcd-0' })), 'VSPHERE_SELF_NOT_IN_GROUP');
    try {
      selectGroup([vm('etcd-0', undefined)], selection, { vmName: 'etcd-0' });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(isMusterError(error) && error.code === 'VSPHERE_SELF_NO_IP' && error.retryable);
    }
  });

  it('finds its own VM by name when another environment has a VM of the same name', () => {
    const staging = { ...vm('etcd-1', '10.9.0.1'), moref: 'vm-staging', extraConfig: { tags_environment: 'staging', tags_role: 'etcd' } };
    assert.equal(selectGroup([vm('etcd-1', '10.0.0.1'), staging], { ...selection, expected_peers: 1 }, { vmName: 'etcd-1' }).self.id, 'vm-etcd-1');
  });

  it('refuses two group VMs with one name or one address', () => {
    assert.equal(errorCode(() => selectGroup([vm('etcd-0', '10.0.0.0'), { ...vm('etcd-0', '10.0.0.1'), moref: 'vm-99' }], selection, { vmName: 'etcd-1' })), 'VSPHERE_DUPLICATE_PEER');
    assert.equal(errorCode(() => selectGroup([vm('etcd-0', '10.0.0.0'), vm('etcd-1', '10.0.0.0')], selection, { vmName: 'etcd-1' })), 'VSPHERE_DUPLICATE_PEER');
  });
});

describe('muster config check on a vsphere platform', () => {
  it('notes that without expected_peers the nodes never create a cluster', async () => {
    const { parseConfigText } = await import('../../config/load.js');
    const { configNotes } = await import('../../config/notes.js');
    const notes = (extra: string) => configNotes(parseConfigText(`platform: { type: vsphere, host: vc, environment: prod, role: etcd${extra} }\n`, 'test.yaml').config);
    assert.match(notes('').join('\n'), /^platform\.type vsphere without platform\.expected_peers: these nodes never create a new etcd cluster/);
    assert.deepEqual(notes(', expected_peers: 3'), []);
  });
});
