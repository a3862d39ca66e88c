import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs go to stderr as JSON lines (journald and log shippers read them as they are);
 * stdout is kept for what the user asked for: a plan, a status, a schema.
 * Keys that may carry secrets are redacted wherever they appear.
 */
export function createLogger(options: { level?: string; destination?: number } = {}): Logger {
  return pino(
    {
      name: 'muster',
      level: options.level ?? process.env['MUSTER_LOG_LEVEL'] ?? 'info',
      base: { pid: process.pid },
      redact: {
        paths: ['*.secret', '*.password', '*.token', '*.privateKey', '*.private_key', '*.*.secret', '*.*.token'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: options.destination ?? 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
