import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JITTER_SHARE, isRenewalDue, jitterFraction, renewalDueAt } from './renewal.js';

const DAY = 86_400_000;
const start = Date.UTC(2030, 0, 1);
const cert = { notBefore: start, notAfter: start + 90 * DAY, renewBeforeMs: null };

describe('renewal time', () => {
  it('is at 2/3 of the lifetime, at most a tenth of that earlier by jitter', () => {
    for (const seed of ['node1/node', 'node2/node', 'node1/etcd-peer', 'x']) {
      const due = renewalDueAt({ ...cert, seed });
      assert.ok(due <= start + 60 * DAY, `${seed}: not after 2/3`);
      assert.ok(due >= start + 60 * DAY * (1 - JITTER_SHARE), `${seed}: within the jitter window`);
    }
  });

  it('is the same on every run for one host and certificate, and differs between hosts', () => {
    assert.equal(renewalDueAt({ ...cert, seed: 'node1/node' }), renewalDueAt({ ...cert, seed: 'node1/node' }));
    const dues = new Set(['node1', 'node2', 'node3', 'node4', 'node5'].map((host) => renewalDueAt({ ...cert, seed: `${host}/node` })));
    assert.equal(dues.size, 5);
  });

  it('spreads hosts over the whole window', () => {
    const fractions = Array.from({ length: 1000 }, (_, i) => jitterFraction(`host${i}/node`));
    assert.ok(Math.min(...fractions) < 0.05 && Math.max(...fractions) > 0.95);
    assert.ok(fractions.every((f) => f >= 0 && f < 1));
  });

  it('with renew_before: that long before the end, minus jitter; never before notBefore', () => {
    const due = renewalDueAt({ ...cert, renewBeforeMs: 10 * DAY, seed: 'n' });
    assert.ok(due <= start + 80 * DAY && due >= start + 79 * DAY);
    assert.equal(renewalDueAt({ ...cert, renewBeforeMs: 365 * DAY, seed: 'n' }), start);
  });

  it('says when renewal is due with a fake clock', () => {
    const input = { ...cert, seed: 'node1/node' };
    const due = renewalDueAt(input);
    assert.equal(isRenewalDue(due - 1, input), false);
    assert.equal(isRenewalDue(due, input), true);
  });
});
