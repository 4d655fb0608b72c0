import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level: LevelWithSilent;
  /** Where to write; stdout by default. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/**
 * One JSON line per event on stdout, for the cluster's log collector. Request logs never carry
 * headers, query strings or bodies, so no token can reach them; the redaction below is a second
 * line of defence for fields someone might add later.
 *
 * @example
 * ```ts
 * const logger = createLogger({ service: 'articles', level: 'info' })
 * ```
 */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['authorization', '*.authorization', 'headers', '*.headers', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
