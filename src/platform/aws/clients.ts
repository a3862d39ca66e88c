import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { AwsPlatformConfig } from './schema.js';

export interface AwsClients {
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  /** Frees the clients' kept-alive sockets, so a finished discovery leaves nothing open. */
  destroy(): void;
}

/**
 * SDK clients for one discovery. Credentials come from the SDK's standard chain (on EC2: the
 * instance profile), never from muster's config. Throttling and transient errors are retried
 * by the SDK's standard retry mode (3 attempts, jittered backoff) before muster sees them.
 */
export function createClients(config: AwsPlatformConfig, region: string): AwsClients {
  const common = {
    region,
    retryMode: 'standard',
    maxAttempts: 3,
    // The SDK has no request timeout by default: a subnet without a route to the API would hang.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 15000 },
  };
  const ec2 = new EC2Client({ ...common, ...endpoint(config.endpoints?.ec2) });
  const autoscaling = new AutoScalingClient({ ...common, ...endpoint(config.endpoints?.autoscaling) });
  return {
    ec2,
    autoscaling,
    destroy: () => {
      ec2.destroy();
      autoscaling.destroy();
    },
  };
}

function endpoint(url: string | undefined): { endpoint?: string } {
  return url === undefined ? {} : { endpoint: url };
}

/** Per-request SDK options carrying the caller's abort signal, when there is one. */
export function requestOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}
