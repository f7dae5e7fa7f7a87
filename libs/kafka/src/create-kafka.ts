import { Kafka, logLevel as KafkaLogLevel, type RetryOptions } from 'kafkajs';
import { BROKER_ADDRESS } from '@hitboard/runtime';
import { registerCodecs } from './codecs/register-codecs';
import { installConsumerRecovery } from './consumer-recovery';
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
  /** kafkajs retry policy; default RETRY_THROUGH_LEADER_ELECTION. */
  retry?: RetryOptions;
}

/**
 * Every client's retry policy unless told otherwise: long enough to outlast the loss of one broker, and
 * retrying often enough to notice the new leaders soon. When a broker dies, the KRaft controller fences
 * it after `broker.session.timeout.ms` (9 s by default, 6 s in infra/kafka's cluster) and elects new
 * leaders from the in-sync replicas at once; a producer refreshes its metadata on every retry and gets
 * through on the first retry after that. kafkajs's default (5 retries from 300 ms, doubling: 0.3 + 0.6 +
 * 1.2 + 2.4 + 4.8 = 9.3 s, ±20 % jitter) gave up about when the election ended (issue 29:
 * `KafkaJSNumberOfRetriesExceeded` on a product-sums publish), and its doubling waits left a producer
 * idle up to ~5 s after it (writes acknowledged again 13.6 s after a kill, measured on the cluster).
 * Here the waits double from 250 ms to at most 1 s: 0.25 + 0.5 + 28 × 1 ≈ 29 s (±20 %) before giving
 * up, over three times a default fence plus a controller failover (the dead node may also have been the
 * active controller: a new one is elected within ~2 s), and at most ~1 s between the election and the
 * next attempt. A retry is a metadata request to a live broker: cheap. Callers that must give up sooner
 * (probes) pass their own.
 */
export const RETRY_THROUGH_LEADER_ELECTION: Readonly<RetryOptions> = { initialRetryTime: 250, maxRetryTime: 1000, retries: 30, multiplier: 2, factor: 0.2 };

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
  const { brokers, clientId, logLevel = 'warn', logger, connectionTimeoutMs = 3000, requestTimeoutMs = 30_000, retry = RETRY_THROUGH_LEADER_ELECTION } = options;
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new Error('createKafka: no brokers given; set KAFKA_BROKERS=host:port[,host:port] (local: `npm run kafka start`, then 127.0.0.1:19092)');
  }
  const bad = brokers.filter((b) => !BROKER_ADDRESS.test(b));
  if (bad.length > 0) throw new Error(`createKafka: brokers must be host:port, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  if (!clientId) throw new Error('createKafka: clientId is required (it names this app in broker logs and quotas)');
  const level = LEVELS[logLevel];
  if (level === undefined) throw new Error(`createKafka: logLevel must be one of ${Object.keys(LEVELS).join(', ')}, got ${logLevel}`);

  registerCodecs();
  installConsumerRecovery();
  // kafkajs warns on every producer that its default partitioner changed in v2. That default
  // (murmur2, as Java's) is the one we want: products land on the partitions Java clients pick.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';
  return new Kafka({
    brokers,
    clientId,
    logLevel: level,
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    retry: { ...retry },
    ...(logger ? { logCreator: kafkaLogCreator(logger) } : {}),
  });
}
