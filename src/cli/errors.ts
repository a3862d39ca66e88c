import { EXIT_CODES, isMusterError } from '../core/errors.js';

/** Prints an error the way an operator reads it: what happened, the details, what to do. */
export function reportError(error: unknown, debug: boolean): number {
  if (isMusterError(error)) {
    const lines = [`muster: ${error.message}`, ...error.details.map((detail) => `  - ${detail}`)];
    if (error.hint) lines.push(`hint: ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    if (debug && error.cause instanceof Error && error.cause.stack) lines.push(`caused by: ${error.cause.stack}`);
    process.stderr.write(`${lines.join('\n')}\n`);
    return EXIT_CODES[error.kind];
  }
  const text = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`muster: unexpected error: ${text}\n${debug ? '' : 'hint: run again with --debug for the stack trace, and report it\n'}`);
  return EXIT_CODES.internal;
}
