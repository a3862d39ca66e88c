import { readFileSync } from 'node:fs';

/** muster's version from its package.json: one level up from the bundle in dist/, two from src/cli/. */
export function musterVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'muster' && parsed.version) return parsed.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
