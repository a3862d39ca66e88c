import { alternatives, configJsonSchema, type JsonSchema } from './json-schema.js';

/**
 * The config reference as Markdown tables, generated from the schema: one row per key with its
 * type, default and description; each provider of a `type`-discriminated union gets its own table.
 */
export function configReferenceMarkdown(): string {
  return referenceMarkdown(configJsonSchema(), 'Top level');
}

/** The same tables for any schema (the cluster model of `muster render` has its own). */
export function referenceMarkdown(schema: JsonSchema, title: string): string {
  const sections: string[] = [];
  walk(schema, '', sections, title);
  return `${sections.join('\n')}\n`;
}

function walk(schema: JsonSchema, path: string, sections: string[], title: string): void {
  const properties = schema.properties ?? {};
  const rows: string[] = [];
  const nested: [JsonSchema, string, string][] = [];
  for (const [key, raw] of Object.entries(properties)) {
    const full = path === '' ? key : `${path}.${key}`;
    const options = alternatives(raw).filter((option) => option.type !== 'null');
    const variants = options.filter((option) => option.properties?.['type']?.const !== undefined);
    if (variants.length > 1) {
      rows.push(row(full, `one of: ${variants.map((variant) => `\`${String(variant.properties?.['type']?.const)}\``).join(', ')}`, raw));
      for (const variant of variants) nested.push([variant, full, `\`${full}\` with type \`${String(variant.properties?.['type']?.const)}\``]);
      continue;
    }
    const only = options[0] ?? raw;
    if (only.type === 'array' && only.items?.properties) {
      rows.push(row(full, 'list of mappings', raw));
      nested.push([only.items, `${full}[]`, `each of \`${full}\``]);
      continue;
    }
    const entry = typeof only.additionalProperties === 'object' ? only.additionalProperties : undefined;
    if (only.type === 'object' && !only.properties && entry?.properties) {
      rows.push(row(full, 'mapping of names to mappings', raw));
      nested.push([entry, `${full}.<name>`, `each entry of \`${full}\``]);
      continue;
    }
    if (only.type === 'object' && only.properties) {
      rows.push(row(full, 'mapping', raw));
      nested.push([only, full, `\`${full}\``]);
      continue;
    }
    rows.push(row(full, typeOf(raw), raw));
  }
  sections.push(`#### ${title}\n\n| key | type | default | description |\n|---|---|---|---|\n${rows.join('\n')}\n`);
  for (const [child, childPath, childTitle] of nested) walk(child, childPath, sections, childTitle);
}

function row(path: string, type: string, schema: JsonSchema): string {
  const fallback = schema.default === undefined ? '' : `\`${JSON.stringify(schema.default)}\``;
  const description = (schema.description ?? alternatives(schema).find((option) => option.description)?.description ?? '').replace(/\|/g, '\\|');
  return `| \`${path}\` | ${type} | ${fallback} | ${description} |`;
}

function typeOf(schema: JsonSchema): string {
  const options = alternatives(schema);
  const parts = options.map((option) => {
    if (option.const !== undefined) return `\`${JSON.stringify(option.const)}\``;
    if (option.enum) return option.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
    if (option.type === 'array') return `list of ${option.items ? typeOf(option.items) : 'any'}`;
    if (option.type === 'object') return 'mapping';
    return Array.isArray(option.type) ? option.type.join(' \\| ') : (option.type ?? 'any');
  });
  return [...new Set(parts)].join(' \\| ');
}
