/**
 * A role's config over the cluster's: mappings merge key by key, anything else (lists, values)
 * from the role replaces the cluster's, as Helm values and kubeadm patches do; a list merged
 * item by item would leave a role no way to drop an entry.
 */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isMapping(current) && isMapping(value) ? mergeConfig(current, value) : value;
  }
  return merged;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
