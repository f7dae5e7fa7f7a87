import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Default 1: the local and compose brokers are single-node. */
  replicationFactor?: number;
  configEntries?: { name: string; value: string }[];
}

export interface EnsureTopicsResult {
  /** Were missing and now exist (made by this call, or by a concurrent one that won the race). */
  created: string[];
  /** Existed with fewer partitions and were grown to the spec. */
  grown: string[];
  unchanged: string[];
  /** Existed with more partitions than asked: left alone (Kafka cannot shrink a topic). */
  larger: string[];
}

/**
 * Makes sure every topic exists with at least its partitions: creates the missing ones
 * (waiting for their leaders), grows smaller ones, never deletes or shrinks. Idempotent,
 * and safe to race with another process doing the same.
 *
 * Growing a keyed topic moves keys to other partitions (the partitioner is
 * hash(key) mod partitions), so do it only before data matters.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], { timeoutMs = 30_000 } = {}): Promise<EnsureTopicsResult> {
  const result: EnsureTopicsResult = { created: [], grown: [], unchanged: [], larger: [] };
  if (specs.length === 0) return result;
  for (const s of specs) {
    if (!Number.isInteger(s.numPartitions) || s.numPartitions < 1) {
      throw new Error(`ensureTopics: ${s.topic}: numPartitions must be a positive integer, got ${s.numPartitions}`);
    }
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: timeoutMs,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          ...(s.configEntries ? { configEntries: s.configEntries } : {}),
        })),
      });
    }
    result.created = missing.map((s) => s.topic);
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length === 0) return result;

    const { topics } = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
    const counts = new Map(topics.map((t) => [t.name, t.partitions.length]));
    const grow: { topic: string; count: number }[] = [];
    for (const s of present) {
      const current = counts.get(s.topic) ?? 0;
      if (current < s.numPartitions) grow.push({ topic: s.topic, count: s.numPartitions });
      else if (current > s.numPartitions) result.larger.push(s.topic);
      else result.unchanged.push(s.topic);
    }
    if (grow.length > 0) {
      await admin.createPartitions({ topicPartitions: grow, timeout: timeoutMs });
      result.grown = grow.map((g) => g.topic);
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}
