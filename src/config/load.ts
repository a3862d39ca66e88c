import { readFile } from 'node:fs/promises';
import { MusterError } from '../core/errors.js';
import { applyEnvOverrides } from './env-overrides.js';
import { problemsFromZod, renderProblems, type ConfigProblem } from './issues.js';
import { alternatives, configJsonSchema, schemaAt } from './json-schema.js';
import { configSchema, configSections, type Config } from './schema.js';
import { applySeedAliases } from './seed-aliases.js';
import { parseYamlMapping } from './yaml-mapping.js';
import { PARSE_ONCE } from './parse-once.js';

export { DEFAULT_CONFIG_PATH } from './default-path.js';

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
  const data = parseYamlMapping(text, source);
  const aliasNotes = applySeedAliases(data);
  const overrides = applyEnvOverrides(data, env, Object.keys(configSections.shape));
  return { config: validateConfig(data, source), overrides: overrides.applied, aliasNotes: [...aliasNotes, ...overrides.warnings] };
}

/** Validates a parsed config; every problem is reported at once, each with its path. */
export function validateConfig(data: unknown, source: string): Config {
  const checked = checkConfig(data);
  if (checked.ok) return checked.config;
  const { problems } = checked;
  throw new MusterError(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config`, {
    code: 'CONFIG_INVALID',
    kind: 'config',
    details: renderProblems(problems),
    hint: 'fix each key shown; `muster config schema` prints every key with its type and default',
  });
}

/** The config, or every problem in it with its path (for callers that report them inside a larger file, such as a cluster model). */
export function checkConfig(data: unknown): { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] } {
  const result = configSchema.safeParse(data, PARSE_ONCE);
  if (result.success) return { ok: true, config: result.data };
  const schema = configJsonSchema();
  return { ok: false, problems: problemsFromZod(result.error, (path) => knownKeys(schema, data, path)) };
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
