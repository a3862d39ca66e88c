import { ACCESS_DENIED_CODES, awsErrorCode, awsFailureMessage, awsHttpStatus, BAD_CREDENTIAL_CODES, CREDENTIALS_HINT, NETWORK_CODES } from '../../../core/aws-sdk-error.js';
import { MusterError, describeError, isMusterError } from '../../../core/errors.js';
import { zoneChanged } from '../../zone-changed.js';

/** Every Route 53 action the provider calls: the IAM policy muster needs grants exactly these. */
export const ROUTE53_IAM_ACTIONS = [
  'route53:ListHostedZonesByName',
  'route53:GetHostedZone',
  'route53:ListResourceRecordSets',
  'route53:ChangeResourceRecordSets',
  'route53:GetChange',
] as const;

/** Route 53 asks callers to back off and try again: not failures of the request itself. */
const TRANSIENT = new Set(['Throttling', 'ThrottlingException', 'PriorRequestNotComplete', 'RequestLimitExceeded']);

/**
 * Turns what the SDK threw into a MusterError that names the API action and says what to do.
 * `retryable` is set exactly for what a later attempt can fix: throttling, a prior change still
 * being processed, Route 53's own 5xx, a network that did not carry the request.
 */
export function route53Error(action: string, error: unknown): Error {
  if (isMusterError(error)) return error;
  // A cancelled sync is not a failure to explain: the caller asked for it.
  if (error instanceof Error && error.name === 'AbortError') return error;
  const messages = invalidChangeBatchMessages(error);
  // The <InvalidChangeBatch> document has no Code: the SDK names such an error "Unknown".
  const code = messages !== undefined && ['', 'Unknown'].includes(awsErrorCode(error)) ? 'InvalidChangeBatch' : awsErrorCode(error);
  const status = awsHttpStatus(error);
  const message = awsFailureMessage(action, code, messages ?? describeError(error));
  const base = { cause: error };

  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) {
    return new MusterError(message, {
      ...base,
      code: 'DNS_ROUTE53_THROTTLED',
      kind: 'unavailable',
      retryable: true,
      hint: TRANSIENT.has(code)
        ? 'Route 53 allows 5 requests per second per account, and one change batch per zone at a time; muster backs off and retries, but other tools calling Route 53 share the limit'
        : 'Route 53 had an internal error; muster retries',
    });
  }
  if (code === 'InvalidChangeBatch' && isZoneChangedBatch(messages ?? (error instanceof Error ? error.message : String(error)))) {
    return zoneChanged(message, {
      cause: error,
      hint:
        'Route 53 refused the whole batch, so nothing in it was applied: the zone changed since muster listed it (another writer, such as a node booting at the same moment), ' +
        'and muster lists it again and plans again. If it keeps happening, a record set muster does not list (an alias, a routing-policy set) is in the way',
    });
  }
  if (code === 'InvalidChangeBatch') {
    return new MusterError(message, {
      ...base,
      code: 'DNS_ROUTE53_INVALID_CHANGE_BATCH',
      kind: 'unavailable',
      hint:
        'Route 53 refused the whole batch, so nothing in it was applied. Usually a record set muster does not list ' +
        '(an alias, a routing-policy set) is in the way of one it writes: remove it, or leave that name out of muster\'s records',
    });
  }
  if (ACCESS_DENIED_CODES.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'DNS_ROUTE53_ACCESS_DENIED',
      kind: 'config',
      hint: `grant muster's IAM role ${action}; the route53 DNS provider needs ${ROUTE53_IAM_ACTIONS.join(', ')} (see the IAM policy in the README)`,
    });
  }
  if (BAD_CREDENTIAL_CODES.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'DNS_ROUTE53_CREDENTIALS',
      kind: 'config',
      hint: CREDENTIALS_HINT,
    });
  }
  if (code === 'NoSuchHostedZone') {
    return new MusterError(message, {
      ...base,
      code: 'DNS_ROUTE53_NO_SUCH_ZONE',
      kind: 'config',
      hint: 'check dns.provider.zone_id (or drop it to find the zone by dns.zone), and that the credentials belong to the account that owns the zone',
    });
  }
  if (NETWORK_CODES.has(code)) {
    return new MusterError(message, {
      ...base,
      code: 'DNS_ROUTE53_UNREACHABLE',
      kind: 'unavailable',
      retryable: true,
      hint: 'the Route 53 API (route53.amazonaws.com) did not answer: instances in private subnets need a NAT gateway or a route53 VPC interface endpoint (or set dns.provider.endpoint)',
    });
  }
  return new MusterError(message, { ...base, code: 'DNS_ROUTE53_ERROR', kind: 'internal', hint: `Route 53 answered ${code || 'an unexpected error'}; see the message above` });
}

/**
 * Whether sending the same request again may help; for retry.ts. Never for a batch refused because
 * the zone changed (zoneChanged() is not retryable): the same batch would be refused again, so the
 * DNS step lists and plans anew.
 */
export function isRetryableRoute53Error(error: unknown): boolean {
  return isMusterError(error) && error.retryable;
}

/**
 * The InvalidChangeBatch problems that mean "the zone is no longer what muster listed": a set to
 * create exists, a set to delete (or replace) is gone or holds other values. Route 53 words them
 * so; any other problem in the batch (a record muster cannot see in the way, a bad value) is not
 * fixed by planning again, and keeps the batch an InvalidChangeBatch error.
 */
const ZONE_CHANGED_PROBLEM = /Tried to (?:create|delete) resource record set \[[^\]]*\] but (?:it already exists|it was not found|the values provided do not match the current values)/g;

function isZoneChangedBatch(text: string): boolean {
  const rest = text.replace(ZONE_CHANGED_PROBLEM, '');
  // What is left is only the list around the problems: "[a, b]" or "a; b".
  return rest !== text && /^[\s[\],;]*$/.test(rest);
}

/**
 * The messages of an InvalidChangeBatch. Route 53 usually sends them as the error's Message; a
 * batch with several problems may come as `<InvalidChangeBatch><Messages>`, which the SDK hands
 * over as an error without a code but with the Messages it parsed.
 */
function invalidChangeBatchMessages(error: unknown): string | undefined {
  const fields = error as { messages?: unknown; Messages?: { Message?: unknown } } | undefined;
  const list = fields?.messages ?? fields?.Messages?.Message;
  const messages = Array.isArray(list) ? list.map(String) : typeof list === 'string' ? [list] : [];
  return messages.length === 0 ? undefined : messages.join('; ');
}
