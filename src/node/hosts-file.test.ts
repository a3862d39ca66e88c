import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../core/logger.js';
import { applyHostname } from './apply-hostname.js';
import { renderHostsFile } from './hosts-file.js';

describe('hosts file', () => {
  it('adds a marked block and keeps everything else', () => {
    const before = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n';
    const after = renderHostsFile(before, '10.0.0.11', ['master0-11.k8s.example.com', 'master0-11']);
    assert.equal(after, `${before}# BEGIN muster: this node\n10.0.0.11\tmaster0-11.k8s.example.com master0-11\n# END muster\n`);
    assert.equal(renderHostsFile(after, '10.0.0.12', ['n']), `${before}# BEGIN muster: this node\n10.0.0.12\tn\n# END muster\n`);
  });
});

describe('applying the hostname under a root', () => {
  it('writes /etc/hostname and /etc/hosts once; a second run changes nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'muster-hostname-'));
    try {
      await mkdir(join(root, 'etc'));
      await writeFile(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
      const target = { name: 'master0-11', fqdn: 'master0-11.k8s.example.com', ip: '10.0.0.11' };
      const first = await applyHostname(root, target, false, silentLogger);
      assert.deepEqual(first, [`wrote ${join(root, 'etc/hostname')}`, `wrote ${join(root, 'etc/hosts')}`]);
      assert.equal(await readFile(join(root, 'etc/hostname'), 'utf8'), 'master0-11\n');
      assert.match(await readFile(join(root, 'etc/hosts'), 'utf8'), /^127\.0\.0\.1 localhost\n# BEGIN muster/);
      assert.deepEqual(await applyHostname(root, target, false, silentLogger), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
