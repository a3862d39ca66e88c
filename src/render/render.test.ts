import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { isMusterError } from '../core/errors.js';
import { loadClusterFile, loadRole, sha256Hex } from './cluster-load.js';
import { renderUserData, type UserData } from './render-user-data.js';

const SHA = 'ab'.repeat(32);

describe('muster render', () => {
  let dir: string;
  // Random, so that finding it in the output can only mean it was copied there.
  const withheld = `withheld-${randomBytes(12).toString('hex')}`;
  const embedded = `embedded-${randomBytes(12).toString('hex')}`;

  const model = (extra = ''): string => `name: demo
install: { url: 'https://downloads.example.com/muster', sha256: '${SHA}' }
config:
  platform: { type: static, self: a, peers: [{ name: a, ip: 10.0.0.1 }] }
secrets:
  tsig: { source: tsig.key, path: /etc/muster/tsig.key, embed: false }
  elect: { source: elect.secret, path: /etc/muster/elect.secret, embed: true }
  absent: { source: does-not-exist.key, path: /etc/muster/absent.key }
roles:
  manager:
    secrets: [tsig, elect, absent]
    units:
      - { name: app.service, source: units/app.service }
      - { name: job.service, content: "[Service]\\nType=oneshot\\nExecStart=/bin/true\\n", start: false }
    files:
      - { path: /etc/app/app.conf, content: "level: 3\\n", mode: '0640' }
  worker:
    config:
      etcd: { mode: gateway, proxy: { endpoints: ['http://10.0.0.1:2379'] } }
${extra}`;

  const write = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const render = async (file: string, role: string, options: { format?: 'cloud-config' | 'ignition'; maxBytes?: number; params?: string } = {}): Promise<UserData> => {
    const input = await loadRole(await loadClusterFile(file), role, options.params);
    return renderUserData(input, { format: options.format ?? 'cloud-config', maxBytes: options.maxBytes ?? 16384, header: 'test' });
  };
  const failure = async (promise: Promise<unknown>): Promise<{ message: string; details: readonly string[] }> => {
    try {
      await promise;
    } catch (error) {
      if (isMusterError(error)) return { message: error.message, details: error.details };
      throw error;
    }
    assert.fail('expected a MusterError');
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-render-'));
    await mkdir(join(dir, 'units'));
    await writeFile(join(dir, 'units/app.service'), '[Unit]\nDescription=app\n[Service]\nExecStart=/usr/bin/app\n[Install]\nWantedBy=multi-user.target\n');
    await writeFile(join(dir, 'tsig.key'), `key "k" { algorithm hmac-sha256; secret "${withheld}"; };\n`);
    await writeFile(join(dir, 'elect.secret'), `${embedded}\n`);
    await write('cluster.yaml', model());
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is deterministic: the same model gives the same bytes, in both formats', async () => {
    for (const format of ['cloud-config', 'ignition'] as const) {
      const first = await render(join(dir, 'cluster.yaml'), 'manager', { format });
      const second = await render(join(dir, 'cluster.yaml'), 'manager', { format });
      assert.ok(first.bytes.equals(second.bytes), format);
    }
  });

  it('pins every unit in the node\'s muster.yaml by the sha256 of the file it writes, and starts muster-boot', async () => {
    const userData = await render(join(dir, 'cluster.yaml'), 'manager');
    const document = parse(userData.bytes.toString('utf8')) as { write_files: { path: string; content: string; permissions: string }[]; runcmd: string[][] };
    const files = new Map(document.write_files.map((file) => [file.path, file]));
    const config = parse(files.get('/etc/muster/muster.yaml')?.content ?? '') as { units: { role: string; list: { name: string; file: string; sha256: string; start?: boolean }[] } };
    assert.equal(config.units.role, 'manager');
    assert.deepEqual(config.units.list.map((unit) => unit.name), ['app.service', 'job.service']);
    for (const unit of config.units.list) assert.equal(unit.sha256, sha256Hex(files.get(unit.file)?.content ?? 'missing'), unit.name);
    assert.equal(config.units.list[1]?.start, false);
    assert.equal(files.get('/etc/app/app.conf')?.permissions, '0640');
    assert.match(files.get('/etc/systemd/system/muster-boot.service')?.content ?? '', /^ExecStart=\/usr\/local\/bin\/muster --config \/etc\/muster\/muster.yaml boot$/m);
    assert.ok(files.has('/etc/systemd/system/muster-etcd-reconcile.timer'), 'a member gets the reconcile timer');
    assert.deepEqual(document.runcmd[0], ['/etc/muster/install-muster.sh']);
    assert.ok(document.runcmd.some((command) => command.join(' ').startsWith('systemctl start --no-block muster-boot.service')));
  });

  it('never puts a secret not marked embed into the output, and never even reads it; an embedded one is listed', async () => {
    for (const format of ['cloud-config', 'ignition'] as const) {
      const plainSize = (await render(join(dir, 'cluster.yaml'), 'manager', { format })).bytes.length;
      // As text, and compressed (a budget just under the text's size).
      for (const maxBytes of [plainSize, plainSize - 1]) {
        const userData = await render(join(dir, 'cluster.yaml'), 'manager', { format, maxBytes });
        assert.equal(userData.compressed, maxBytes < plainSize);
        const text = decoded(userData);
        assert.ok(!text.includes(withheld), `${format} ${maxBytes}: the withheld TSIG secret is in the output`);
        assert.ok(text.includes(embedded), `${format} ${maxBytes}: the embedded secret is missing`);
        assert.deepEqual(userData.embeddedSecrets, ['elect → /etc/muster/elect.secret']);
        assert.deepEqual(userData.withheldSecrets.map((secret) => secret.name), ['tsig', 'absent']);
      }
    }
  });

  it('gzips a cloud-config over budget (cloud-init decompresses it), compresses Ignition\'s files, and names the largest parts when still over', async () => {
    const plain = await render(join(dir, 'cluster.yaml'), 'manager');
    assert.equal(plain.compressed, false);
    const squeezed = await render(join(dir, 'cluster.yaml'), 'manager', { maxBytes: plain.bytes.length - 1 });
    assert.equal(squeezed.compressed, true);
    assert.ok(gunzipSync(squeezed.bytes).equals(plain.bytes));
    assert.ok(squeezed.bytes.length < plain.bytes.length);

    const ignition = await render(join(dir, 'cluster.yaml'), 'manager', { format: 'ignition' });
    const compressed = await render(join(dir, 'cluster.yaml'), 'manager', { format: 'ignition', maxBytes: ignition.bytes.length - 1 });
    assert.equal(compressed.compressed, true);
    assert.match(compressed.bytes.toString('utf8'), /"compression":"gzip"/);

    const big = await write('big.yaml', model(`    files: [{ path: /opt/blob, content: '${randomBytes(20000).toString('base64')}' }]\n`));
    const error = await failure(render(big, 'worker'));
    assert.match(error.message, /over the budget of 16384 bytes/);
    assert.match(error.details[0] ?? '', /^\/opt\/blob: \d+ bytes$/);
  });

  it('checks each role\'s config as muster.yaml, every problem with its path in the cluster model', async () => {
    const file = await write('bad.yaml', model().replace("etcd: { mode: gateway, proxy: { endpoints: ['http://10.0.0.1:2379'] } }", 'etcd: { mode: gateway, client_port: 99999 }'));
    const error = await failure(render(file, 'worker'));
    assert.match(error.message, /2 problems in the cluster model/);
    assert.ok(error.details.some((line) => line.startsWith('roles.worker.config.etcd.client_port → ')), error.details.join('\n'));
    assert.ok(error.details.some((line) => line.startsWith('roles.worker.config.etcd.proxy → ')), error.details.join('\n'));
  });

  it('refuses a model with unknown keys, unknown secrets or units in the config, naming each path', async () => {
    const file = await write(
      'wrong.yaml',
      model().replace('  worker:\n', '  worker:\n    secret: [tsig]\n    secrets: [nope]\n').replace('install: {', 'instal: {').replace('config:\n  platform', 'config:\n  units: { list: [] }\n  platform'),
    );
    const error = await failure(loadClusterFile(file));
    const text = error.details.join('\n');
    assert.match(text, /^instal → unknown key \(did you mean "install"\?\)$/m);
    assert.match(text, /^roles\.worker\.secret → unknown key \(did you mean "secrets"\?\)$/m);
    assert.match(text, /^roles\.worker\.secrets\[0\] → no secret named nope/m);
    assert.match(text, /^config\.units → units belong to a role/m);
  });

  it('reads heatit\'s params.yml: node-role picks the role, the Slack keys go to /etc/custom-environment (0600, listed), a cluster token is refused', async () => {
    const params = await write('params.yml', 'node-role: worker\nslack-webhook-url: https://hooks.slack.com/services/T1/B1/abc\nslack-channel: "#ops"\n');
    const userData = await loadRole(await loadClusterFile(join(dir, 'cluster.yaml')), undefined, params);
    assert.equal(userData.role, 'worker');
    const environment = userData.files.find((file) => file.path === '/etc/custom-environment');
    assert.equal(environment?.content.toString(), 'NODE_ROLE=worker\nSLACK_WEBHOOK_URL=https://hooks.slack.com/services/T1/B1/abc\nSLACK_CHANNEL=#ops\n');
    assert.equal(environment?.mode, 0o600);
    const rendered = renderUserData(userData, { format: 'cloud-config', maxBytes: 16384, header: 'test' });
    assert.deepEqual(rendered.embeddedSecrets, ['slack-webhook-url (heatit params) → /etc/muster/secrets/slack-webhook-url', 'slack-webhook-url (heatit params) → /etc/custom-environment']);
    // muster agent posts the Slack events, reading the URL from its file: muster.yaml holds no URL.
    assert.deepEqual(userData.configText['events'], { webhooks: [{ type: 'slack', url_file: '/etc/muster/secrets/slack-webhook-url', channel: '#ops' }] });
    assert.ok(!JSON.stringify(userData.configText).includes('hooks.slack.com'));

    const token = await write('token.yml', 'node-role: manager\ncoreos-cluster-token: 3c105a68331369250997be6369adac6c\n');
    const error = await failure(loadRole(await loadClusterFile(join(dir, 'cluster.yaml')), undefined, token));
    assert.match(error.details.join('\n'), /coreos-cluster-token → not used: muster does not need a discovery\.etcd\.io token/);
    const disagree = await failure(loadRole(await loadClusterFile(join(dir, 'cluster.yaml')), 'manager', params));
    assert.match(disagree.message, /--role manager but .* says node-role: worker/);
  });

  it('refuses a webhook URL written into a role\'s config: it is a secret, delivered as a file', async () => {
    const file = await write('webhook.yaml', model().replace("    config:\n      etcd: { mode: gateway", "    config:\n      events: { webhooks: [{ type: json, url: 'https://hooks.example.com/t0k3n' }] }\n      etcd: { mode: gateway"));
    const error = await failure(render(file, 'worker'));
    assert.match(error.details.join('\n'), /^roles\.worker\.config\.events\.webhooks\[0\]\.url → a webhook URL is a secret/m);
  });

  it('with a container image: muster runs in docker with the host\'s root at /media/root, and the host starts the role\'s target', async () => {
    const file = await write('image.yaml', model().replace(/install: \{[^}]*\}/, "install: { image: 'registry.example.com/muster@sha256:" + SHA + "' }"));
    const userData = await render(file, 'manager');
    const document = parse(userData.bytes.toString('utf8')) as { write_files: { path: string; content: string }[]; runcmd: string[][] };
    const boot = document.write_files.find((entry) => entry.path === '/etc/systemd/system/muster-boot.service')?.content ?? '';
    assert.match(boot, /^ExecStart=\/usr\/bin\/docker run --rm --network host --uts host -v \/:\/media\/root -v \/etc\/muster:\/etc\/muster:ro registry\.example\.com\/muster@sha256:(ab)+ --config \/etc\/muster\/muster\.yaml boot$/m);
    assert.match(boot, /^ExecStartPost=\/bin\/systemctl start --no-block muster-manager\.target$/m);
    assert.match(document.write_files.find((entry) => entry.path === '/etc/muster/muster.yaml')?.content ?? '', /^root: \/media\/root$/m);
    assert.ok(!document.write_files.some((entry) => entry.path === '/etc/muster/install-muster.sh'));
    assert.ok(!document.runcmd.some((command) => command[0] === '/etc/muster/install-muster.sh'));
  });
});

/** Everything in the user-data a reader could recover: the text, gunzipped, and every base64 data: URL and write_files entry decoded. */
function decoded(userData: UserData): string {
  const raw = userData.bytes[0] === 0x1f ? gunzipSync(userData.bytes) : userData.bytes;
  let text = raw.toString('utf8');
  for (const match of text.matchAll(/data:;base64,([A-Za-z0-9+/=]+)/g)) {
    const bytes = Buffer.from(match[1] ?? '', 'base64');
    text += `\n${(bytes[0] === 0x1f ? gunzipSync(bytes) : bytes).toString('utf8')}`;
  }
  for (const match of text.matchAll(/data:,([^"]+)/g)) text += `\n${decodeURIComponent(match[1] ?? '')}`;
  return text;
}
