/** The config as shown by `kube-dns --check`: inline secrets (kuberoute kept AWS keys in its INI) replaced. */
const SECRET_KEYS = new Set(['secret_access_key', 'access_key_id']);

export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactSecrets) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEYS.has(key) && typeof item === 'string' ? '(redacted)' : redactSecrets(item)])) as T;
}
