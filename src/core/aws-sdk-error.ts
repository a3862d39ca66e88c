/**
 * What every AWS SDK v3 failure has in common, whichever service threw it: its error code, its
 * HTTP status, and the families of codes that mean the same thing to an operator. Each caller
 * (the aws platform, the route53 DNS provider) turns these into its own errors and hints.
 */

/** The caller's identity is known but may not do this. */
export const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'NotAuthorizedException']);

/** No usable identity: missing, expired or wrongly signed credentials (a skewed clock signs wrongly). */
export const BAD_CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'AuthFailure',
  'CredentialsProviderError',
  'ExpiredToken',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

/** Node's codes for a network that does not carry the request at all. */
export const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'TimeoutError']);

export const CREDENTIALS_HINT =
  'muster uses the standard AWS credential chain: attach an IAM instance profile to the instance (or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE), and check the clock is right';

/** The AWS error code (the SDK puts it in `name`), or Node's code for network errors. */
export function awsErrorCode(error: unknown): string {
  if (!(error instanceof Error)) return '';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  return error.name === 'Error' ? '' : error.name;
}

export function awsHttpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** "<action> failed: <code>: <detail>", without repeating a code the detail already names. */
export function awsFailureMessage(action: string, code: string, detail: string): string {
  return `${action} failed: ${code === '' || detail.includes(code) ? detail : `${code}: ${detail}`}`;
}
