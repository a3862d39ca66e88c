/**
 * Config keys of the seed tools that muster accepts as they were written, mapped one-to-one onto
 * muster's own keys (README: "Moving from the seed tools"). Each use is reported so the user can
 * update the file; the muster key wins when both are given.
 */
import { applySeedSlackAlias } from '../agent/events/seed-slack-alias.js';

interface Alias {
  from: readonly string[];
  to: readonly string[];
  note: string;
}

const ALIASES: readonly Alias[] = [
  { from: ['base', 'chroot_path'], to: ['root'], note: "NodeReg's base.chroot_path is muster's root" },
  { from: ['hosted_zone', 'name'], to: ['dns', 'zone'], note: "NodeReg's hosted_zone.name is muster's dns.zone" },
  { from: ['etcd', 'client_schema'], to: ['etcd', 'client_scheme'], note: "NodeReg's etcd.client_schema is muster's etcd.client_scheme" },
  { from: ['etcd', 'peer_schema'], to: ['etcd', 'peer_scheme'], note: "NodeReg's etcd.peer_schema is muster's etcd.peer_scheme" },
];

export function applySeedAliases(document: Record<string, unknown>): string[] {
  const notes: string[] = [];
  for (const alias of ALIASES) {
    const parent = lookup(document, alias.from.slice(0, -1));
    const key = alias.from.at(-1) as string;
    if (!parent || !(key in parent)) continue;
    const value = parent[key];
    delete parent[key];
    // A seed section left empty (NodeReg's hosted_zone) is not a muster key: drop it.
    const section = alias.from[0];
    if (alias.from.length === 2 && section !== undefined && Object.keys(parent).length === 0) delete document[section];
    // NodeReg wrote `chroot_path: false` for "no chroot".
    const mapped = alias.to.join('.') === 'root' && value === false ? '/' : value;
    const targetParent = ensure(document, alias.to.slice(0, -1));
    const targetKey = alias.to.at(-1) as string;
    if (!(targetKey in targetParent)) targetParent[targetKey] = mapped;
    notes.push(`seed config key ${alias.from.join('.')} accepted: ${alias.note}; rename it`);
  }
  // Not one key onto one key: two heatit params make one list entry.
  notes.push(...applySeedSlackAlias(document));
  return notes;
}

function lookup(document: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = document;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>) : undefined;
}

function ensure(document: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  let node = document;
  for (const key of path) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  return node;
}
