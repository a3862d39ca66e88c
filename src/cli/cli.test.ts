import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loopbackPrefix } from '../../test/support/loopback.js';
import { runProgram, type RunResult } from '../core/process.js';
import { musterInvocation } from '../local/muster-command.js';
import { initCa } from '../pki/ca-init.js';

/** The built CLI (the test runner points MUSTER_CLI at dist/main.js), in an environment without MUSTER_CONFIG or MUSTER_LOG_LEVEL. */
function muster(args: readonly string[]): Promise<RunResult> {
  const { command, args: base } = musterInvocation();
  const env = { ...process.env };
  delete env['MUSTER_CONFIG'];
  delete env['MUSTER_LOG_LEVEL'];
  return runProgram(command, [...base, ...args], { env });
}

const USAGE_HINT = '(run with --help for usage)';

/** `text` as a regular expression that matches it literally. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('muster command line', () => {
  let dir: string;
  let staticConfig: string;
  let missing: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-cli-'));
    staticConfig = join(dir, 'static.yaml');
    missing = join(dir, 'no-such.yaml');
    await writeFile(staticConfig, `root: ${join(dir, 'root')}\nplatform: { type: static, self: a, peers: [{ name: a, ip: 127.0.0.9 }] }\nboot: { steps: [guard] }\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('global options before or after the subcommand', () => {
    for (const args of [
      ['--config', 'FILE', 'config', 'check'],
      ['-c', 'FILE', 'config', 'check'],
      ['config', 'check', '-c', 'FILE'],
      ['config', 'check', '--config', 'FILE'],
      ['config', 'check', '--config=FILE'],
      ['config', '-c', 'FILE', 'check'],
      // Given twice, the one later on the line wins.
      ['-c', 'MISSING', 'config', 'check', '-c', 'FILE'],
    ]) {
      it(`muster ${args.join(' ')}`, async () => {
        const result = await muster(args.map((arg) => arg.replace('FILE', staticConfig).replace('MISSING', missing)));
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`^${literal(staticConfig)}: OK\n`));
      });
    }

    for (const args of [
      ['etcd', 'promote', '-c', 'FILE'],
      ['etcd', '-c', 'FILE', 'promote'],
      ['--config', 'FILE', 'etcd', 'promote'],
    ]) {
      it(`muster ${args.join(' ')} reads that file`, async () => {
        const result = await muster(args.map((arg) => arg.replace('FILE', missing)));
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, new RegExp(`^muster: cannot read config file ${literal(missing)} \\(ENOENT\\)$`, 'm'));
      });
    }

    it('muster boot --config F --dry-run', async () => {
      const result = await muster(['boot', '--config', staticConfig, '--dry-run']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^\[dry run\] guard:$/m);
    });

    it('--debug after the subcommand shows the stack; without it there is none', async () => {
      const plain = await muster(['config', 'check', '-c', missing]);
      assert.equal(plain.code, 2);
      assert.doesNotMatch(plain.stderr, /^\s+at /m);
      const debug = await muster(['config', 'check', '-c', missing, '--debug']);
      assert.equal(debug.code, 2);
      assert.match(debug.stderr, /^\s+at /m);
    });

    it('the local subcommands take them too', async () => {
      const sandbox = join(dir, 'no-sandbox');
      const plain = await muster(['local', 'status', '--dir', sandbox]);
      const withGlobals = await muster(['local', 'status', '--dir', sandbox, '-c', staticConfig, '--log-level', 'error', '--debug']);
      assert.equal(plain.code, 2, plain.stderr);
      assert.equal(withGlobals.code, 2, withGlobals.stderr);
      assert.match(withGlobals.stderr, new RegExp(`^muster: no local sandbox at ${literal(sandbox)}`, 'm'));
    });

    it('muster etcd exec -c F -- <flags> gives etcd every flag after -- as it is', async () => {
      const prefix = loopbackPrefix();
      const config = join(dir, 'exec.yaml');
      await writeFile(
        config,
        `root: ${join(dir, 'exec-root')}\nplatform: { type: static, self: a, peers: [{ name: a, ip: ${prefix}.11 }] }\netcd: { timeout: 10s, probe_timeout: 500ms, drop_in_file: null }\n`,
      );
      const fakeEtcd = join(dir, 'fake-etcd');
      const argsFile = join(dir, 'etcd-args');
      await writeFile(fakeEtcd, `#!/bin/sh\nprintf '%s\\n' "$@" > ${argsFile}\n`);
      await chmod(fakeEtcd, 0o755);
      const result = await muster(['etcd', 'exec', '-c', config, '--etcd-bin', fakeEtcd, '--', '--debug', '--config', '/etc/etcd.conf', '--name', 'x', '-c']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await readFile(argsFile, 'utf8'), '--debug\n--config\n/etc/etcd.conf\n--name\nx\n-c\n');
      assert.doesNotMatch(result.stderr, /"level":20/, 'the --debug after -- is etcd\'s, not muster\'s');
    });

    it('muster certs renew --config F --log-level error, after the subcommand, silences the logs', async () => {
      const caDir = join(dir, 'ca');
      await initCa({ dir: caDir, name: 'CLI Test CA' });
      const config = join(dir, 'certs.yaml');
      // etcd.client_schema (NodeReg's key) makes muster log a warning, which --log-level error hides.
      await writeFile(
        config,
        `root: ${join(dir, 'certs-root')}\nplatform: { type: static, self: a, peers: [{ name: a, ip: 127.0.0.9 }] }\netcd: { client_schema: https }\npki: { issuer: { type: local-ca, ca_cert_file: ${caDir}/ca.pem, ca_key_file: ${caDir}/ca-key.pem }, trust: false, ca_path: null }\n`,
      );
      const loud = await muster(['certs', 'renew', '--dry-run', '--config', config]);
      assert.equal(loud.code, 0, loud.stderr);
      assert.match(loud.stderr, /seed config key etcd\.client_schema accepted/);
      const quiet = await muster(['certs', 'renew', '--config', config, '--log-level', 'error']);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stderr, '');
      assert.match(quiet.stdout, /^node: issue: new key; no certificate/m);
      const debug = await muster(['certs', 'renew', '--config', config, '--log-level', 'debug']);
      assert.equal(debug.code, 0, debug.stderr);
      assert.match(debug.stderr, /seed config key etcd\.client_schema accepted/);
    });
  });

  describe('a key and certificate that do not belong together (a crash between the two writes)', () => {
    it('certs status reports the pair as broken; certs renew issues a certificate for the key on disk', async () => {
      const caDir = join(dir, 'pair-ca');
      await initCa({ dir: caDir, name: 'Pair Test CA' });
      const configFor = async (name: string): Promise<string> => {
        const path = join(dir, `${name}.yaml`);
        await writeFile(
          path,
          `root: ${join(dir, name)}\nplatform: { type: static, self: a, peers: [{ name: a, ip: 127.0.0.9 }] }\npki: { issuer: { type: local-ca, ca_cert_file: ${caDir}/ca.pem, ca_key_file: ${caDir}/ca-key.pem }, trust: false, ca_path: null }\n`,
        );
        return path;
      };
      const node = await configFor('pair-node');
      const other = await configFor('pair-other');
      for (const config of [node, other]) assert.equal((await muster(['certs', 'renew', '-c', config])).code, 0);
      const certs = join(dir, 'pair-node/etc/ssl/node_certs');
      // The key of another issuance beside this node's certificate: what a crash after the key's rename leaves.
      await copyFile(join(dir, 'pair-other/etc/ssl/node_certs/node-key.pem'), join(certs, 'node-key.pem'));
      const keyBefore = await readFile(join(certs, 'node-key.pem'), 'utf8');

      const status = await muster(['certs', 'status', '-c', node]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^ {2}broken: the certificate is not for the key in .*node-key\.pem/m);
      const json = await muster(['certs', 'status', '-c', node, '--json']);
      assert.match((JSON.parse(json.stdout) as { broken?: string }[])[0]?.broken ?? '', /not for the key/);

      const renew = await muster(['certs', 'renew', '-c', node]);
      assert.equal(renew.code, 0, renew.stderr);
      assert.match(renew.stdout, /^node: issue: certificate does not match the key/m);
      const keyPem = await readFile(join(certs, 'node-key.pem'), 'utf8');
      assert.equal(keyPem, keyBefore, 'the key on disk is kept: it never left the node');
      const certificate = new X509Certificate(await readFile(join(certs, 'node.pem'), 'utf8'));
      assert.ok(certificate.checkPrivateKey(createPrivateKey(keyPem)), 'node.pem is for node-key.pem');

      const healed = await muster(['certs', 'status', '-c', node]);
      assert.doesNotMatch(healed.stdout, /broken/);
      assert.match(healed.stdout, /renewal due: no/);
    });
  });

  describe('usage errors exit 64 with commander\'s message and the hint', () => {
    for (const [args, message] of [
      [['boot', '--bogus'], /^error: unknown option '--bogus'$/m],
      [['frobnicate'], /^error: unknown command 'frobnicate'$/m],
      [['ca', 'issue', '--dir', '/nonexistent'], /^error: missing required argument 'name'$/m],
      [['ca', 'init', '--dir', '/nonexistent', '--key-type', 'dsa'], /^error: option '--key-type <type>' argument 'dsa' is invalid\. Allowed choices are ec-p256, rsa-2048, rsa-4096\.$/m],
      [['config', 'check', '--log-level', 'loud'], /^error: option '--log-level <level>' argument 'loud' is invalid\./m],
      [['config', 'check', '-c'], /^error: option '-c, --config <file>' argument missing$/m],
      [['boot', 'now'], /^error: too many arguments for 'boot'/m],
    ] as const) {
      it(`muster ${args.join(' ')}`, async () => {
        const result = await muster(args);
        assert.equal(result.code, 64, result.stderr);
        assert.match(result.stderr, message);
        assert.ok(result.stderr.includes(USAGE_HINT), result.stderr);
      });
    }

    it('muster with no command prints the help and exits 64', async () => {
      const result = await muster([]);
      assert.equal(result.code, 64);
      assert.match(result.stderr, /^Usage: muster /m);
    });

    it('--help and --version exit 0; a subcommand\'s help lists the global options', async () => {
      const help = await muster(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: muster /m);
      const promote = await muster(['etcd', 'promote', '--help']);
      assert.equal(promote.code, 0);
      assert.match(promote.stdout, /-c, --config <file>/);
      assert.match(promote.stdout, /--log-level <level>/);
      assert.match(promote.stdout, /--debug/);
      const version = await muster(['--version']);
      assert.equal(version.code, 0);
      assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    });
  });

  describe('muster config check', () => {
    it('notes that tag-mode nodes without expected_peers never create a cluster', async () => {
      const tag = join(dir, 'tag.yaml');
      await writeFile(tag, 'platform: { type: aws, mode: tag, tag_key: Cluster, tag_value: prod }\n');
      const result = await muster(['config', 'check', '-c', tag]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^note: platform\.mode tag without platform\.expected_peers: these nodes never create a new etcd cluster \(they only join one that exists\) and never remove a stale member; set platform\.expected_peers to the group's size$/m,
      );
      const counted = join(dir, 'tag-counted.yaml');
      await writeFile(counted, 'platform: { type: aws, mode: tag, tag_key: Cluster, tag_value: prod, expected_peers: 3 }\n');
      const ok = await muster(['config', 'check', '-c', counted]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.doesNotMatch(ok.stdout, /note:/);
    });

    it('shows a YAML syntax error with the offending lines and a caret, indented under the message', async () => {
      const broken = join(dir, 'broken.yaml');
      await writeFile(broken, 'platform:\n  type: static\n  self: a\n peers: x\n');
      const result = await muster(['config', 'check', '-c', broken]);
      assert.equal(result.code, 2);
      assert.ok(
        result.stderr.includes(`muster: ${broken} is not valid YAML\n  - All mapping items must start at the same column at line 4, column 1:\n      self: a\n     peers: x\n    ^\nhint:`),
        result.stderr,
      );
    });
  });
});
