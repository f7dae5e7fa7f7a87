import { logLevel, type logCreator } from 'kafkajs';

/** The part of a pino logger (or anything shaped like one) that kafkajs logs go to. */
export interface LevelLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/**
 * A kafkajs `logCreator` that forwards to a pino-style logger: the message stays the
 * message, kafkajs's namespace (Consumer, Connection, …) and extra fields become fields.
 * kafkajs has already filtered by the client's `logLevel` before an entry gets here.
 */
export function kafkaLogCreator(logger: LevelLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const entry = { kafkajs: namespace, ...fields };
      switch (level) {
        case logLevel.ERROR:
          logger.error(entry, message);
          break;
        case logLevel.WARN:
          logger.warn(entry, message);
          break;
        case logLevel.INFO:
          logger.info(entry, message);
          break;
        case logLevel.DEBUG:
          logger.debug(entry, message);
          break;
        default:
          break;
      }
    };
}
