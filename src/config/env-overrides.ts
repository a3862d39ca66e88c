import { parse as parseYamlScalar } from 'yaml';

export const ENV_PREFIX = 'MUSTER_';

/** Variables that configure the process rather than the config file. */
const NOT_CONFIG = new Set(['MUSTER_CONFIG', 'MUSTER_LOG_LEVEL', 'MUSTER_DEBUG', 'MUSTER_CLI', 'MUSTER_TEST_CONCURRENCY']);

/**
 * `MUSTER_ETCD__CLIENT_PORT=2479` sets `etcd.client_port`: the prefix, then the path with `__`
 * between levels. Values are read as YAML scalars, so numbers, booleans and `null` work; lists
 * can be given as YAML flow sequences (`[a, b]`). Returns the paths that were set, for the log.
 */
export function applyEnvOverrides(document: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || NOT_CONFIG.has(name) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__').filter((part) => part !== '');
    if (path.length === 0) continue;
    let target: Record<string, unknown> = document;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1) as string] = parseYamlScalar(raw) as unknown;
    applied.push(path.join('.'));
  }
  return applied;
}
