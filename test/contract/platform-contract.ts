import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Platform } from '../../src/platform/types.js';

export interface PlatformFixture {
  platform: Platform;
  /** What a correct provider must report for this fixture. */
  expected: { self: string; peers: readonly string[]; complete: boolean; incompleteReason?: RegExp };
  teardown?: () => Promise<void>;
}

/**
 * The contract every platform provider passes: one suite, a three-line test file per provider
 * (`runPlatformContract('static', async () => ({ platform, expected }))`).
 */
export function runPlatformContract(name: string, setup: () => Promise<PlatformFixture>): void {
  describe(`platform contract: ${name}`, () => {
    let fixture: PlatformFixture;
    before(async () => {
      fixture = await setup();
    });
    after(async () => {
      await fixture.teardown?.();
    });

    it('finds this node among its peers, with the same address', async () => {
      const discovery = await fixture.platform.discover();
      assert.equal(discovery.self.name, fixture.expected.self);
      const selfPeer = discovery.peers.find((peer) => peer.name === discovery.self.name);
      assert.ok(selfPeer, 'self must be one of the peers');
      assert.equal(selfPeer.ip, discovery.self.ip);
      assert.equal(selfPeer.id, discovery.self.id);
    });

    it('reports every expected peer once, sorted by name, each with a valid IP', async () => {
      const discovery = await fixture.platform.discover();
      assert.deepEqual(
        discovery.peers.map((peer) => peer.name),
        [...fixture.expected.peers].sort(),
      );
      for (const peer of discovery.peers) assert.notEqual(isIP(peer.ip), 0, `${peer.name} has no valid IP: ${peer.ip}`);
      assert.equal(new Set(discovery.peers.map((peer) => peer.ip)).size, discovery.peers.length, 'peer IPs must be unique');
    });

    it('says whether the peer list is complete', async () => {
      const discovery = await fixture.platform.discover();
      assert.equal(discovery.complete, fixture.expected.complete);
      if (!discovery.complete) assert.ok(discovery.incompleteReason, 'an incomplete discovery says why');
      if (fixture.expected.incompleteReason) assert.match(discovery.incompleteReason ?? '', fixture.expected.incompleteReason);
    });

    it('gives the same answer twice', async () => {
      assert.deepEqual(await fixture.platform.discover(), await fixture.platform.discover());
    });
  });
}
