import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDnsContract } from '../../../../test/contract/dns-contract.js';
import { canonicalRecordSet } from '../../record.js';
import { createMemoryProvider } from './index.js';

runDnsContract('memory', () => Promise.resolve({ provider: createMemoryProvider({ zone: 'example.test' }) }));

describe('memory DNS provider', () => {
  const a = canonicalRecordSet({ name: 'a', type: 'A', ttl: 60, values: ['10.0.0.1'] }, 'example.test.');

  it('counts one write call per batch of changes', async () => {
    const provider = createMemoryProvider({ zone: 'example.test.', maxChangesPerCall: 2 });
    const sets = ['a', 'b', 'c'].map((name) => canonicalRecordSet({ name, type: 'A', ttl: 60, values: ['10.0.0.1'] }, 'example.test.'));
    assert.equal((await provider.apply({ create: sets, update: [], delete: [] })).writeCalls, 2);
    assert.equal(provider.writeCalls, 2);
    assert.equal(provider.snapshot().length, 3);
  });

  it('refuses a delete whose values do not match, and changes nothing', async () => {
    const provider = createMemoryProvider({ zone: 'example.test.', records: [a] });
    const b = canonicalRecordSet({ name: 'b', type: 'A', ttl: 60, values: ['10.0.0.2'] }, 'example.test.');
    await assert.rejects(
      provider.apply({ create: [b], update: [], delete: [{ ...a, values: ['10.9.9.9'] }] }),
      (error: Error & { code?: string }) => error.code === 'DNS_ZONE_CHANGED',
    );
    assert.deepEqual(provider.snapshot(), [a]);
  });

  it('refuses a CNAME beside other data', async () => {
    const provider = createMemoryProvider({ zone: 'example.test.', records: [a] });
    const cname = canonicalRecordSet({ name: 'a', type: 'CNAME', ttl: 60, values: ['b'] }, 'example.test.');
    await assert.rejects(provider.apply({ create: [cname], update: [], delete: [] }), /CNAME cannot share/);
  });

  it('refuses record sets that are not canonical', async () => {
    const provider = createMemoryProvider({ zone: 'example.test.' });
    await assert.rejects(provider.apply({ create: [{ ...a, name: 'A.example.test.' }], update: [], delete: [] }), /canonical/);
  });
});
