import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { applyCloudConfig } from '../support/apply-cloud-config.js';
import { closeServer, listenOnLoopback } from '../support/loopback-http.js';

const run = promisify(execFile);
const CLI = process.env['MUSTER_CLI'] ?? resolve('dist/main.js');
const EXAMPLES = [
  { model: 'examples/swarm/cluster.yaml', roles: ['manager', 'worker'] },
  { model: 'examples/etcd/cluster.yaml', roles: ['member'] },
];

async function muster(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Debian's validators, run directly (not through muster's --validate): rc and every line they print. */
async function validator(format: 'cloud-config' | 'ignition', file: string): Promise<{ code: number; output: string }> {
  const [program, args]: [string, string[]] = format === 'cloud-config' ? ['cloud-init', ['schema', '--config-file', file]] : ['ignition-validate', [file]];
  try {
    const { stdout, stderr } = await run(program, args, { encoding: 'utf8' });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function installed(program: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (await access(join(dir, program), constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

const validatorsMissing = !(await installed('cloud-init')) || !(await installed('ignition-validate'));

describe('muster render: the example models pass the distributions\' validators', { skip: validatorsMissing ? 'cloud-init and ignition-validate are not installed (apt-get install cloud-init ignition; .ci/run does)' : false }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-render-validate-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const { model, roles } of EXAMPLES) {
    for (const role of roles) {
      for (const format of ['cloud-config', 'ignition'] as const) {
        it(`${model} ${role} as ${format}: valid with no warnings, as text and compressed, and no secrets in it`, async () => {
          const out = join(dir, `${role}.${format}`);
          const rendered = await muster(['render', '--cluster', model, '--role', role, '--format', format, '--out', out]);
          assert.equal(rendered.code, 0, rendered.stderr);
          const checked = await validator(format, out);
          assert.equal(checked.code, 0, checked.output);
          assert.doesNotMatch(checked.output, /warn|deprecat/i);
          const size = (await stat(out)).size;
          assert.ok(size <= 16384, `${size} bytes`);

          // A budget below its size: gzipped (cloud-config) or with compressed files (Ignition).
          const small = join(dir, `${role}.small.${format}`);
          const squeezed = await muster(['render', '--cluster', model, '--role', role, '--format', format, '--out', small, '--max-bytes', String(size - 1), '--json']);
          assert.equal(squeezed.code, 0, squeezed.stderr);
          assert.equal((JSON.parse(squeezed.stdout) as { compressed: boolean }).compressed, true);
          const bytes = await readFile(small);
          assert.ok(bytes.length < size);
          if (format === 'cloud-config') {
            assert.ok(gunzipSync(bytes).equals(await readFile(out)), 'the gzip holds the same cloud-config');
          } else {
            const again = await validator(format, small);
            assert.equal(again.code, 0, again.output);
          }

          const scan = await muster(['render', '--check', out]);
          assert.equal(scan.code, 0, scan.stdout + scan.stderr);
          assert.match(scan.stdout, /no secrets found/);
        });
      }
    }
  }

  it('the same model renders the same bytes twice; a budget too small is an error naming the largest parts', async () => {
    const first = await muster(['render', '--cluster', 'examples/swarm/cluster.yaml', '--role', 'manager']);
    const second = await muster(['render', '--cluster', 'examples/swarm/cluster.yaml', '--role', 'manager']);
    assert.equal(first.stdout, second.stdout);
    const tooSmall = await muster(['render', '--cluster', 'examples/swarm/cluster.yaml', '--role', 'manager', '--max-bytes', '1000']);
    assert.equal(tooSmall.code, 2);
    assert.match(tooSmall.stderr, /over the budget of 1000 bytes/);
    assert.match(tooSmall.stderr, /^ {2}- \/etc\/muster\/install-muster\.sh: \d+ bytes$/m);
  });
});

describe('muster render: a rendered cloud-config, applied under a root, gives a node on which muster boot runs', { concurrency: false }, () => {
  let dir: string;
  let server: Server;
  let executable: Buffer;
  let serveWrong = false;
  let model: string;
  const secret = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-render-node-'));
    // The "single executable" the node downloads: this checkout's muster behind a shell line,
    // pinned by its sha256 like a release's.
    executable = Buffer.from(`#!/bin/sh\nexec ${process.execPath} ${CLI} "$@"\n`);
    server = createServer((request, response) => {
      if (request.url !== '/muster-linux-x64') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(serveWrong ? Buffer.concat([executable, Buffer.from('# tampered\n')]) : executable);
    });
    await listenOnLoopback(server);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model/elect.key'), secret);
    await writeFile(join(dir, 'model/tsig.key'), 'key "k" { algorithm hmac-sha256; secret "bm90LWVtYmVkZGVkLW5vdC1lbWJlZGRlZA=="; };\n');
    model = join(dir, 'model/cluster.yaml');
    await writeFile(
      model,
      `name: roundtrip
install: { url: 'http://127.0.0.1:${port}/muster-linux-x64', sha256: '${createHash('sha256').update(executable).digest('hex')}' }
config:
  platform: { type: static, self: n1, peers: [{ name: n1, ip: 127.0.0.1 }] }
  etcd: { client_port: 23791, peer_port: 23801 }
secrets:
  elect: { source: elect.key, path: /etc/muster/elect.key, embed: true }
  tsig: { source: tsig.key, path: /etc/muster/tsig.key }
roles:
  node:
    secrets: [elect, tsig]
    units:
      - { name: first.service, content: "[Service]\\nType=oneshot\\nExecStart=/bin/true\\n" }
      - { name: second.service, content: "[Service]\\nExecStart=/bin/sleep infinity\\n" }
`,
    );
  });
  after(async () => {
    await closeServer(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('write_files and runcmd install the pinned muster; muster-boot.service\'s command forms etcd and starts the units in order', async () => {
    const root = join(dir, 'root');
    const userData = join(dir, 'user-data');
    const rendered = await muster(['render', '--cluster', model, '--role', 'node', '--out', userData]);
    assert.equal(rendered.code, 0, rendered.stderr);
    assert.match(rendered.stderr, /^embedded secret: elect → \/etc\/muster\/elect\.key/m);
    assert.match(rendered.stderr, /^not embedded: tsig → \/etc\/muster\/tsig\.key/m);
    assert.equal((await stat(userData)).mode & 0o777, 0o600, 'user-data that embeds a secret is written 0600');

    const applied = await applyCloudConfig(await readFile(userData), root);
    assert.ok(applied.written.includes('/etc/muster/muster.yaml'));
    assert.ok(!applied.written.includes('/etc/muster/tsig.key'), 'a secret not marked embed is not delivered');
    assert.equal(await readFile(join(root, 'etc/muster/elect.key'), 'utf8'), secret);
    assert.equal((await stat(join(root, 'etc/muster/elect.key'))).mode & 0o777, 0o600);

    // runcmd: the install script (into the root), then systemctl, which is the node's systemd's job.
    const [install, ...systemctl] = applied.runcmd;
    assert.deepEqual(install, ['/etc/muster/install-muster.sh']);
    await run(join(root, install[0] as string), [], { env: { ...process.env, MUSTER_INSTALL_ROOT: root } });
    assert.ok((await readFile(join(root, 'usr/local/bin/muster'))).equals(executable));
    assert.equal((await stat(join(root, 'usr/local/bin/muster'))).mode & 0o777, 0o755);
    assert.deepEqual(systemctl.at(-1)?.slice(0, 4), ['systemctl', 'start', '--no-block', 'muster-boot.service']);

    // What systemd would run: muster-boot.service's ExecStart, its paths taken under the root.
    const unit = await readFile(join(root, 'etc/systemd/system/muster-boot.service'), 'utf8');
    const command = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(' ') ?? [];
    assert.deepEqual(command, ['/usr/local/bin/muster', '--config', '/etc/muster/muster.yaml', 'boot']);
    const [program = '', ...args] = command.map((word) => (word.startsWith('/') ? join(root, word) : word));
    const boot = await run(program, args, { env: { ...process.env, MUSTER_ROOT: root }, encoding: 'utf8' });
    assert.match(boot.stdout, /^etcd:\n {2}create$/m);
    assert.match(await readFile(join(root, 'run/muster/etcd.env'), 'utf8'), /^ETCD_INITIAL_CLUSTER_STATE=new$/m);
    assert.match(await readFile(join(root, 'etc/systemd/system/muster-node.target'), 'utf8'), /^Wants=first\.service second\.service$/m);
    assert.match(await readFile(join(root, 'etc/systemd/system/second.service.d/50-muster-order.conf'), 'utf8'), /^After=first\.service$/m);

    // A second run of the install script (cloud-init's runcmd on a re-provisioned node) downloads nothing.
    serveWrong = true;
    await run(join(root, install[0] as string), [], { env: { ...process.env, MUSTER_INSTALL_ROOT: root } });
    assert.ok((await readFile(join(root, 'usr/local/bin/muster'))).equals(executable));
    serveWrong = false;
  });

  it('the install script refuses bytes that are not the pinned executable, and leaves nothing behind', async () => {
    const root = join(dir, 'root-tampered');
    const userData = join(dir, 'user-data-2');
    assert.equal((await muster(['render', '--cluster', model, '--role', 'node', '--out', userData])).code, 0);
    await applyCloudConfig(await readFile(userData), root);
    serveWrong = true;
    try {
      await assert.rejects(run(join(root, 'etc/muster/install-muster.sh'), [], { env: { ...process.env, MUSTER_INSTALL_ROOT: root } }), (error: { stderr?: string }) => /is not the pinned executable/.test(error.stderr ?? ''));
    } finally {
      serveWrong = false;
    }
    assert.deepEqual(await readdir(dirname(join(root, 'usr/local/bin/muster'))), []);
  });

  it('render --check finds the embedded private key in the rendered user-data and exits 65', async () => {
    const userData = join(dir, 'user-data-3');
    assert.equal((await muster(['render', '--cluster', model, '--role', 'node', '--out', userData])).code, 0);
    const scan = await muster(['render', '--check', userData]);
    assert.equal(scan.code, 65);
    assert.match(scan.stdout, /write_files \/etc\/muster\/elect\.key, line 1: private key \(PEM\)/);
    assert.ok(!scan.stdout.includes(secret.split('\n')[1] ?? 'x'), 'the finding does not print the key');
  });
});
