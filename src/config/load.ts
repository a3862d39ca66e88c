import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { MusterError } from '../core/errors.js';
import { applyEnvOverrides } from './env-overrides.js';
import { problemsFromZod, renderProblems, type ConfigProblem } from './issues.js';
import { alternatives, configJsonSchema, schemaAt } from './json-schema.js';
import { configSchema, configSections, type Config } from './schema.js';
import { applySeedAliases } from './seed-aliases.js';

export const DEFAULT_CONFIG_PATH = '/etc/muster/muster.yaml';

export interface LoadedConfig {
  config: Config;
  path: string;
  /** Config paths set from MUSTER_* variables. */
  overrides: string[];
  /** Seed-tool keys that were mapped onto muster's, and mistyped overrides: reported as warnings. */
  aliasNotes: string[];
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MusterError(`cannot read config file ${path}${code ? ` (${code})` : ''}`, {
      code: 'CONFIG_UNREADABLE',
      kind: 'config',
      hint: code === 'ENOENT' ? 'create it, or point --config (or MUSTER_CONFIG) at your file; `muster config schema` describes every key' : 'check its permissions',
      cause: error,
    });
  }
  return { ...parseConfigText(text, path, env), path };
}

export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = {}): Omit<LoadedConfig, 'path'> {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new MusterError(`${source} is not valid YAML`, {
      code: 'CONFIG_YAML',
      kind: 'config',
      details: document.errors.map((error) => withCodeFrame(error.message)),
      hint: 'fix the YAML syntax at the lines shown',
    });
  }
  const raw: unknown = document.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new MusterError(`${source} must be a YAML mapping (key: value pairs) at the top level`, { code: 'CONFIG_SHAPE', kind: 'config' });
  }
  const data = raw as Record<string, unknown>;
  const aliasNotes = applySeedAliases(data);
  const overrides = applyEnvOverrides(data, env, Object.keys(configSections.shape));
  return { config: validateConfig(data, source), overrides: overrides.applied, aliasNotes: [...aliasNotes, ...overrides.warnings] };
}

/**
 * The yaml library's message with prettyErrors: "<what> at line L, column C:", a blank line, then
 * the offending lines with a caret under the column. The frame is what shows the user where,
 * so it is kept (without the blank line and the trailing newline), one detail per error.
 */
function withCodeFrame(message: string): string {
  const [headline = message, ...frame] = message.replace(/\n+$/, '').split('\n');
  const lines = frame[0] === '' ? frame.slice(1) : frame;
  return [headline, ...lines].join('\n');
}

/** Validates a parsed config; every problem is reported at once, each with its path. */
export function validateConfig(data: unknown, source: string): Config {
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  const schema = configJsonSchema();
  const problems: ConfigProblem[] = problemsFromZod(result.error, (path) => knownKeys(schema, data, path));
  throw new MusterError(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config`, {
    code: 'CONFIG_INVALID',
    kind: 'config',
    details: renderProblems(problems),
    hint: 'fix each key shown; `muster config schema` prints every key with its type and default',
  });
}

/** Keys a config may have at `path` (or, for a `#type` segment, the allowed discriminator values). */
function knownKeys(schema: ReturnType<typeof configJsonSchema>, data: unknown, path: readonly PropertyKey[]): string[] {
  const last = path.at(-1);
  if (typeof last === 'string' && last.startsWith('#')) {
    const key = last.slice(1);
    const nodes = schemaAt(schema, undefined, path.slice(0, -1)).flatMap(alternatives);
    return nodes.map((node) => node.properties?.[key]?.const).filter((value): value is string => typeof value === 'string');
  }
  return [...new Set(schemaAt(schema, data, path).flatMap((node) => Object.keys(node.properties ?? {})))];
}
