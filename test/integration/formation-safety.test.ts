import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigFile } from '../../src/config/load.js';
import { isMusterError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { runProgram } from '../../src/core/process.js';
import { formEtcd } from '../../src/etcd/form.js';
import { sandboxLayout } from '../../src/local/layout.js';
import { renderNodeConfig } from '../../src/local/node-config.js';
import { startNode, stopNode } from '../../src/local/node-process.js';
import { sandboxAdd, sandboxDown, sandboxStatus, sandboxUp } from '../../src/local/sandbox.js';
import { writeFileAtomic } from '../../src/core/atomic-write.js';
import { readSandboxFile, writeSandboxFile } from '../../src/platform/local/sandbox-file.js';
import { createPlatform } from '../../src/platform/registry.js';
import { parseConfigText } from '../../src/config/load.js';
import { stopProcesses } from '../support/etcd-process.js';
import { memberList, waitFor } from '../support/etcdctl.js';
import { loopbackPrefix } from '../support/loopback.js';
import { musterInvocation } from '../../src/local/muster-command.js';

describe('etcd formation safety', { concurrency: false }, () => {
  it('never writes "new" while a peer times out, and names that peer', async () => {
    const prefix = loopbackPrefix();
    const root = await mkdtemp(join(tmpdir(), 'muster-timeout-'));
    // A peer that accepts connections and never answers: busy, partitioned, or an overloaded etcd.
    const sockets: Socket[] = [];
    const blackhole: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(2380, `${prefix}.3`, resolve));
    try {
      const { config } = parseConfigText(
        `root: ${root}
platform:
  type: static
  self: node-1
  peers:
    - { name: node-1, ip: ${prefix}.1 }
    - { name: node-2, ip: ${prefix}.2 }
    - { name: node-3, ip: ${prefix}.3 }
etcd: { timeout: 3s, probe_timeout: 500ms, drop_in_file: null }
`,
        'timeout.yaml',
      );
      const platform = await createPlatform(config.platform);
      await assert.rejects(formEtcd({ config, platform, logger: silentLogger, dryRun: false }), (error: unknown) => {
        assert.ok(isMusterError(error));
        assert.equal(error.code, 'ETCD_UNDECIDED');
        assert.match(error.details.join('\n'), new RegExp(`node-3 \\(http://${prefix.replace(/\./g, '\\.')}\\.3:2380\\) did not answer`));
        return true;
      });
      await assert.rejects(stat(join(root, 'run/muster/etcd.env')), 'no env file may be written');
    } finally {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  describe('on a formed sandbox', { concurrency: false }, () => {
    let dir: string;
    let prefix: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'muster-safety-'));
      prefix = loopbackPrefix();
      await sandboxUp({ dir, ipPrefix: prefix, nodes: 3, tls: false });
    });
    after(async () => {
      await sandboxDown({ dir }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    it('changes nothing on a second run on a formed node', async () => {
      const layout = sandboxLayout(dir);
      const envPath = join(layout.nodeRoot('node-1'), 'run/muster/etcd.env');
      const before = { text: await readFile(envPath, 'utf8'), mtime: (await stat(envPath)).mtimeMs };
      const { config } = await loadConfigFile(layout.nodeConfig('node-1'));
      const report = await formEtcd({ config, platform: await createPlatform(config.platform), logger: silentLogger, dryRun: false });
      assert.equal(report.decision.action, 'restart');
      assert.deepEqual(report.membership, []);
      assert.deepEqual(report.changes, []);
      assert.equal(await readFile(envPath, 'utf8'), before.text);
      assert.equal((await stat(envPath)).mtimeMs, before.mtime);
    });

    it('--dry-run prints the join plan with its reasons and writes nothing', async () => {
      const layout = sandboxLayout(dir);
      const sandbox = await readSandboxFile(dir);
      // node-2 disappears from discovery (an instance terminated) and node-9 boots.
      const node9 = { name: 'node-9', ip: `${prefix}.9`, index: 9 };
      await writeSandboxFile(dir, { ...sandbox, nodes: [...sandbox.nodes.filter((node) => node.name !== 'node-2'), node9] });
      try {
        await writeFileAtomic(layout.nodeConfig('node-9'), renderNodeConfig('node-9', layout.nodeRoot('node-9'), { dir, clientPort: 2379, peerPort: 2380, timeout: '20s', caDir: undefined }));
        const { command, args } = musterInvocation();
        const result = await runProgram(command, [...args, '--config', layout.nodeConfig('node-9'), '--log-level', 'error', 'etcd', '--dry-run']);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^\[dry run\] join: cluster [0-9a-f]+$/m);
        assert.match(result.stdout, /node-2 \(http:\/\/[\d.]+:2380\) is not among the discovered peers/);
        assert.match(result.stdout, /add node-9 \(http:\/\/[\d.]+:2380\) as a learner/);
        assert.match(result.stdout, /would write .*etcd\.env/);
        await assert.rejects(stat(join(layout.nodeRoot('node-9'), 'run/muster/etcd.env')));
        assert.equal((await memberList(`http://${prefix}.1:2379`)).length, 3, 'membership untouched');
      } finally {
        await writeSandboxFile(dir, sandbox);
        await rm(layout.nodeRoot('node-9'), { recursive: true, force: true });
      }
    });

    it('keeps its membership when restarted with its data dir', async () => {
      const layout = sandboxLayout(dir);
      const idOf = async (): Promise<string | undefined> => (await memberList(`http://${prefix}.1:2379`)).find((member) => member.name === 'node-2')?.ID;
      const before = await idOf();
      await stopNode(layout, 'node-2');
      await startNode(layout, 'node-2', 'etcd');
      await waitFor('node-2 back as a voter', async () => (await sandboxStatus({ dir })).healthy, 30_000);
      assert.equal(await idOf(), before);
      const log = await readFile(layout.nodeLog('node-2'), 'utf8');
      assert.match(log, /data dir is its member node-2: keep it and start/);
    });

    it('sets aside a data dir of another cluster and joins', async () => {
      const layout = sandboxLayout(dir);
      const sandbox = await readSandboxFile(dir);
      const name = `node-${sandbox.next_index}`;
      const ip = `${prefix}.${sandbox.next_index}`;
      // Leave behind the data dir of an unrelated one-member cluster where the new node keeps its data.
      const dataDir = join(layout.nodeRoot(name), 'var/lib/etcd');
      const other = spawn('etcd', ['--name', 'other', '--data-dir', dataDir, '--listen-peer-urls', `http://${ip}:2380`, '--initial-advertise-peer-urls', `http://${ip}:2380`, '--listen-client-urls', `http://${ip}:2379`, '--advertise-client-urls', `http://${ip}:2379`, '--initial-cluster', `other=http://${ip}:2380`], { stdio: 'ignore' });
      await waitFor('the other cluster', async () => (await readdir(join(dataDir, 'member', 'wal'))).length > 0, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stopProcesses([other]);

      const { added, view } = await sandboxAdd({ dir, count: 1 });
      assert.deepEqual(added, [name]);
      assert.equal(view.healthy, true);
      const setAside = (await readdir(join(layout.nodeRoot(name), 'var/lib'))).filter((entry) => entry.startsWith('etcd.set-aside-'));
      assert.equal(setAside.length, 1, 'the old data dir is kept aside, not deleted');
      assert.ok((await readdir(join(layout.nodeRoot(name), 'var/lib', setAside[0]!, 'member', 'wal'))).length > 0);
    });
  });
});
