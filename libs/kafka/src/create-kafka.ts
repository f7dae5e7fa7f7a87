import { Kafka, logLevel as KafkaLogLevel, type RetryOptions } from 'kafkajs';
import { BROKER_ADDRESS } from '@hitboard/runtime';
import { registerCodecs } from './codecs/register-codecs';
import { kafkaLogCreator, type LevelLogger } from './kafka-log-creator';

export type KafkaLogLevelName = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface CreateKafkaOptions {
  /** Bootstrap brokers as host:port, e.g. from KAFKA_BROKERS split on commas. */
  brokers: string[];
  clientId: string;
  /** kafkajs log level; default 'warn' (kafkajs's own default, 'info', logs every group join). */
  logLevel?: KafkaLogLevelName;
  /** Where kafkajs logs go; default kafkajs's console logger. */
  logger?: LevelLogger;
  /** TCP connect timeout; default 3000 ms (kafkajs: 1000, too tight for a broker that is starting). */
  connectionTimeoutMs?: number;
  /** Per-request timeout; default 30000 ms. */
  requestTimeoutMs?: number;
  /** kafkajs retry policy; default kafkajs's (5 retries, exponential from 300 ms). */
  retry?: RetryOptions;
}

const LEVELS: Record<KafkaLogLevelName, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

/**
 * A kafkajs client with every compression codec Kafka producers use installed (gzip,
 * snappy, lz4, zstd-decode; see registerCodecs), so consumers read batches from any
 * producer. Fails fast on an empty or malformed broker list.
 */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const { brokers, clientId, logLevel = 'warn', logger, connectionTimeoutMs = 3000, requestTimeoutMs = 30_000, retry } = options;
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new Error('createKafka: no brokers given; set KAFKA_BROKERS=host:port[,host:port] (local: `npm run kafka start`, then 127.0.0.1:19092)');
  }
  const bad = brokers.filter((b) => !BROKER_ADDRESS.test(b));
  if (bad.length > 0) throw new Error(`createKafka: brokers must be host:port, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  if (!clientId) throw new Error('createKafka: clientId is required (it names this app in broker logs and quotas)');
  const level = LEVELS[logLevel];
  if (level === undefined) throw new Error(`createKafka: logLevel must be one of ${Object.keys(LEVELS).join(', ')}, got ${logLevel}`);

  registerCodecs();
  // kafkajs warns on every producer that its default partitioner changed in v2. That default
  // (murmur2, as Java's) is the one we want: products land on the partitions Java clients pick.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  return new Kafka({
    brokers,
    clientId,
    logLevel: level,
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    ...(retry ? { retry } : {}),
    ...(logger ? { logCreator: kafkaLogCreator(logger) } : {}),
  });
}
