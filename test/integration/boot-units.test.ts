import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { musterCli } from '../support/boot-node.js';

describe('muster boot runs the role\'s units after etcd', { concurrency: false }, () => {
  let dir: string;
  let config: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-boot-units-'));
    config = join(dir, 'muster.yaml');
    await writeFile(
      config,
      `root: ${join(dir, 'root')}
platform: { type: static, self: w1, peers: [{ name: w1, ip: 10.0.0.21 }] }
boot: { steps: [units] }
units:
  role: worker
  list:
    - { name: a.service, content: "[Service]\\nExecStart=/bin/true\\n" }
    - { name: b.service, content: "[Service]\\nExecStart=/bin/true\\n" }
`,
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('--dry-run says what it would write and start, and writes nothing; boot writes the target; a second boot writes nothing', async () => {
    const dry = await musterCli(config, ['boot', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would write .*\/etc\/systemd\/system\/muster-worker\.target/);
    await assert.rejects(readFile(join(dir, 'root/etc/systemd/system/muster-worker.target'), 'utf8'));

    const boot = await musterCli(config, ['boot']);
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(await readFile(join(dir, 'root/etc/systemd/system/muster-worker.target'), 'utf8'), /^Wants=a\.service b\.service$/m);
    assert.match(await readFile(join(dir, 'root/etc/systemd/system/b.service.d/50-muster-order.conf'), 'utf8'), /^After=a\.service$/m);
    assert.match(boot.stdout, /would run systemctl daemon-reload; systemctl enable muster-worker\.target; systemctl start muster-worker\.target/);

    const again = await musterCli(config, ['boot']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /5 files unchanged/);
    assert.doesNotMatch(again.stdout, /daemon-reload/);
  });
});
