import { clock } from '@hitboard/runtime';
/**
 * The test kit's Kafka: tests run against a real broker when one is configured, skip loudly
 * when none is (a developer without Java), and fail when one is required (CI).
 *
 * ```ts
 * describeKafka('aggregator flushes', (brokers) => {
 *   let topic: string;
 *   beforeAll(async () => (topic = await createTestTopic(brokers, { partitions: 6 })));
 *   afterAll(() => deleteTestTopics(brokers, [topic]));
 *   it('…', async () => { … const messages = await readTopic(brokers, topic, { count: 10 }); … });
 * });
 * ```
 *
 * Broker: `KAFKA_BROKERS` (comma-separated host:port). `npm test` starts the local broker
 * (infra/kafka/kafka.sh) and sets it; by hand: `npm run kafka start` and
 * `export KAFKA_BROKERS=127.0.0.1:19092`.
 *
 * Topics: every test makes its own (uniqueTopic / createTestTopic), so test files can run
 * in parallel against one broker and reruns never see old data.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { parseBrokers } from '@hitboard/runtime';
import { createTopicsWithLeaders } from '@hitboard/kafka';

/** The configured brokers (KAFKA_BROKERS, comma-separated), or undefined when none is. */
export function kafkaBrokers(): string[] | undefined {
  const brokers = parseBrokers(process.env.KAFKA_BROKERS);
  return brokers.length > 0 ? brokers : undefined;
}

const isSet = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

/** Whether a missing broker is a failure (CI or KAFKA_REQUIRED set) rather than a skip. */
export function kafkaRequired(): boolean {
  return isSet(process.env.CI) || isSet(process.env.KAFKA_REQUIRED);
}

export const KAFKA_SKIP_MESSAGE = 'KAFKA TESTS SKIPPED: no broker; run `npm run kafka start` or set KAFKA_BROKERS';

function banner(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '!'.repeat(width);
  return ['', bar, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), bar, ''].join('\n');
}

/**
 * `describe` for tests that need a real broker; `fn` gets the broker list.
 * No broker: under CI / KAFKA_REQUIRED the suite fails with a test that says why; otherwise
 * it is skipped with a banner (jest then reports its tests as skipped, and `fn` gets []).
 */
export function describeKafka(name: string, fn: (brokers: string[]) => void): void {
  const brokers = kafkaBrokers();
  if (brokers) {
    describe(name, () => fn(brokers));
    return;
  }
  if (kafkaRequired()) {
    describe(name, () => {
      it('has a Kafka broker to run against', () => {
        throw new Error(
          `No Kafka broker, and one is required (CI=${process.env.CI ?? ''}, KAFKA_REQUIRED=${process.env.KAFKA_REQUIRED ?? ''}): ` +
            'set KAFKA_BROKERS=host:port, or run through `npm test`, which starts infra/kafka/kafka.sh.',
        );
      });
    });
    return;
  }
  console.warn(banner([KAFKA_SKIP_MESSAGE, `suite: ${name}`]));
  describe.skip(name, () => fn([]));
}

/** A topic name no other test or run uses: `<prefix>.<time>-<random>` (Kafka allows [A-Za-z0-9._-]). */
export function uniqueTopic(prefix = 'test'): string {
  const safe = prefix.replace(/[^A-Za-z0-9._-]/g, '-');
  return `${safe}.${clock.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function testClient(brokers: string[]): Kafka {
  return new Kafka({ brokers, clientId: 'hitboard-testkit', logLevel: logLevel.WARN, connectionTimeout: 3000 });
}

export interface TestTopicOptions {
  /** Default 6, like the application topics. */
  partitions?: number;
  prefix?: string;
  /** This exact name instead of a unique one made from `prefix` (a bench's topics named after its run). */
  name?: string;
  configEntries?: { name: string; value: string }[];
}

/** Creates a fresh topic (waiting for its partition leaders) and returns its name. */
export async function createTestTopic(brokers: string[], options: TestTopicOptions = {}): Promise<string> {
  const { partitions = 6, prefix = 'test', configEntries } = options;
  const topic = options.name ?? uniqueTopic(prefix);
  const admin = testClient(brokers).admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: partitions, replicationFactor: 1, ...(configEntries ? { configEntries } : {}) }]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Deletes test topics (ignores ones already gone); call from afterAll so the broker stays small. */
export async function deleteTestTopics(brokers: string[], topics: (string | undefined)[]): Promise<void> {
  const names = topics.filter((t): t is string => typeof t === 'string');
  if (names.length === 0) return;
  const admin = testClient(brokers).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = names.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes every topic whose name starts with one of `prefixes` (a run's topics and what a Kafka Streams app made of them). */
export async function deleteTopicsStartingWith(brokers: string[], prefixes: string[]): Promise<void> {
  const admin = testClient(brokers).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Sum over partitions of (high watermark − low watermark): how many records the topic holds. */
export async function topicMessageCount(brokers: string[], topic: string): Promise<number> {
  const admin = testClient(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: IHeaders;
}

export interface ReadTopicOptions {
  /** Stop once this many messages arrived. */
  count: number;
  /** Give up (throwing, with what did arrive) after this long; default 30000 ms. */
  timeoutMs?: number;
  /** Read with this client (e.g. one from @hitboard/kafka's createKafka); default a plain kafkajs client. */
  kafka?: Kafka;
}

/**
 * Reads a topic from the beginning with a throwaway consumer group until `count` messages
 * arrived; returns them in arrival order (ordered within each partition).
 */
export async function readTopic(brokers: string[], topic: string, options: ReadTopicOptions): Promise<ReadMessage[]> {
  const { count, timeoutMs = 30_000 } = options;
  const kafka = options.kafka ?? testClient(brokers);
  const consumer = kafka.consumer({ groupId: uniqueTopic('testkit-reader'), maxWaitTimeInMs: 200 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolveRead, rejectRead) => {
      const timer = setTimeout(
        () => rejectRead(new Error(`readTopic(${topic}): ${messages.length} of ${count} messages after ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            messages.push({
              partition,
              offset: message.offset,
              key: message.key?.toString('utf8') ?? null,
              value: message.value?.toString('utf8') ?? null,
              headers: message.headers ?? {},
            });
            if (messages.length >= count) {
              clearTimeout(timer);
              resolveRead();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          rejectRead(err);
        });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        clearTimeout(timer);
        rejectRead(payload.error);
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
