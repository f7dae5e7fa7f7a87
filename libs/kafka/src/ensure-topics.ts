import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigResourceTypes, type Admin, type ITopicConfig, type Kafka } from 'kafkajs';

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
  /** Existed with a `configEntries` value other than the spec's, and were brought to it. */
  reconfigured: string[];
}

/**
 * The dead-letter topic's settings: compacted on its key (`source partition:offset`). A flush replayed
 * after a crash or a rebalance publishes its DLQ records again; compaction keeps one per source offset.
 */
export const DLQ_TOPIC_CONFIG: readonly { name: string; value: string }[] = [{ name: 'cleanup.policy', value: 'compact' }];

/** The spec of a dead-letter topic (one partition by default, compacted). */
export function dlqTopicSpec(topic: string, numPartitions = 1): TopicSpec {
  return { topic, numPartitions, configEntries: [...DLQ_TOPIC_CONFIG] };
}

/**
 * Makes sure every topic exists with at least its partitions and its `configEntries`: creates the
 * missing ones (waiting for their leaders), grows smaller ones, sets the spec's config values on
 * existing topics that differ (their other settings kept), never deletes or shrinks. Idempotent,
 * and safe to race with another process doing the same.
 *
 * Growing a keyed topic moves keys to other partitions (the partitioner is
 * hash(key) mod partitions), so do it only before data matters.
 */
/**
 * Creates topics and waits until every partition has a leader. kafkajs's own wait
 * (`waitForLeaders`) gives up on the first "does not host this topic-partition", which a broker
 * answers while the new topic's metadata is still reaching it (seen under load); this waits that out.
 */
export async function createTopicsWithLeaders(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, timeout: timeoutMs, topics });
  const deadline = performance.now() + timeoutMs;
  const led = async () => {
    const { topics: found } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
    return topics.every((t) => {
      const partitions = found.find((f) => f.name === t.topic)?.partitions ?? [];
      return partitions.length === (t.numPartitions ?? 1) && partitions.every((p) => p.leader >= 0);
    });
  };
  while (!(await led().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`topics ${topics.map((t) => t.topic).join(', ')}: no leader for every partition within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], { timeoutMs = 30_000 } = {}): Promise<EnsureTopicsResult> {
  const result: EnsureTopicsResult = { created: [], grown: [], unchanged: [], larger: [], reconfigured: [] };
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
      await createTopicsWithLeaders(
        admin,
        missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          ...(s.configEntries ? { configEntries: s.configEntries } : {}),
        })),
        timeoutMs,
      );
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
    result.reconfigured = await alignConfigs(admin, present.filter((s) => (s.configEntries?.length ?? 0) > 0));
    return result;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sets each spec's config values on its existing topic where they differ. Kafka's AlterConfigs (what
 * kafkajs speaks) replaces a topic's whole dynamic config, so the topic's other overrides are read
 * first and sent along: only the spec's entries change.
 */
async function alignConfigs(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  if (specs.length === 0) return [];
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic })),
  });
  const byTopic = new Map(described.resources.map((r) => [r.resourceName, r.configEntries]));
  const changes: { type: ConfigResourceTypes; name: string; configEntries: { name: string; value: string }[] }[] = [];
  for (const s of specs) {
    const current = byTopic.get(s.topic) ?? [];
    const differs = (s.configEntries ?? []).some((want) => current.find((c) => c.configName === want.name)?.configValue !== want.value);
    if (!differs) continue;
    // Overrides set on the topic (not defaults, not read-only broker values) are kept.
    const kept = current.filter((c) => !c.isDefault && !c.readOnly && !c.isSensitive && !(s.configEntries ?? []).some((w) => w.name === c.configName));
    changes.push({
      type: ConfigResourceTypes.TOPIC,
      name: s.topic,
      configEntries: [...kept.map((c) => ({ name: c.configName, value: c.configValue })), ...(s.configEntries ?? [])],
    });
  }
  if (changes.length > 0) await admin.alterConfigs({ validateOnly: false, resources: changes });
  return changes.map((c) => c.name);
}
