import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { problemsFromZod, renderProblems, type ConfigProblem } from '../config/issues.js';
import { alternatives, schemaAt, type JsonSchema } from '../config/json-schema.js';
import { checkConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { applySeedAliases } from '../config/seed-aliases.js';
import { parseYamlMapping } from '../config/yaml-mapping.js';
import { MusterError } from '../core/errors.js';
import { clusterSchema, type ClusterModel, type InstallModel } from './cluster-schema.js';
import { mergeConfig } from './deep-merge.js';
import { customEnvironment, parseHeatitParams, type HeatitParams } from './heatit-params.js';
import type { RoleInput } from './role-input.js';
import { PARSE_ONCE } from '../config/parse-once.js';

/** Where render puts the role's unit files on the node; muster.yaml pins each by sha256. */
export const UNITS_DIR = '/etc/muster/units';
export const NODE_CONFIG_PATH = '/etc/muster/muster.yaml';
/** In a container, the host's root (NodeReg's convention, contrib/docker/muster.Dockerfile). */
export const CONTAINER_HOST_ROOT = '/media/root';
/** Where heatit's slack-webhook-url goes on the node (0600): events.webhooks reads it with url_file. */
export const SLACK_URL_FILE = '/etc/muster/secrets/slack-webhook-url';

export interface LoadedCluster {
  model: ClusterModel;
  path: string;
}

export function clusterJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(clusterSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return { ...schema, $id: 'https://muster.dev/schema/cluster.json', title: 'muster cluster model' };
}

export async function loadClusterFile(path: string): Promise<LoadedCluster> {
  const text = await readSource(path, 'cluster file', 'point --cluster at your cluster.yaml (README: "Rendering user-data")');
  const data = parseYamlMapping(text.toString('utf8'), path);
  const result = clusterSchema.safeParse(data, PARSE_ONCE);
  if (!result.success) {
    const schema = clusterJsonSchema();
    const problems = problemsFromZod(result.error, (at) => [...new Set(schemaAt(schema, data, at).flatMap(alternatives).flatMap((node) => Object.keys(node.properties ?? {})))]);
    throw invalid(path, problems, 'fix each key shown; `muster render --schema` prints the cluster model\'s JSON Schema');
  }
  return { model: result.data, path };
}

/**
 * Everything one role's user-data is made of, read from the files the model names and checked:
 * the muster config its nodes run (the cluster's merged with the role's, its units pinned),
 * validated as muster.yaml is. Secrets not marked `embed` are never read, so they cannot leak
 * into the output.
 */
export async function loadRole(cluster: LoadedCluster, requestedRole: string | undefined, paramsPath?: string): Promise<RoleInput> {
  const { model, path } = cluster;
  const base = dirname(resolve(path));
  const paramsFile = paramsPath ?? (model.params === undefined ? undefined : resolve(base, model.params));
  const params: HeatitParams = paramsFile === undefined ? {} : parseHeatitParams(parseYamlMapping((await readSource(paramsFile, 'heatit params file', 'check the path')).toString('utf8'), paramsFile), paramsFile);
  if (requestedRole !== undefined && params.role !== undefined && requestedRole !== params.role) {
    throw new MusterError(`--role ${requestedRole} but ${paramsFile ?? 'params'} says node-role: ${params.role}`, { code: 'RENDER_ROLE', kind: 'usage', hint: 'give one of them, or make them agree' });
  }
  const roleName = requestedRole ?? params.role;
  const roles = Object.keys(model.roles);
  if (roleName === undefined) throw new MusterError('which role? give --role', { code: 'RENDER_ROLE', kind: 'usage', hint: `roles in ${path}: ${roles.join(', ')}` });
  const role = model.roles[roleName];
  if (role === undefined) throw new MusterError(`${path} has no role ${roleName}`, { code: 'RENDER_ROLE', kind: 'usage', hint: `roles: ${roles.join(', ')}` });

  const install = (role.install ?? model.install) as InstallModel;
  const units = [];
  for (const unit of role.units) {
    const content = unit.content ?? (await readSource(resolve(base, unit.source as string), `roles.${roleName}.units: ${unit.name}`, 'check the source path (relative to the cluster file)')).toString('utf8');
    units.push({ name: unit.name, content, start: unit.start });
  }
  const files = [];
  for (const file of role.files) {
    const content = file.content !== undefined ? Buffer.from(file.content) : await readSource(resolve(base, file.source as string), `roles.${roleName}.files: ${file.path}`, 'check the source path (relative to the cluster file)');
    files.push({ path: file.path, content, mode: file.mode, owner: file.owner });
  }
  if (params.slackWebhookUrl !== undefined) {
    // muster agent's Slack events read it from a file, so the URL is not in muster.yaml.
    files.push({ path: SLACK_URL_FILE, content: Buffer.from(`${params.slackWebhookUrl}\n`), mode: 0o600, owner: 'root', secret: 'slack-webhook-url (heatit params)' });
  }
  if (params.slackWebhookUrl !== undefined || params.slackChannel !== undefined || paramsFile !== undefined) {
    // The webhook URL lets anyone post to the channel: the file is root's, and render lists it.
    files.push({ path: '/etc/custom-environment', content: Buffer.from(customEnvironment(roleName, params)), mode: 0o600, owner: 'root', ...(params.slackWebhookUrl !== undefined ? { secret: 'slack-webhook-url (heatit params)' } : {}) });
  }
  const secrets = [];
  for (const name of role.secrets) {
    const secret = model.secrets[name];
    if (secret === undefined) continue; // the schema refused unknown names
    const content = secret.embed ? await readSource(resolve(base, secret.source), `secrets.${name}`, 'check the source path (relative to the cluster file)') : undefined;
    secrets.push({ name, path: secret.path, mode: secret.mode, owner: secret.owner, embed: secret.embed, ...(content !== undefined ? { content } : {}) });
  }

  const { config, document, notes } = nodeConfig(model, roleName, install, units, path, params);
  return { cluster: model.name, role: roleName, install, config, configText: document, units, files, users: role.users, keepDefaultUser: role.keep_default_user, secrets, notes };
}

/** The role's muster.yaml: the merged config with the units section render pins, checked as the node will check it. */
function nodeConfig(
  model: ClusterModel,
  roleName: string,
  install: InstallModel,
  units: readonly { name: string; content: string; start: boolean }[],
  path: string,
  params: HeatitParams,
): { config: Config; document: Record<string, unknown>; notes: string[] } {
  const role = model.roles[roleName];
  const document = mergeConfig(model.config, role?.config ?? {});
  const notes = applySeedAliases(document).map((note) => `roles.${roleName}.config: ${note}`);
  const inline = inlineWebhookUrls(document);
  if (inline.length > 0) {
    throw invalid(
      path,
      inline.map((at) => ({ path: `roles.${roleName}.config.${at}`, message: 'a webhook URL is a secret: it would be in the user-data of every node', hint: 'put it in a file listed under secrets (embed as you choose) and give its path as url_file' })),
      'secrets reach the node as files, never inside muster.yaml',
    );
  }
  if (params.slackWebhookUrl !== undefined && document['events'] === undefined) {
    document['events'] = { webhooks: [{ type: 'slack', url_file: SLACK_URL_FILE, ...(params.slackChannel !== undefined ? { channel: params.slackChannel } : {}) }] };
  }
  if (units.length > 0) {
    document['units'] = {
      role: roleName,
      list: units.map((unit) => ({ name: unit.name, file: `${UNITS_DIR}/${unit.name}`, sha256: sha256Hex(unit.content), ...(unit.start ? {} : { start: false }) })),
    };
  }
  if (install.image !== undefined) {
    const root = document['root'];
    if (root !== undefined && root !== '/' && root !== CONTAINER_HOST_ROOT) {
      throw new MusterError(`roles.${roleName}.config.root is ${JSON.stringify(root)}, but in the container image the host's root is ${CONTAINER_HOST_ROOT}`, { code: 'RENDER_ROOT', kind: 'config', hint: 'leave root out: render sets it' });
    }
    document['root'] = CONTAINER_HOST_ROOT;
  }
  const checked = checkConfig(document);
  if (!checked.ok) {
    throw invalid(
      path,
      checked.problems.map((problem) => ({ ...problem, path: `roles.${roleName}.config.${problem.path}` })),
      `the role's config is the cluster's config with roles.${roleName}.config merged over it, checked as muster.yaml; \`muster config schema\` prints every key`,
    );
  }
  return { config: checked.config, document, notes };
}

/** Paths of events.webhooks[].url given inline in a role's config. */
function inlineWebhookUrls(document: Record<string, unknown>): string[] {
  const events = document['events'];
  const webhooks = events !== null && typeof events === 'object' ? (events as Record<string, unknown>)['webhooks'] : undefined;
  if (!Array.isArray(webhooks)) return [];
  return webhooks.flatMap((hook: unknown, index) => (hook !== null && typeof hook === 'object' && 'url' in hook ? [`events.webhooks[${index}].url`] : []));
}

function invalid(path: string, problems: readonly ConfigProblem[], hint: string): MusterError {
  return new MusterError(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the cluster model`, { code: 'CLUSTER_INVALID', kind: 'config', details: renderProblems(problems), hint });
}

async function readSource(path: string, what: string, hint: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MusterError(`cannot read ${what} ${path}${code ? ` (${code})` : ''}`, { code: 'RENDER_SOURCE', kind: 'config', hint, cause: error });
  }
}

export function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
