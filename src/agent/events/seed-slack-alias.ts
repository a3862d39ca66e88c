/**
 * coreos-docker-swarm-cluster's heatit params `slack-webhook-url` and `slack-channel` (top-level
 * keys of its params.yml) become one slack webhook in events.webhooks. A slack webhook with the
 * same URL already there wins (muster's key wins when both are given). An empty URL (the
 * params.yml template's placeholder) means "no Slack" and adds nothing.
 */
export function applySeedSlackAlias(document: Record<string, unknown>): string[] {
  const hasUrl = 'slack-webhook-url' in document;
  const hasChannel = 'slack-channel' in document;
  if (!hasUrl && !hasChannel) return [];
  const url = document['slack-webhook-url'];
  const channel = document['slack-channel'];
  delete document['slack-webhook-url'];
  delete document['slack-channel'];
  if (typeof url !== 'string' || url === '') {
    return ['seed params slack-webhook-url / slack-channel accepted: no slack-webhook-url given, so no Slack webhook; remove them'];
  }
  const events = object(document, 'events');
  const webhooks = Array.isArray(events['webhooks']) ? (events['webhooks'] as unknown[]) : [];
  const present = webhooks.some((hook) => hook !== null && typeof hook === 'object' && (hook as Record<string, unknown>)['url'] === url);
  if (!present) webhooks.push({ type: 'slack', url, ...(typeof channel === 'string' && channel !== '' ? { channel } : {}) });
  events['webhooks'] = webhooks;
  return ['seed params slack-webhook-url / slack-channel accepted: they are events.webhooks [{ type: slack, url, channel }]; rename them'];
}

function object(document: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = document[key];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  document[key] = created;
  return created;
}
