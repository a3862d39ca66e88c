/**
 * The one error type muster raises on purpose. `message` says what happened, `hint` what to do
 * about it; `retryable` marks errors a caller may retry (timeouts, throttling, a peer that is
 * still starting). The CLI maps `kind` to the exit code.
 */
export type ErrorKind =
  | 'config' // the user's config or flags are wrong
  | 'usage' // the command line is wrong
  | 'unavailable' // a peer, API or server did not answer in time
  | 'unsafe' // muster refused because going on could lose data or split a cluster
  | 'missing-dependency' // a program muster needs is not installed
  | 'internal';

export const EXIT_CODES: Record<ErrorKind, number> = {
  internal: 1,
  config: 2,
  usage: 64,
  unavailable: 69,
  'missing-dependency': 72,
  unsafe: 75,
};

export interface MusterErrorOptions {
  code: string;
  kind?: ErrorKind;
  hint?: string;
  retryable?: boolean;
  cause?: unknown;
  /** Lines shown under the message, e.g. every config problem. */
  details?: readonly string[];
}

export class MusterError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly details: readonly string[];

  constructor(message: string, options: MusterErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MusterError';
    this.code = options.code;
    this.kind = options.kind ?? 'internal';
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
  }
}

export function isMusterError(error: unknown): error is MusterError {
  return error instanceof MusterError;
}

/** A short, single-line description of any thrown value, safe for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
