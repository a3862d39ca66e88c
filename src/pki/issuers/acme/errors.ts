/**
 * acme-client throws plain Errors whose message is the server's problem detail, or, when the
 * connection fails after its retries, a TypeError from inside its axios interceptor. Every call
 * to it goes through acmeCall(), which turns both into a MusterError that says what muster was
 * doing, names the directory, and marks whether a retry may help.
 */
import { MusterError, describeError, type ErrorKind } from '../../../core/errors.js';
import type { Problem, Transport } from './transport.js';

export interface CallContext {
  transport: Transport;
  signal?: AbortSignal;
}

export async function acmeCall<T>(ctx: CallContext, what: string, call: () => Promise<T>): Promise<T> {
  ctx.signal?.throwIfAborted();
  try {
    return await call();
  } catch (error) {
    throw await translate(error, ctx, what);
  }
}

async function translate(error: unknown, ctx: CallContext, what: string): Promise<unknown> {
  if (error instanceof MusterError || ctx.signal?.aborted) return error;
  const { transport } = ctx;
  const message = error instanceof Error ? error.message : String(error);
  const problem = transport.lastProblem();
  if (problem && problem.detail !== '' && message.includes(problem.detail.replace(/\n/g, ''))) return problemError(problem, transport.directory, what, error);
  // Not the server's answer: most likely the connection. Asking the directory again says precisely.
  try {
    await transport.probe(ctx.signal);
  } catch (probeError) {
    return probeError;
  }
  return new MusterError(`ACME ${what} at ${transport.directory} failed: ${describeError(error)}`, {
    code: 'ACME_REQUEST_FAILED',
    kind: 'unavailable',
    retryable: true,
    hint: `the ACME server ${transport.directory} answers its directory, so this was likely a passing network or server problem`,
    cause: error,
  });
}

interface ProblemClass {
  kind: ErrorKind;
  retryable: boolean;
  hint: (directory: string, problem: Problem) => string;
}

const PROBLEMS: Record<string, ProblemClass> = {
  rateLimited: {
    kind: 'unavailable',
    retryable: true,
    hint: (directory, problem) =>
      `the CA at ${directory} limits how often one account may order${problem.retryAfter ? ` and asks to wait (Retry-After: ${problem.retryAfter})` : ''}; test against its staging directory`,
  },
  badNonce: { kind: 'unavailable', retryable: true, hint: (directory) => `${directory} kept rejecting fresh nonces; try again` },
  serverInternal: { kind: 'unavailable', retryable: true, hint: (directory) => `the ACME server ${directory} had an internal error; try again later` },
  externalAccountRequired: {
    kind: 'config',
    retryable: false,
    hint: (directory) => `${directory} requires external account binding: set eab.kid and eab.hmac_key_file from the CA's account page`,
  },
  unauthorized: { kind: 'config', retryable: false, hint: () => 'check eab (kid and HMAC key) and that the account is allowed to order these names' },
  accountDoesNotExist: { kind: 'config', retryable: false, hint: () => 'the account was removed on the CA: delete account_key_file to register a new one' },
  rejectedIdentifier: { kind: 'config', retryable: false, hint: () => 'the CA does not issue for these names or addresses (public CAs refuse private names); use a private CA' },
  unsupportedIdentifier: { kind: 'config', retryable: false, hint: () => 'the CA does not support this kind of identifier (IP addresses need RFC 8738 support)' },
  caa: { kind: 'config', retryable: false, hint: () => 'a CAA record of the domain forbids this CA: add it to the CAA record' },
  badCSR: { kind: 'internal', retryable: false, hint: () => 'the CA refused the node\'s CSR (key type or size, or names that differ from the order)' },
};

function problemError(problem: Problem, directory: string, what: string, cause: unknown): MusterError {
  const known = PROBLEMS[problem.type];
  return new MusterError(`ACME ${what} at ${directory} failed: ${problem.detail} (${problem.type})`, {
    code: `ACME_${problem.type.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
    kind: known?.kind ?? 'unavailable',
    retryable: known?.retryable ?? false,
    hint: known?.hint(directory, problem) ?? `see the CA's documentation of the ${problem.type} error`,
    cause,
  });
}
