import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseWalIdentity } from './wal-metadata.js';

describe('etcd WAL metadata', () => {
  it('reads the member and cluster id from a WAL written by etcd 3.4', async () => {
    // The first 4 KiB of a WAL file of a one-member cluster whose `/members` reported
    // X-Etcd-Cluster-Id fd4d6d6a0a9d0813 and member id 11759525908296983115 (a3323a824b0b624b).
    const bytes = await readFile(new URL('../../test/fixtures/etcd-3.4-wal-head.bin', import.meta.url));
    assert.deepEqual(parseWalIdentity(bytes), { memberId: 'a3323a824b0b624b', clusterId: 'fd4d6d6a0a9d0813' });
  });

  it('returns nothing for bytes that are not a WAL', () => {
    assert.equal(parseWalIdentity(Buffer.from('not a wal at all, just text')), undefined);
    assert.equal(parseWalIdentity(Buffer.alloc(0)), undefined);
  });
});
