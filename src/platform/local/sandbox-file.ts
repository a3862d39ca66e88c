import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { MusterError } from '../../core/errors.js';

/**
 * The simulated group of `muster local`: which nodes exist right now, each with its own
 * loopback address. `muster local` writes it; the `local` platform reads it as its discovery,
 * the way the `aws` platform reads an Auto Scaling group.
 */
export const sandboxFileSchema = z.object({
  version: z.literal(1),
  /** First three octets of the nodes' loopback addresses (127.0.1 → 127.0.1.N). */
  ip_prefix: z.string(),
  /** Index the next new node gets: replaced nodes are not reused, as in an Auto Scaling group. */
  next_index: z.number().int().positive(),
  client_port: z.number().int().default(2379),
  peer_port: z.number().int().default(2380),
  /** Whether the nodes run etcd over TLS with the sandbox CA (sandboxes made before TLS: no). */
  tls: z.boolean().default(false),
  nodes: z.array(z.object({ name: z.string(), ip: z.string(), index: z.number().int().positive() })),
});

export type SandboxFile = z.input<typeof sandboxFileSchema>;
type ReadSandboxFile = z.infer<typeof sandboxFileSchema>;

export const SANDBOX_FILE = 'sandbox.json';

export async function readSandboxFile(dir: string): Promise<ReadSandboxFile> {
  const path = join(dir, SANDBOX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MusterError(`no local sandbox at ${dir} (${path} is missing)`, {
      code: 'SANDBOX_MISSING',
      kind: 'config',
      hint: 'run `muster local up` first, or pass the --dir it was started with',
      cause: error,
    });
  }
  return sandboxFileSchema.parse(JSON.parse(text));
}

export async function writeSandboxFile(dir: string, file: SandboxFile): Promise<void> {
  await writeFileAtomic(join(dir, SANDBOX_FILE), `${JSON.stringify(file, null, 2)}\n`);
}
