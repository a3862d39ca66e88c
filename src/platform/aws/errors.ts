import { MusterError, describeError } from '../../core/errors.js';

/** Every AWS API action the aws platform calls: the IAM policy muster needs grants exactly these. */
export const REQUIRED_IAM_ACTIONS = [
  'ec2:DescribeInstances',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeAutoScalingGroups',
] as const;

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set([
  'AuthFailure',
  'CredentialsProviderError',
  'ExpiredToken',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);
/** EC2 is eventually consistent: an instance launched seconds ago may not be describable yet. */
const NOT_YET_VISIBLE = new Set(['InvalidInstanceID.NotFound']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']);
/** Node's codes for a network that does not carry the request at all. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'TimeoutError']);

/**
 * Turns what the SDK threw — after its own retries — into a MusterError that names the API
 * action and says what to do. `action` is the IAM spelling, e.g. "ec2:DescribeInstances".
 */
export function awsApiError(action: string, error: unknown): Error {
  // A cancelled discovery is not a failure to explain: the caller asked for it.
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = errorCode(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const detail = describeError(error);
  const message = `aws: ${action} failed: ${code === '' || detail.includes(code) ? detail : `${code}: ${detail}`}`;
  const base = { code: 'AWS_API_ERROR', cause: error };

  if (ACCESS_DENIED.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_ACCESS_DENIED',
      kind: 'config',
      hint: `grant this instance's IAM role ${action}; the aws platform needs ${REQUIRED_IAM_ACTIONS.join(', ')} (Resource "*": these Describe actions take no resource-level permissions)`,
    });
  }
  if (BAD_CREDENTIALS.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_CREDENTIALS',
      kind: 'config',
      hint: 'muster uses the standard AWS credential chain: attach an IAM instance profile to the instance (or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE), and check the clock is right',
    });
  }
  if (NOT_YET_VISIBLE.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_NOT_YET_VISIBLE',
      kind: 'unavailable',
      retryable: true,
      hint: 'EC2 is eventually consistent: a new instance can take a few seconds to appear; muster retries',
    });
  }
  if (THROTTLED.has(code) || (status !== undefined && status >= 500)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_THROTTLED',
      kind: 'unavailable',
      retryable: true,
      hint: THROTTLED.has(code)
        ? 'the AWS API is throttling this account even after the SDK backed off; muster retries, but other tools calling the same API share the limit'
        : 'the AWS API had an internal error; muster retries',
    });
  }
  if (NETWORK.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_UNREACHABLE',
      kind: 'unavailable',
      retryable: true,
      hint: 'the AWS API endpoint did not answer: instances in private subnets need a NAT gateway or VPC interface endpoints for ec2 and autoscaling (or set platform.endpoints)',
    });
  }
  return new MusterError(message, { ...base, kind: 'internal', hint: `AWS answered ${code || 'an unexpected error'}; see the message above` });
}

/** The AWS error code (the SDK puts it in `name`), or Node's code for network errors. */
function errorCode(error: unknown): string {
  if (!(error instanceof Error)) return '';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  return error.name === 'Error' ? '' : error.name;
}
