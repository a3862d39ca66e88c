import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../../src/core/process.js';
import { loopbackPrefix } from '../support/loopback.js';

const checkout = fileURLToPath(new URL('../..', import.meta.url));
const executable = join(checkout, 'dist/muster-linux-x64');

function staticConfig(root: string, prefix: string): string {
  return `root: ${root}
platform:
  type: static
  self: a
  peers: [{ name: a, ip: ${prefix}.1 }, { name: b, ip: ${prefix}.2 }, { name: c, ip: ${prefix}.3 }]
etcd: { timeout: 5s, drop_in_file: null }
`;
}

/** The single executable on a machine without Node.js: PATH holds etcd and etcdctl, nothing else. */
describe('the single executable (dist/muster-linux-x64), with no Node.js on PATH', { concurrency: false }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    assert.ok(existsSync(executable), 'npm test builds it (scripts/build-sea.mjs); npm run dist does too');
    dir = await mkdtemp(join(tmpdir(), 'muster-sea-'));
    const bin = join(dir, 'bin');
    await mkdir(bin);
    for (const program of ['etcd', 'etcdctl']) await symlink(`/usr/bin/${program}`, join(bin, program));
    env = { PATH: bin, HOME: dir, MUSTER_LOG_LEVEL: 'warn' };
    assert.deepEqual((await readdir(bin)).sort(), ['etcd', 'etcdctl'], 'no node on this PATH');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const run = (args: readonly string[]) => runProgram(executable, args, { env });

  it('--help and version: the version and commit it was built from', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: muster \[options\] \[command\]/);
    const version = await run(['version', '--json']);
    assert.equal(version.code, 0, version.stderr);
    const info = JSON.parse(version.stdout) as { version: string; commit: string; form: string };
    assert.equal(info.form, 'single executable');
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.match(info.commit, /^[0-9a-f]{12}(-dirty)?$/);
  });

  it('config check and etcd --dry-run on a static config', async () => {
    const prefix = loopbackPrefix();
    const config = join(dir, 'static.yaml');
    await writeFile(config, staticConfig(join(dir, 'root'), prefix));
    const check = await run(['config', 'check', '-c', config]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /OK/);
    const dryRun = await run(['etcd', '--dry-run', '-c', config]);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.match(dryRun.stdout, new RegExp(`^\\[dry run\\] new: a=http://${prefix.replace(/\./g, '\\.')}\\.1:2380,b=`, 'm'));
    assert.equal(existsSync(join(dir, 'root')), false, 'a dry run writes nothing');
  });

  it('local up --nodes 3 forms a healthy etcd over TLS (x509, gRPC and every lazy module are inside), local add joins a fourth under the lock, and local down stops it', async () => {
    const sandbox = join(dir, 'local');
    const prefix = loopbackPrefix();
    const up = await run(['local', 'up', '--nodes', '3', '--dir', sandbox, '--ip-prefix', prefix]);
    try {
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /cluster: healthy/);
      const status = await run(['local', 'status', '--dir', sandbox, '--json']);
      const view = JSON.parse(status.stdout) as { healthy: boolean; nodes: { state: string }[] };
      assert.equal(view.healthy, true);
      assert.deepEqual(view.nodes.map((node) => node.state), ['voter', 'voter', 'voter']);
      // A join takes the lock, adds a learner and promotes it: etcd3's requests and answers with
      // their snake_case fields (prev_kv, create_revision), as the protos compiled into the executable define them.
      const add = await run(['local', 'add', '--dir', sandbox, '--json']);
      assert.equal(add.code, 0, add.stderr);
      const grown = JSON.parse((await run(['local', 'status', '--dir', sandbox, '--json'])).stdout) as { healthy: boolean; nodes: { state: string }[] };
      assert.equal(grown.healthy, true);
      assert.deepEqual(grown.nodes.map((node) => node.state), ['voter', 'voter', 'voter', 'voter']);
    } finally {
      const down = await run(['local', 'down', '--dir', sandbox]);
      assert.equal(down.code, 0, down.stderr);
    }
    assert.equal(existsSync(sandbox), false);
  });
});

describe('the npm package', { concurrency: false }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-pack-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('contains only what runs: bin, the bundle, contrib, README, LICENSE, package.json', async () => {
    // --ignore-scripts: dist/ is built by the test run already; prepack would rebuild it under the other tests.
    const packed = await runProgram('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { env: { ...process.env, npm_config_loglevel: 'error' } });
    assert.equal(packed.code, 0, packed.stderr);
    const [listing] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { files: { path: string }[] }[];
    const paths = (listing?.files ?? []).map((file) => file.path);
    for (const path of paths) assert.match(path, /^(LICENSE|README\.md|package\.json|bin\/muster\.cjs|dist\/(vendor\/)?[A-Za-z0-9_-]+\.js(\.cache)?|dist\/package\.json|contrib\/.+)$/, `${path} does not run`);
    for (const wanted of ['bin/muster.cjs', 'dist/main.js', 'dist/cli.js', 'dist/cli.js.cache', 'dist/package.json', 'dist/vendor/etcd3.js', 'contrib/systemd/muster-boot.service', 'LICENSE', 'README.md']) assert.ok(paths.includes(wanted), `${wanted} is missing`);
  });

  it('installs into an empty prefix with npm install -g, and `muster --help` and `muster local up` work', async () => {
    const pack = await runProgram('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { env: { ...process.env, npm_config_loglevel: 'error' } });
    assert.equal(pack.code, 0, pack.stderr);
    const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, pack.stdout);
    const prefix = join(dir, 'prefix');
    const install = await runProgram('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, tarball)], { env: { ...process.env, npm_config_loglevel: 'error' } });
    assert.equal(install.code, 0, install.stderr);
    const muster = join(prefix, 'bin', 'muster');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, MUSTER_CLI: '', MUSTER_LOG_LEVEL: 'warn' };
    const help = await runProgram(muster, ['--help'], { env });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: muster/);
    const sandbox = join(dir, 'local');
    const up = await runProgram(muster, ['local', 'up', '--nodes', '3', '--dir', sandbox, '--ip-prefix', loopbackPrefix()], { env });
    try {
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /cluster: healthy/);
    } finally {
      await runProgram(muster, ['local', 'down', '--dir', sandbox], { env });
    }
  });
});
