import { ACCESS_DENIED_CODES, awsErrorCode, awsFailureMessage, awsHttpStatus, BAD_CREDENTIAL_CODES, CREDENTIALS_HINT, NETWORK_CODES } from '../../core/aws-sdk-error.js';
import { MusterError, describeError } from '../../core/errors.js';

/** Every AWS API action the aws platform calls: the IAM policy muster needs grants exactly these. */
export const REQUIRED_IAM_ACTIONS = [
  'ec2:DescribeInstances',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeAutoScalingGroups',
] as const;

/** EC2 is eventually consistent: an instance launched seconds ago may not be describable yet. */
const NOT_YET_VISIBLE = new Set(['InvalidInstanceID.NotFound']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * Turns what the SDK threw — after its own retries — into a MusterError that names the API
 * action and says what to do. `action` is the IAM spelling, e.g. "ec2:DescribeInstances".
 */
export function awsApiError(action: string, error: unknown): Error {
  // A cancelled discovery is not a failure to explain: the caller asked for it.
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = awsErrorCode(error);
  const status = awsHttpStatus(error);
  const message = `aws: ${awsFailureMessage(action, code, describeError(error))}`;
  const base = { code: 'AWS_API_ERROR', cause: error };

  if (ACCESS_DENIED_CODES.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_ACCESS_DENIED',
      kind: 'config',
      hint: `grant this instance's IAM role ${action}; the aws platform needs ${REQUIRED_IAM_ACTIONS.join(', ')} (Resource "*": these Describe actions take no resource-level permissions)`,
    });
  }
  if (BAD_CREDENTIAL_CODES.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'AWS_CREDENTIALS',
      kind: 'config',
      hint: CREDENTIALS_HINT,
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
  if (NETWORK_CODES.has(code)) {
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
