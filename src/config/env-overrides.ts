import { parse as parseYamlScalar } from 'yaml';
import { compareText } from '../core/compare-text.js';

export const ENV_PREFIX = 'MUSTER_';

export interface EnvOverrides {
  /** Config paths that were set. */
  applied: string[];
  /** Variables that look like a mistyped override, with what was probably meant. */
  warnings: string[];
}

/**
 * `MUSTER_ETCD__CLIENT_PORT=2479` sets `etcd.client_port`: the prefix, then the path with `__`
 * between levels; `MUSTER_ROOT=/media/root` sets a top-level key. Values are read as YAML
 * scalars, so numbers, booleans and `null` work, and lists as flow sequences (`[a, b]`).
 * Other MUSTER_* variables (MUSTER_CONFIG, MUSTER_LOG_LEVEL, …) are not config; one that looks
 * like an override written with a single underscore is reported.
 */
export function applyEnvOverrides(document: Record<string, unknown>, env: NodeJS.ProcessEnv, topLevelKeys: readonly string[]): EnvOverrides {
  const applied: string[] = [];
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => compareText(a, b))) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__').filter((part) => part !== '');
    const [top] = path;
    if (top === undefined || !topLevelKeys.includes(top)) {
      const meant = topLevelKeys.find((key) => top?.startsWith(`${key}_`));
      if (meant !== undefined && top !== undefined) {
        warnings.push(`${name} is not a config override: nested keys are separated by a double underscore (MUSTER_${meant.toUpperCase()}__${top.slice(meant.length + 1).toUpperCase()})`);
      }
      continue;
    }
    let target: Record<string, unknown> = document;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1) as string] = parseYamlScalar(raw) as unknown;
    applied.push(path.join('.'));
  }
  return { applied, warnings };
}
