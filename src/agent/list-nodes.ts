import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { parseRecord, REGISTRY_PREFIX, type NodeRecord } from './node-record.js';
import { sortRecords } from './nodes-table.js';
import { connectRegistry } from './connect.js';

/** The registry as it is now: every node whose agent keeps its lease alive. */
export async function listNodes(config: Config, logger: Logger): Promise<NodeRecord[]> {
  const { client } = await connectRegistry(config, logger);
  try {
    const { keys } = await client.readPrefix(REGISTRY_PREFIX);
    return sortRecords(keys.map((kv) => parseRecord(kv.key, kv.value)).filter((record) => record !== undefined));
  } finally {
    client.close();
  }
}
