import pino, { type Logger } from 'pino';
import { clock } from './clock';

export type { Logger };

/** Structured JSON logs on stdout, one logger per app, child loggers per component. */
export function createLogger(app: string, level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name: app, level, base: { app, pid: process.pid }, timestamp: () => `,"time":"${clock.date().toISOString()}"` });
}
