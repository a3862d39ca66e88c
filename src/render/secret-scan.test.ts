import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { scanUserData } from './secret-scan.js';

const privateKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const swarmToken = `SWMTKN-1-${'3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl'}-${'1awxwuwd3z9j1z3puu7rcgdbx'}`;

const cloudConfig = (files: object[], extra: object = {}): Buffer => Buffer.from(`#cloud-config\n${stringify({ write_files: files, ...extra })}`);

describe('render --check: secrets in user-data', () => {
  it('finds a private key in a plain write_files entry, naming the file and line, never the value', () => {
    const findings = scanUserData(cloudConfig([{ path: '/etc/ok.conf', content: 'a: 1\n' }, { path: '/root/.ssh/id_ed25519', content: privateKey }]));
    assert.deepEqual(findings, [{ where: 'user-data write_files /root/.ssh/id_ed25519', line: 1, kind: 'private key (PEM)' }]);
    assert.ok(!JSON.stringify(findings).includes(privateKey.split('\n')[1] ?? 'x'));
  });

  it('looks through base64 and gzip+base64 write_files, a gzipped document, MIME multipart and Ignition data: URLs', () => {
    const b64 = cloudConfig([{ path: '/k', encoding: 'b64', content: Buffer.from(privateKey).toString('base64') }]);
    assert.equal(scanUserData(b64)[0]?.where, 'user-data write_files /k');
    const gzB64 = cloudConfig([{ path: '/k', encoding: 'gz+b64', content: gzipSync(privateKey).toString('base64') }]);
    assert.equal(scanUserData(gzB64)[0]?.kind, 'private key (PEM)');
    assert.equal(scanUserData(gzipSync(cloudConfig([{ path: '/k', content: privateKey }])))[0]?.where, 'user-data (gzip) write_files /k');

    const mime = Buffer.from(
      ['Content-Type: multipart/mixed; boundary="XX"', 'MIME-Version: 1.0', '', '--XX', 'Content-Type: text/x-shellscript', '', `#!/bin/sh\ndocker swarm join --token ${swarmToken} 10.0.0.1:2377`, '--XX', 'Content-Type: text/cloud-config', 'Content-Transfer-Encoding: base64', '', cloudConfig([{ path: '/k', content: privateKey }]).toString('base64'), '--XX--', ''].join('\n'),
    );
    assert.deepEqual(
      scanUserData(mime).map((finding) => `${finding.where}: ${finding.kind}`),
      ['user-data part 1: Docker swarm join token', 'user-data part 2 write_files /k: private key (PEM)'],
    );

    const ignition = Buffer.from(
      JSON.stringify({
        ignition: { version: '3.3.0' },
        storage: {
          files: [
            { path: '/a', contents: { source: `data:,${encodeURIComponent('x\nkey "k" { algorithm hmac-sha256; secret "c2VjcmV0c2VjcmV0c2VjcmV0"; };\n')}` } },
            { path: '/b', contents: { compression: 'gzip', source: `data:;base64,${gzipSync(privateKey).toString('base64')}` } },
            { path: '/c', contents: { source: 'https://example.com/c', verification: { hash: 'sha512-00' } } },
          ],
        },
        passwd: { users: [{ name: 'x', passwordHash: '$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyz' }] },
      }),
    );
    assert.deepEqual(
      scanUserData(ignition).map((finding) => `${finding.where} line ${finding.line}: ${finding.kind}`),
      ['user-data storage.files /a line 2: TSIG key secret', 'user-data storage.files /b (gzip) line 1: private key (PEM)', 'user-data passwd.users x line 1: password hash'],
    );
  });

  it('knows the tokens users paste: AWS keys, Slack webhooks and tokens, GitHub and Vault tokens, discovery.etcd.io ids', () => {
    const runcmd = [
      'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'curl -X POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'SLACK_TOKEN=xoxb-123456789012-abcdefghij',
      'git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x/y',
      'VAULT_TOKEN=hvs.CAESIJ1234567890abcdefghijklmnop',
      'discovery: https://discovery.etcd.io/3c105a68331369250997be6369adac6c',
    ];
    const kinds = scanUserData(cloudConfig([], { runcmd })).map((finding) => finding.kind);
    assert.deepEqual(kinds, ['AWS access key id', 'AWS secret access key', 'Slack webhook URL', 'Slack token', 'GitHub token', 'Vault token', 'discovery.etcd.io token']);
  });

  it('finds nothing in user-data that holds only public material', () => {
    const publicOnly = cloudConfig([{ path: '/etc/ca.pem', content: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }], {
      users: [{ name: 'ops', ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIdQ665XVrXuuelfo3lq6+7u6cpf1frOGnbluNVVqaN3 ops'] }],
      runcmd: [['systemctl', 'start', 'muster-boot.service']],
    });
    assert.deepEqual(scanUserData(publicOnly), []);
  });
});
