import { MusterError } from '../core/errors.js';

/** Everything muster keeps about the swarm is under this prefix in etcd (client-cert auth guards it when pki is on). */
export const SWARM_PREFIX = '/muster/swarm/';
export const SWARM_KEYS = {
  /** The one decision: which swarm this cluster's nodes belong to. Written once, under the lock. */
  cluster: `${SWARM_PREFIX}cluster`,
  managerToken: `${SWARM_PREFIX}manager-token`,
  workerToken: `${SWARM_PREFIX}worker-token`,
  /** Advertise addresses (ip:port) of the managers last seen reachable: where joiners dial. */
  managers: `${SWARM_PREFIX}managers`,
  /** Written when both tokens were rotated (swarm.rotate_tokens), so it happens once. */
  tokensRotated: `${SWARM_PREFIX}tokens-rotated`,
} as const;

/** The lock every swarm change is made under; a sibling of the etcd join lock. */
export const SWARM_LOCK_KEY = 'muster/locks/swarm';

export interface SwarmRecord {
  cluster_id: string;
  /** The manager that ran `swarm init` (or adopted a swarm it was already in). */
  leader: { name: string; node_id: string; addr: string };
  /** ISO time of the decision. */
  time: string;
  /** How the swarm came to be muster's: init, or adopted (a swarm formed before muster, e.g. by the seed). */
  how: 'init' | 'adopted';
}

export interface StoredSwarm {
  record?: SwarmRecord;
  tokens: { manager?: string; worker?: string };
  managers: string[];
  rotated?: { time: string; by: string };
}

/** The swarm keys as read in one `readPrefix`, parsed; a record muster cannot read stops the run. */
export function parseStoredSwarm(values: ReadonlyMap<string, string>): StoredSwarm {
  const record = values.get(SWARM_KEYS.cluster);
  const manager = values.get(SWARM_KEYS.managerToken);
  const worker = values.get(SWARM_KEYS.workerToken);
  const managers = values.get(SWARM_KEYS.managers);
  const rotated = values.get(SWARM_KEYS.tokensRotated);
  return {
    ...(record === undefined ? {} : { record: parseRecord(record) }),
    tokens: { ...(manager === undefined ? {} : { manager }), ...(worker === undefined ? {} : { worker }) },
    managers: managers === undefined ? [] : parseJson<string[]>(SWARM_KEYS.managers, managers, (value) => Array.isArray(value) && value.every((item) => typeof item === 'string')),
    ...(rotated === undefined ? {} : { rotated: parseJson<{ time: string; by: string }>(SWARM_KEYS.tokensRotated, rotated, (value) => typeof value === 'object' && value !== null) }),
  };
}

function parseRecord(text: string): SwarmRecord {
  return parseJson<SwarmRecord>(SWARM_KEYS.cluster, text, (value) => {
    const record = value as Partial<SwarmRecord> | null;
    return typeof record?.cluster_id === 'string' && record.cluster_id !== '' && typeof record.leader?.addr === 'string';
  });
}

function parseJson<T>(key: string, text: string, valid: (value: unknown) => boolean): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!valid(value)) {
    throw new MusterError(`swarm: etcd key ${key} holds something muster did not write: ${text.slice(0, 120)}`, {
      code: 'SWARM_RECORD_UNREADABLE',
      kind: 'unsafe',
      hint: `muster will not guess which swarm this cluster has; inspect it (etcdctl get ${key}) and delete it only if no swarm was formed`,
    });
  }
  return value as T;
}
