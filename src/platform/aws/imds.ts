import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { MusterError } from '../../core/errors.js';

/** What the instance metadata service says about the instance muster runs on. */
export interface InstanceIdentity {
  instanceId: string;
  /** The primary private IPv4 address: what peers reach this node on. */
  ip: string;
  /** Undefined when not asked for (the config names the region). */
  region: string | undefined;
}

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';

/**
 * Reads this instance's id, address and (unless the config names it) region over IMDSv2. IMDSv1
 * fallback is switched off: instances launched with HttpTokens=required refuse it anyway, and a
 * token-less answer would come from something that is not a real metadata service.
 */
export async function readInstanceIdentity(endpoint: string | undefined, needRegion: boolean): Promise<InstanceIdentity> {
  const base = endpoint ?? DEFAULT_IMDS_ENDPOINT;
  const service = new MetadataService({
    // The SDK appends the path to the endpoint's own path ("/"), so paths below have no leading slash.
    endpoint: new URL(base).origin,
    ec2MetadataV1Disabled: true,
    // Off EC2, 169.254.169.254 usually swallows packets: without a timeout the SDK would wait forever.
    httpOptions: { timeout: 2000 },
    // A couple of quick retries for a busy metadata service; longer outages are the caller's to retry.
    retries: 2,
    backoff: 0.25,
  });
  const read = async (path: string): Promise<string> => {
    try {
      return (await service.request(`latest/meta-data/${path}`, { headers: {} })).trim();
    } catch (error) {
      throw imdsUnavailable(base, path, error);
    }
  };
  const [instanceId, ip, region] = await Promise.all([read('instance-id'), read('local-ipv4'), needRegion ? read('placement/region') : undefined]);
  return { instanceId, ip, region };
}

function imdsUnavailable(endpoint: string, path: string, cause: unknown): MusterError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MusterError(`aws: the instance metadata service at ${endpoint} did not answer ${path}: ${detail}`, {
    code: 'AWS_IMDS_UNAVAILABLE',
    kind: 'unavailable',
    retryable: true,
    cause,
    hint:
      'the aws platform must run on an EC2 instance with the metadata service enabled (IMDSv2; in a container, ' +
      'set the instance\'s HttpPutResponseHopLimit to 2). Elsewhere, point platform.endpoints.imds at a metadata service',
  });
}
