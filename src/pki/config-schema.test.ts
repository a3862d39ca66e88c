import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pkiConfigSchema } from './config-schema.js';

const localCa = { type: 'local-ca', ca_cert_file: '/etc/muster/ca.pem', ca_key_file: '/etc/muster/ca-key.pem' };

describe('pki config', () => {
  it('fills NodeReg-compatible defaults', () => {
    const config = pkiConfigSchema.parse({ issuer: localCa });
    assert.deepEqual(config, {
      issuer: localCa,
      key: { type: 'ec-p256' },
      extra_sans: [],
      certificates_path: '/etc/ssl/node_certs',
      ca_path: '/etc/ssl/certs',
      trust: true,
      lifetime: 2160 * 3_600_000,
      renew_before: null,
      reload: [],
      extra: [],
      timeout: 120_000,
    });
  });

  it('reads extra certificates: octal modes as strings, default usages', () => {
    const config = pkiConfigSchema.parse({ issuer: localCa, extra: [{ name: 'etcd-peer', sans: ['etcd.example.com', '10.0.0.5'], mode: '0640', owner: 'etcd:etcd' }] });
    assert.deepEqual(config.extra[0], { name: 'etcd-peer', sans: ['etcd.example.com', '10.0.0.5'], node_sans: true, usages: ['server', 'client'], mode: 0o640, owner: 'etcd:etcd' });
  });

  it('builds the issuer union from each issuer\'s schema, vault defaults included', () => {
    const config = pkiConfigSchema.parse({ issuer: { type: 'vault', role: 'node' } });
    assert.deepEqual(config.issuer, { type: 'vault', role: 'node', mount: 'pki', timeout: 30_000 });
  });

  it('lists every problem', () => {
    const result = pkiConfigSchema.safeParse({
      issuer: { type: 'vault' },
      key: { type: 'ec-p384' },
      extra_sans: ['under_score.example'],
      extra: [{ name: 'node' }, { name: 'x', mode: 600 }, { name: 'y-key' }],
    });
    assert.ok(!result.success);
    assert.deepEqual(
      result.error.issues.map((issue) => issue.path.join('.')),
      ['issuer.role', 'key.type', 'extra_sans.0', 'extra.0.name', 'extra.1.mode', 'extra.2.name'],
    );
    assert.match(result.error.issues.find((issue) => issue.path.join('.') === 'extra.1.mode')?.message ?? '', /quoted octal string.*reads an unquoted 0600 as the number 600/);
  });

  it('takes the vault role as one path segment only, and a mount without . or .. segments', () => {
    const problems = (issuer: Record<string, unknown>): string[] =>
      pkiConfigSchema.safeParse({ issuer: { type: 'vault', ...issuer } }).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    const segment = "issuer.role: the role's name alone, such as node: one path segment (not empty, no / \\ ? # % or spaces, not . or ..)";
    for (const role of ['', 'a/b', '..', '.', '../../sys/raw', 'a\\b', 'node?x=1', 'node#x', '%2e%2e', 'my role']) assert.deepEqual(problems({ role }), [segment], `role ${JSON.stringify(role)}`);
    for (const role of ['node', 'etcd-peer', 'web.example_com']) assert.deepEqual(problems({ role }), [], `role ${role}`);
    assert.deepEqual(problems({ role: 'node', mount: 'pki/../sys' }), ['issuer.mount: a mount path such as pki or pki_int, without . or .. segments']);
    assert.deepEqual(problems({ role: 'node', mount: 'team-a/pki_int' }), []);
  });

  it('refuses an extra certificate listed twice', () => {
    const result = pkiConfigSchema.safeParse({ issuer: localCa, extra: [{ name: 'a' }, { name: 'a' }] });
    assert.deepEqual(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`), ['extra.1.name: a is listed twice']);
  });
});
