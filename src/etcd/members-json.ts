import type { Member } from './types.js';

/**
 * Parses the JSON of etcd's peer `/members` endpoint. Member ids there are JSON numbers above
 * 2^53, which JSON.parse would round, so they are quoted before parsing.
 */
export function parseMembersJson(body: string): Member[] {
  const quoted = body.replace(/"id"\s*:\s*(\d+)/g, '"id":"$1"');
  const raw = JSON.parse(quoted) as unknown;
  if (!Array.isArray(raw)) throw new Error('expected a JSON array of members');
  return raw.map((entry: Record<string, unknown>) => ({
    id: BigInt(String(entry['id'])).toString(16),
    name: typeof entry['name'] === 'string' ? entry['name'] : '',
    peerURLs: stringArray(entry['peerURLs']),
    clientURLs: stringArray(entry['clientURLs']),
    isLearner: entry['isLearner'] === true,
  }));
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
