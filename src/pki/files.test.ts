import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { certificateFiles, resolveOwner } from './files.js';

describe('pki files', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'muster-files-'));
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\netcd:x:1234:1235::/var/lib/etcd:/usr/sbin/nologin\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\netcd:x:1235:\nssl-cert:x:110:\n');
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('names node.pem / node-key.pem and <name>.pem / <name>-key.pem', () => {
    assert.deepEqual(certificateFiles('/etc/ssl/node_certs', 'node'), { certificate: '/etc/ssl/node_certs/node.pem', key: '/etc/ssl/node_certs/node-key.pem' });
    assert.deepEqual(certificateFiles('/c', 'etcd-peer'), { certificate: '/c/etcd-peer.pem', key: '/c/etcd-peer-key.pem' });
  });

  it('looks owners up in the passwd and group files under root', async () => {
    assert.deepEqual(await resolveOwner(root, 'etcd'), { uid: 1234, gid: 1235 });
    assert.deepEqual(await resolveOwner(root, 'etcd:ssl-cert'), { uid: 1234, gid: 110 });
    assert.deepEqual(await resolveOwner(root, '500:501'), { uid: 500, gid: 501 });
    await assert.rejects(resolveOwner(root, 'nobody-here'), /no user nobody-here in .*\/etc\/passwd/);
    await assert.rejects(resolveOwner(root, 'etcd:nogroup'), /no group nogroup/);
    await assert.rejects(resolveOwner(root, '500'), /a numeric user needs a group too/);
  });
});
