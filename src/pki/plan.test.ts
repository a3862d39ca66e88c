import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CertificateInfo } from './certificate-info.js';
import { describeDecision, planCertificates, type CertificateSpec, type Observed, type PlanInput } from './plan.js';
import { renewalDueAt } from './renewal.js';
import { sanSet } from './sans.js';

const DAY = 86_400_000;
const issuedAt = Date.UTC(2030, 0, 1);
const sans = sanSet({ dns: ['node1.example.test', 'node1'], ips: ['10.0.0.1'] });
const spec: CertificateSpec = { name: 'node', sans, usages: ['server', 'client'], keyType: 'ec-p256' };

function info(overrides: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=node1.example.test',
    issuer: 'CN=muster CA',
    serial: '01',
    notBefore: issuedAt,
    notAfter: issuedAt + 90 * DAY,
    sans,
    usages: ['server', 'client'],
    isCa: false,
    publicKeySha256: 'ab',
    ...overrides,
  };
}

const good: Observed = { key: { state: 'present', type: 'ec-p256' }, certificate: { state: 'present', info: info(), matchesKey: true } };

function plan(observed: Observed | undefined, overrides: Partial<PlanInput> = {}) {
  const decisions = planCertificates({
    specs: [spec],
    observed: new Map(observed ? [['node', observed]] : []),
    now: issuedAt + 10 * DAY,
    renewBeforeMs: null,
    host: 'node1',
    caPresent: true,
    ...overrides,
  });
  assert.equal(decisions.length, 1);
  return decisions[0] as NonNullable<(typeof decisions)[0]>;
}

describe('certificate plan', () => {
  it('keeps a key of the right type and a valid certificate for it with the same SANs', () => {
    const decision = plan(good);
    assert.equal(decision.action, 'keep');
    assert.equal(decision.key, 'keep');
    assert.deepEqual(decision.reasons, []);
    assert.equal(decision.notAfter, issuedAt + 90 * DAY);
    assert.match(describeDecision(decision, spec), /^node: keep \(DNS:node1, DNS:node1\.example\.test, IP:10\.0\.0\.1\)$/);
  });

  it('makes a key and a certificate when nothing is on disk', () => {
    const decision = plan(undefined);
    assert.deepEqual([decision.key, decision.keyReason, decision.action, decision.reasons], ['create', 'no key', 'issue', ['new key', 'no certificate']]);
  });

  it('makes a new key when the key type changed or the key is unreadable', () => {
    assert.equal(plan({ ...good, key: { state: 'present', type: 'rsa-2048' } }).keyReason, 'key is rsa-2048, configured ec-p256');
    const unreadable = plan({ ...good, key: { state: 'unreadable', problem: 'not a PEM private key' } });
    assert.equal(unreadable.key, 'create');
    assert.deepEqual(unreadable.reasons, ['new key']);
  });

  it('issues when the certificate is not for the key', () => {
    assert.deepEqual(plan({ ...good, certificate: { state: 'present', info: info(), matchesKey: false } }).reasons, ['certificate does not match the key']);
  });

  it('issues when the SANs differ, naming them', () => {
    const other = info({ sans: sanSet({ dns: ['node1.example.test', 'node1'], ips: ['10.0.0.2'] }) });
    assert.deepEqual(plan({ ...good, certificate: { state: 'present', info: other, matchesKey: true } }).reasons, ['SANs differ (missing IP:10.0.0.1, not wanted IP:10.0.0.2)']);
  });

  it('issues when expired, and when renewal is due by the fake clock', () => {
    assert.match(plan(good, { now: issuedAt + 91 * DAY }).reasons.join(), /^expired 2030-04-01/);
    const due = renewalDueAt({ notBefore: issuedAt, notAfter: issuedAt + 90 * DAY, renewBeforeMs: null, seed: 'node1/node' });
    assert.equal(plan(good, { now: due - 1 }).action, 'keep');
    const decision = plan(good, { now: due });
    assert.deepEqual(decision.reasons, [`renewal due since ${new Date(due).toISOString()}`]);
    assert.equal(decision.key, 'keep', 'a renewal keeps the key');
    assert.equal(decision.renewalDueAt, due);
  });

  it('honours renew_before', () => {
    assert.equal(plan(good, { now: issuedAt + 70 * DAY, renewBeforeMs: 10 * DAY }).action, 'keep');
    assert.equal(plan(good, { now: issuedAt + 81 * DAY, renewBeforeMs: 10 * DAY }).action, 'issue');
  });

  it('issues the node certificate again when ca.pem is missing, and everything when forced', () => {
    assert.deepEqual(plan(good, { caPresent: false }).reasons, ['ca.pem missing']);
    assert.deepEqual(plan(good, { force: true }).reasons, ['forced']);
  });

  it('reports an unreadable certificate', () => {
    assert.deepEqual(plan({ ...good, certificate: { state: 'unreadable', problem: 'not a PEM certificate' } }).reasons, ['certificate unreadable: not a PEM certificate']);
  });
});
