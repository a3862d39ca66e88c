/**
 * What a node publishes about itself in the registry, as JSON under /muster/nodes/<role>/<name>.
 * Readers (`muster nodes`, the events leader, users' own scripts) get exactly these keys.
 */
export interface NodeRecord {
  name: string;
  role: string;
  ip: string;
  /** muster's version on the node. */
  version: string;
  /** When the machine booted (ISO 8601, whole seconds): "up since". */
  boot_time: string;
  /** The Docker swarm node id, when the local engine is in a swarm. */
  swarm_node_id?: string;
}

export const REGISTRY_PREFIX = '/muster/nodes/';

export function registryKey(record: Pick<NodeRecord, 'role' | 'name'>): string {
  return `${REGISTRY_PREFIX}${record.role}/${record.name}`;
}

export function serializeRecord(record: NodeRecord): string {
  const { name, role, ip, version, boot_time, swarm_node_id } = record;
  return JSON.stringify({ name, role, ip, version, boot_time, ...(swarm_node_id ? { swarm_node_id } : {}) });
}

/**
 * Reads a registry value; a key that is not muster's shape (written by hand, or by a newer
 * muster with fewer fields) is still a node: role and name come from the key, the rest is
 * whatever is readable.
 */
export function parseRecord(key: string, value: string): NodeRecord | undefined {
  if (!key.startsWith(REGISTRY_PREFIX)) return undefined;
  const [role, name, ...rest] = key.slice(REGISTRY_PREFIX.length).split('/');
  if (role === undefined || name === undefined || role === '' || name === '' || rest.length > 0) return undefined;
  let parsed: Record<string, unknown> = {};
  try {
    const json = JSON.parse(value) as unknown;
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) parsed = json as Record<string, unknown>;
  } catch {
    // not JSON: the seed's value was the bare IP
    parsed = { ip: value.trim() };
  }
  const text = (field: string): string => {
    const found = parsed[field];
    return typeof found === 'string' ? found : '';
  };
  const swarm = text('swarm_node_id');
  return { name, role, ip: text('ip'), version: text('version'), boot_time: text('boot_time'), ...(swarm ? { swarm_node_id: swarm } : {}) };
}
