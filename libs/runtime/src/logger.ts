import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout, one logger per app, child loggers per component. */
export function createLogger(app: string, level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name: app, level, base: { app, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
