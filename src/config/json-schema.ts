import * as z from 'zod';
import { configSchema } from './schema.js';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  [key: string]: unknown;
};

/** The JSON Schema of the config file as a user writes it (defaults optional), for editors and docs. */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return { ...schema, $id: 'https://muster.dev/schema/muster.json', title: 'muster configuration' };
}

/** The alternatives of a schema node (a union's members, or the node itself). */
export function alternatives(schema: JsonSchema): JsonSchema[] {
  const members = schema.oneOf ?? schema.anyOf;
  return members ? members.flatMap(alternatives) : [schema];
}

/**
 * The sub-schema that applies at `path` in `data`: for unions, the member whose `type`
 * discriminator matches the data (so a typo under `platform` is compared with the keys of the
 * platform the user actually chose).
 */
export function schemaAt(root: JsonSchema, data: unknown, path: readonly PropertyKey[]): JsonSchema[] {
  let nodes = [root];
  let value = data;
  for (const segment of path) {
    nodes = nodes.flatMap(alternatives).flatMap((node) => pickByDiscriminator(node, value));
    const next: JsonSchema[] = [];
    for (const node of nodes) {
      if (typeof segment === 'number' && node.items) next.push(node.items);
      else if (node.properties?.[String(segment)]) next.push(node.properties[String(segment)] as JsonSchema);
      // A record (roles.<name>): every key has the same schema.
      else if (typeof node.additionalProperties === 'object') next.push(node.additionalProperties);
    }
    nodes = next;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  return nodes.flatMap(alternatives).flatMap((node) => pickByDiscriminator(node, value));
}

function pickByDiscriminator(node: JsonSchema, value: unknown): JsonSchema[] {
  const discriminator = node.properties?.['type']?.const;
  if (discriminator === undefined || value === null || typeof value !== 'object') return [node];
  return (value as Record<string, unknown>)['type'] === discriminator || (value as Record<string, unknown>)['type'] === undefined ? [node] : [];
}
