import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { mergeFlagsAndEnvironment } from './exec.js';
import { parseEnvFile, renderDropIn, renderEnvFile } from './env.js';
import { parseMembersJson } from './members-json.js';

const variables: [string, string][] = [
  ['ETCD_NAME', 'node-1'],
  ['ETCD_INITIAL_CLUSTER', 'node-1=http://10.0.0.11:2380,node-2=http://10.0.0.12:2380'],
  ['ETCD_DATA_DIR', '/var/lib/etcd'],
];

describe('etcd env file', () => {
  it('is sourceable by sh and reads back the same', () => {
    const text = renderEnvFile(variables);
    const echoed = execFileSync('sh', ['-c', `set -a; eval "$1"; printf '%s|%s' "$ETCD_NAME" "$ETCD_INITIAL_CLUSTER"`, 'sh', text], { encoding: 'utf8' });
    assert.equal(echoed, 'node-1|node-1=http://10.0.0.11:2380,node-2=http://10.0.0.12:2380');
    assert.deepEqual(parseEnvFile(text), Object.fromEntries(variables));
  });

  it('renders a systemd drop-in with the same variables', () => {
    assert.match(renderDropIn(variables), /^\[Service\]\nEnvironment="ETCD_NAME=node-1"\n/m);
  });

  it('lets flags given to `etcd exec` win over computed variables', () => {
    const merged = mergeFlagsAndEnvironment(variables, ['--data-dir=/data', '--name', 'x']);
    assert.deepEqual(Object.keys(merged), ['ETCD_INITIAL_CLUSTER']);
  });
});

describe('peer /members JSON', () => {
  it('keeps 64-bit member ids exact', () => {
    const members = parseMembersJson('[{"id":11759525908296983115,"peerURLs":["http://127.0.5.1:2380"],"name":"a","clientURLs":["http://127.0.5.1:2379"]},{"id":16425694531296651931,"peerURLs":["http://127.0.5.9:2380"],"isLearner":true}]');
    assert.deepEqual(
      members.map((member) => [member.id, member.name, member.isLearner]),
      [
        ['a3323a824b0b624b', 'a', false],
        ['e3f3ca262f036a9b', '', true],
      ],
    );
  });
});
