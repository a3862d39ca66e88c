import { CommanderError } from 'commander';
import { EXIT_CODES, isMusterError } from '../core/errors.js';

/** Prints an error the way an operator reads it: what happened, the details, what to do. */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) return commanderExitCode(error);
  if (isMusterError(error)) {
    const lines = [`muster: ${error.message}`, ...error.details.map(renderDetail)];
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

/**
 * commander has already printed its message (and the "--help" hint) when it throws. --help and
 * --version end with 0; everything else it throws for (unknown option or command, missing or
 * invalid argument, no command at all) is a usage error.
 */
export function commanderExitCode(error: CommanderError): number {
  return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
}

/** A detail as a list item; its further lines (a YAML code frame) indented under its text, as they are. */
function renderDetail(detail: string): string {
  const [first = '', ...rest] = detail.split('\n');
  return [`  - ${first}`, ...rest.map((line) => (line === '' ? '' : `    ${line}`))].join('\n');
}
