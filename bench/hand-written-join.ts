// The least a program can do to join a node to a running etcd cluster safely, written by hand on
// the etcd3 client muster uses: the join lock (a key created on a lease, only if absent), the
// member list, the learner add, the lock's release, an env file written and renamed (not fsynced,
// as muster's is: a floor errs low). No config, no discovery, no probes, no sightings, no log.
// The boot-latency bench times it beside `muster etcd` to show which part of a join is the
// client's and etcd's, and which is muster's.
//
// Bundled by the bench into one CommonJS file (esbuild), run as
//   node hand-written-join.cjs <cached|plain> <etcd3 module> <endpoints,…> <peer URL> <env file>
// cached: muster's own etcd3 bundle (dist/vendor/etcd3.js) through muster's loader, with its code
//         cache: the floor for any program on this client;
// plain:  require() of the etcd3 package from node_modules: what a hand-written script pays.
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Etcd3Module from 'etcd3';
import { loadBundle } from '../src/launch/bundle-loader.js';

const LOCK_KEY = 'muster/locks/etcd-join';

async function join(etcd3: typeof Etcd3Module, endpoints: string[], peerUrl: string, envFile: string): Promise<void> {
  const client = new etcd3.Etcd3({ hosts: endpoints, dialTimeout: 5000 });
  try {
    const lease = client.lease(30, { autoKeepAlive: false });
    const id = await lease.grant();
    const taken = (await client.if(LOCK_KEY, 'Create', '==', 0).then(client.put(LOCK_KEY).value('').lease(id)).commit()).succeeded;
    if (!taken) throw new Error(`${LOCK_KEY} is held`);
    const before = await client.cluster.memberList({ linearizable: true });
    if (before.members.some((member) => member.peerURLs.includes(peerUrl))) throw new Error(`${peerUrl} is a member already`);
    const added = await client.cluster.memberAdd({ peerURLs: [peerUrl], isLearner: true });
    await lease.revoke();
    const cluster = added.members.map((member) => `${member.name === '' ? 'joiner' : member.name}=${member.peerURLs.join(',')}`).join(',');
    writeFileSync(`${envFile}.tmp`, `ETCD_INITIAL_CLUSTER=${cluster}\nETCD_INITIAL_CLUSTER_STATE=existing\n`, { mode: 0o644 });
    renameSync(`${envFile}.tmp`, envFile);
  } finally {
    client.close();
  }
}

const [mode, modulePath, endpoints, peerUrl, envFile] = process.argv.slice(2);
if ((mode !== 'cached' && mode !== 'plain') || !modulePath || !endpoints || !peerUrl || !envFile) {
  console.error('usage: hand-written-join.cjs <cached|plain> <etcd3 module> <endpoints,…> <peer URL> <env file>');
  process.exit(64);
}
const etcd3 = (mode === 'cached' ? loadBundle(modulePath) : createRequire(modulePath)(modulePath)) as typeof Etcd3Module;
join(etcd3, endpoints.split(','), peerUrl, envFile).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
