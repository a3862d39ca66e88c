import * as z from 'zod';
import { absolutePath, duration } from '../../config/common.js';

const webhookUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://hooks.slack.com/services/T000/B000/XXXX' });

// A webhook URL is a credential: it may be given in a file (delivered as a secret, e.g. by
// `muster render` without embedding it) rather than in the config itself.
const urlFile = absolutePath.describe('Or a file (under root) whose content is the URL: keeps the secret out of the config, and out of rendered user-data.');
const oneUrl = (webhook: { url?: string | undefined; url_file?: string | undefined }, ctx: z.RefinementCtx): void => {
  if ((webhook.url === undefined) === (webhook.url_file === undefined)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give url or url_file, one of them' });
};

export const slackWebhookSchema = z.strictObject({
  type: z.literal('slack'),
  url: webhookUrl.optional().describe('Slack incoming-webhook URL (a secret: muster logs only its host and first path segment and never prints it).'),
  url_file: urlFile.optional(),
  channel: z.string().min(1).optional().describe('Channel to post to (the seed\'s slack-channel), for webhooks that allow overriding it. Default: the webhook\'s own channel.'),
});

export const jsonWebhookSchema = z.strictObject({
  type: z.literal('json'),
  url: webhookUrl.optional().describe('Receives POST application/json {event, node, time, id} (and replaces for replaced). A secret: never logged in full.'),
  url_file: urlFile.optional(),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'must be an HTTP header name' }), z.string())
    .optional()
    .describe('Extra request headers, e.g. Authorization (secrets too: never logged).'),
});

export const webhookSchema = z.discriminatedUnion('type', [slackWebhookSchema.superRefine(oneUrl), jsonWebhookSchema.superRefine(oneUrl)]);

export const eventsConfigSchema = z.strictObject({
  webhooks: z
    .array(webhookSchema)
    .default([])
    .describe('Where node up / down / replaced events go. The seed\'s heatit params slack-webhook-url and slack-channel become one slack webhook.'),
  rate: z
    .number()
    .positive()
    .max(10)
    .default(1)
    .describe('Messages per second per URL, at most (Slack allows 1). Retries count.'),
  retry: z
    .strictObject({
      initial: duration.prefault('1s').describe('First delay after a 5xx or a network error.'),
      max: duration.prefault('5m').describe('Cap of the doubling delay. Retries never stop: an event is dropped only on a 4xx other than 429.'),
    })
    .prefault({})
    .describe('Backoff for 5xx answers and network errors (429 waits its Retry-After instead).'),
  timeout: duration.prefault('10s').describe('Deadline of one webhook request.'),
  replace_window: duration
    .prefault('10m')
    .describe('A node that comes up within this long after another node of its role went down (and was not replaced yet) is reported as replacing it.'),
  queue_dir: absolutePath
    .default('/var/lib/muster/events')
    .describe('Per-URL delivery queue (under root): one file per event, deleted only after a 2xx, so events survive an agent restart.'),
  drain_timeout: duration.prefault('5s').describe('On stop, keep delivering queued events this long (own down event included) before exiting; the rest go at the next start.'),
});

export type EventsConfig = z.infer<typeof eventsConfigSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
/** A webhook with its URL read (from url_file when that is how it was given). */
export type ResolvedWebhook = WebhookConfig & { url: string };
