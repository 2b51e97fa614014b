import pino, { type Logger } from 'pino';

/**
 * The sidecar's own log (startup, flag transitions, store problems): JSON lines on stderr,
 * so stdout stays the access log. Never pass request bodies or headers to it.
 */
export function createAppLog(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.SLOPROBE_LOG_LEVEL ?? 'info',
      base: { name: 'sloprobe' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

export type AppLog = Logger;
