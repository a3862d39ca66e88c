import type { WebhookConfig } from '../events/config-schema.js';
import type { NodeEvent } from '../events/node-event.js';
import { slackBody } from './slack-message.js';

/** The request body for one webhook: Slack's incoming-webhook shape, or the event as it is. */
export function webhookBody(webhook: WebhookConfig, event: NodeEvent): string {
  if (webhook.type === 'slack') return JSON.stringify(slackBody(event, webhook.channel));
  const { id, event: kind, node, replaces, time } = event;
  return JSON.stringify({ event: kind, node, ...(replaces ? { replaces } : {}), time, id });
}

export const EVENT_ID_HEADER = 'x-muster-event-id';

export function webhookHeaders(webhook: WebhookConfig, event: NodeEvent): Record<string, string> {
  return { ...(webhook.type === 'json' ? webhook.headers : {}), 'content-type': 'application/json', [EVENT_ID_HEADER]: event.id };
}
