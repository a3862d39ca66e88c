import { gzipSync } from 'node:zlib';
import { MusterError } from '../core/errors.js';
import { renderCloudConfig, type RenderedPart } from './cloud-config.js';
import { renderIgnition } from './ignition.js';
import { nodeContent, type UserDataFormat } from './node-content.js';
import type { RoleInput } from './role-input.js';
import { compareText } from '../core/compare-text.js';

/** EC2's limit on user-data, before base64 (other clouds allow as much or more). */
export const DEFAULT_MAX_BYTES = 16384;

export interface UserData {
  format: UserDataFormat;
  role: string;
  /** What to hand to the instance: the text, or its gzip when the text was over budget. */
  bytes: Buffer;
  /** Size of the uncompressed text. */
  rawBytes: number;
  /** cloud-config: the whole document is gzipped; Ignition: file contents are. */
  compressed: boolean;
  parts: RenderedPart[];
  embeddedSecrets: string[];
  withheldSecrets: { name: string; path: string }[];
}

/**
 * One role's user-data within the size budget: as text when it fits; otherwise cloud-config is
 * gzipped whole (cloud-init recognises gzip by its magic bytes) and Ignition compresses its file
 * contents; still over → an error naming the largest parts. Deterministic: the same input gives
 * the same bytes (gzip's header carries no time).
 */
export function renderUserData(input: RoleInput, options: { format: UserDataFormat; maxBytes: number; header: string }): UserData {
  const content = nodeContent(input, options.format);
  const base = { format: options.format, role: input.role, embeddedSecrets: content.embeddedSecrets, withheldSecrets: content.withheldSecrets };
  if (options.format === 'cloud-config') {
    const rendered = renderCloudConfig(content, options.header);
    const raw = Buffer.from(rendered.text);
    if (raw.length <= options.maxBytes) return { ...base, bytes: raw, rawBytes: raw.length, compressed: false, parts: rendered.parts };
    const gzipped = gzipSync(raw, { level: 9 });
    if (gzipped.length <= options.maxBytes) return { ...base, bytes: gzipped, rawBytes: raw.length, compressed: true, parts: rendered.parts };
    throw overBudget(options, raw.length, gzipped.length, rendered.parts);
  }
  const plain = renderIgnition(content, { compress: false });
  const raw = Buffer.from(plain.text);
  if (raw.length <= options.maxBytes) return { ...base, bytes: raw, rawBytes: raw.length, compressed: false, parts: plain.parts };
  const compressed = renderIgnition(content, { compress: true });
  const smaller = Buffer.from(compressed.text);
  if (smaller.length <= options.maxBytes) return { ...base, bytes: smaller, rawBytes: raw.length, compressed: true, parts: compressed.parts };
  throw overBudget(options, raw.length, smaller.length, compressed.parts);
}

function overBudget(options: { format: UserDataFormat; maxBytes: number }, raw: number, compressed: number, parts: readonly RenderedPart[]): MusterError {
  const largest = [...parts].sort((a, b) => b.bytes - a.bytes || compareText(a.label, b.label)).slice(0, 5);
  return new MusterError(`the ${options.format} is ${raw} bytes, ${compressed} compressed: over the budget of ${options.maxBytes} bytes`, {
    code: 'RENDER_TOO_LARGE',
    kind: 'config',
    details: largest.map((part) => `${part.label}: ${part.bytes} bytes`),
    hint: 'ship the largest files in the image or fetch them at boot (pinned by sha256), or raise --max-bytes if your platform allows more',
  });
}
