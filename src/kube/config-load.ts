import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { problemsFromZod, renderProblems, type ConfigProblem } from '../config/issues.js';
import { alternatives, schemaAt, type JsonSchema } from '../config/json-schema.js';
import { parseYamlMapping } from '../config/yaml-mapping.js';
import { MusterError } from '../core/errors.js';
import { kubeDnsFileSchema, type KubeDnsFile } from './config-schema.js';
import { IniError, parseIni } from './ini-file.js';
import { mapKuberouteIni } from './kuberoute-ini.js';
import { PARSE_ONCE } from '../config/parse-once.js';

export const DEFAULT_KUBE_DNS_CONFIG = '/etc/muster/kube-dns.yaml';

export interface LoadedKubeDns {
  file: KubeDnsFile;
  path: string;
  format: 'yaml' | 'kuberoute-ini';
  /** Seed mappings and ignored keys, shown as warnings. */
  notices: string[];
  /** Environment the config asks for (kuberoute's [route53] keys for the AWS SDK). */
  env: Record<string, string>;
}

export function kubeDnsJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(kubeDnsFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return { ...schema, $id: 'https://muster.dev/schema/kube-dns.json', title: 'muster kube-dns config' };
}

/** A kube-dns YAML file, or kuberoute's INI as it is (by a .ini/.conf/.cfg name or a [section] first). */
export async function loadKubeDnsFile(path: string): Promise<LoadedKubeDns> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MusterError(`cannot read the kube-dns config ${path}${code ? ` (${code})` : ''}`, {
      code: 'CONFIG_UNREADABLE',
      kind: 'config',
      hint: 'point --config at your kube-dns.yaml or kuberoute INI file (README: "muster kube-dns")',
      cause: error,
    });
  }
  return parseKubeDnsText(text, path);
}

export function parseKubeDnsText(text: string, path: string): LoadedKubeDns {
  if (looksLikeIni(text, path)) {
    let sections;
    try {
      sections = parseIni(text);
    } catch (error) {
      if (!(error instanceof IniError)) throw error;
      throw new MusterError(`${path}: ${error.message}`, { code: 'CONFIG_INVALID', kind: 'config', hint: 'kuberoute\'s INI format: [section] headers and key = value lines' });
    }
    const mapped = mapKuberouteIni(sections);
    if (mapped.problems.length > 0) throw invalid(path, mapped.problems, 'kuberoute INI');
    return { file: validate(mapped.document, path, 'the kube-dns config mapped from this kuberoute INI'), path, format: 'kuberoute-ini', notices: mapped.notices, env: mapped.env };
  }
  const data = parseYamlMapping(text, path);
  return { file: validate(data, path, 'the kube-dns config'), path, format: 'yaml', notices: [], env: {} };
}

function looksLikeIni(text: string, path: string): boolean {
  if (/\.(ini|conf|cfg)$/i.test(path)) return true;
  const first = text.split(/\r?\n/).find((line) => !/^\s*([#;].*)?$/.test(line));
  return first !== undefined && /^\[[^\]]+\]\s*$/.test(first);
}

function validate(data: unknown, path: string, what: string): KubeDnsFile {
  const result = kubeDnsFileSchema.safeParse(data, PARSE_ONCE);
  if (result.success) return result.data;
  const schema = kubeDnsJsonSchema();
  const problems = problemsFromZod(result.error, (at) => [...new Set(schemaAt(schema, data, at).flatMap(alternatives).flatMap((node) => Object.keys(node.properties ?? {})))]);
  throw invalid(path, problems, what);
}

function invalid(path: string, problems: readonly ConfigProblem[], what: string): MusterError {
  return new MusterError(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${what}`, {
    code: 'CONFIG_INVALID',
    kind: 'config',
    details: renderProblems(problems),
    hint: 'fix each key shown; `muster kube-dns --schema` prints every key with its type and default',
  });
}
