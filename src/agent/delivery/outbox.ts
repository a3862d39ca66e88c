import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MusterError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { underRoot } from '../../core/root-path.js';
import type { EventsConfig } from '../events/config-schema.js';
import type { NodeEvent } from '../events/node-event.js';
import { DeliveryQueue, queueDirName } from './queue.js';
import { WebhookSender } from './sender.js';

/**
 * Every configured webhook's queue and sender. An event goes into each queue; each URL is then
 * delivered in order at its own pace, so a slow or failing receiver holds up only itself.
 * Every agent drains its own queues, leader or not: events queued by a leader that restarted
 * as a follower are still delivered.
 */
export class Outbox {
  private constructor(private readonly lanes: { queue: DeliveryQueue; sender: WebhookSender }[]) {}

  static async open(root: string, events: EventsConfig, logger: Logger): Promise<Outbox> {
    const base = underRoot(root, events.queue_dir);
    const lanes = [];
    for (const configured of events.webhooks) {
      const webhook = { ...configured, url: configured.url ?? (await readUrlFile(root, configured.url_file ?? '')) };
      const queue = await DeliveryQueue.open(join(base, queueDirName(webhook.url)));
      const sender = new WebhookSender({ webhook, queue, events, logger });
      if (queue.size > 0) logger.info({ webhook: sender.target, waiting: queue.size }, 'events waiting from before the restart: delivering them first');
      lanes.push({ queue, sender });
    }
    return new Outbox(lanes);
  }

  async enqueue(event: NodeEvent): Promise<void> {
    for (const lane of this.lanes) await lane.queue.enqueue(event);
  }

  async stop(drainMs: number): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.sender.stop(drainMs)));
  }
}

/** A webhook's url_file: the URL alone on its line; never echoed, it is a secret. */
async function readUrlFile(root: string, file: string): Promise<string> {
  const path = underRoot(root, file);
  let url: string;
  try {
    url = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new MusterError(`cannot read the webhook url_file ${path}`, { code: 'EVENTS_URL_FILE', kind: 'config', hint: 'deliver it before muster-agent.service starts (a cluster model secret)', cause: error });
  }
  if (!/^https?:\/\/\S+$/.test(url)) throw new MusterError(`${path} does not hold an http(s) URL`, { code: 'EVENTS_URL_FILE', kind: 'config', hint: 'write the webhook URL alone in the file' });
  return url;
}
