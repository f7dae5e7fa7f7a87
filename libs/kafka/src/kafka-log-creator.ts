import { logLevel, type logCreator } from 'kafkajs';
import { errorCodes } from 'kafkajs/src/protocol/error';

/** The part of a pino logger (or anything shaped like one) that kafkajs logs go to. */
export interface LevelLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/**
 * Protocol errors a broker answers while it, a coordinator or a partition leader is starting or moving
 * (a fresh broker loads `__consumer_offsets` and `__transaction_state`; a restart moves leaders). kafkajs
 * logs each such answer at ERROR and then retries it: normal, not a failure, so they are logged at warn (still
 * in the app's log). A retry that runs out ends in another entry ("Crash: …", "Failed to send …"), still an error.
 * The messages are kafkajs's own (its protocol error table), matched by code type.
 */
const STARTING_OR_MOVING = new Set(['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_CONTROLLER']);
const RETRY_MESSAGES = new Set(errorCodes.filter((e) => e.retriable && STARTING_OR_MOVING.has(e.type)).map((e) => e.message));

/** Whether an ERROR entry is only kafkajs reporting one of those answers (as its `error` field, or as the whole message). */
function isStartupRetry(message: unknown, fields: Record<string, unknown>): boolean {
  return RETRY_MESSAGES.has(String(fields['error'] ?? message));
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
          if (isStartupRetry(message, fields)) logger.warn(entry, message);
          else logger.error(entry, message);
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
