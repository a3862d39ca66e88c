import { MusterError } from '../core/errors.js';

/** What coreos-docker-swarm-cluster's heatit params.yml gives muster. */
export interface HeatitParams {
  role?: string;
  slackWebhookUrl?: string;
  slackChannel?: string;
}

const KNOWN = ['node-role', 'slack-webhook-url', 'slack-channel', 'coreos-cluster-token'];

/**
 * heatit's params.yml, checked: `node-role` picks the role, the Slack keys go where the seed's
 * units read them (/etc/custom-environment). `coreos-cluster-token` is refused: it was a
 * discovery.etcd.io cluster id, and muster's discovery (the platform) replaces that service.
 */
export function parseHeatitParams(data: Record<string, unknown>, source: string): HeatitParams {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value = data[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${key} → must be a non-empty string`);
      return undefined;
    }
    return value.trim();
  };
  for (const key of Object.keys(data)) if (!KNOWN.includes(key)) problems.push(`${key} → unknown heatit parameter (known: node-role, slack-webhook-url, slack-channel)`);
  if ('coreos-cluster-token' in data) {
    problems.push(
      'coreos-cluster-token → not used: muster does not need a discovery.etcd.io token (that public service is deprecated and has had outages); each node finds its peers through the config\'s platform (aws, vsphere, dns-srv, static, mdns) — delete the key',
    );
  }
  const role = text('node-role');
  const slackWebhookUrl = text('slack-webhook-url');
  const slackChannel = text('slack-channel');
  if (slackWebhookUrl !== undefined && !/^https:\/\//.test(slackWebhookUrl)) problems.push('slack-webhook-url → must be an https:// URL (a Slack incoming webhook)');
  if (problems.length > 0) {
    throw new MusterError(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the heatit params`, {
      code: 'PARAMS_INVALID',
      kind: 'config',
      details: problems,
      hint: 'muster reads node-role, slack-webhook-url and slack-channel from params.yml',
    });
  }
  return {
    ...(role !== undefined ? { role } : {}),
    ...(slackWebhookUrl !== undefined ? { slackWebhookUrl } : {}),
    ...(slackChannel !== undefined ? { slackChannel } : {}),
  };
}

/**
 * The seed's /etc/custom-environment (NODE_ROLE, SLACK_WEBHOOK_URL, SLACK_CHANNEL), which its
 * units read with EnvironmentFile=: kept so units moved over unchanged still find them.
 */
export function customEnvironment(role: string, params: HeatitParams): string {
  const lines = [`NODE_ROLE=${role}`];
  if (params.slackWebhookUrl !== undefined) lines.push(`SLACK_WEBHOOK_URL=${params.slackWebhookUrl}`);
  if (params.slackChannel !== undefined) lines.push(`SLACK_CHANNEL=${params.slackChannel}`);
  return `${lines.join('\n')}\n`;
}
