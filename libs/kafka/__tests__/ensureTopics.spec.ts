import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { createKafka, dlqTopicSpec, ensureTopics } from '../src';
import { deleteTestTopics, describeKafka, uniqueTopic } from '@hitboard/testkit';

describeKafka('ensureTopics on a real broker', (brokers) => {
  const a = uniqueTopic('ensure-a');
  const b = uniqueTopic('ensure-b');
  const dlqNew = uniqueTopic('ensure-dlq-new');
  const dlqOld = uniqueTopic('ensure-dlq-old');
  afterAll(() => deleteTestTopics(brokers, [a, b, dlqNew, dlqOld]));

  it('creates missing topics, leaves matching ones, grows smaller ones, never shrinks', async () => {
    const kafka = createKafka({ brokers, clientId: 'ensure-topics-test' });
    expect(await ensureTopics(kafka, [{ topic: a, numPartitions: 2 }, { topic: b, numPartitions: 3 }])).toEqual({
      created: [a, b],
      grown: [],
      unchanged: [],
      larger: [],
      reconfigured: [],
    });
    // Idempotent, including when two callers race.
    const [r1, r2] = await Promise.all([
      ensureTopics(kafka, [{ topic: a, numPartitions: 2 }]),
      ensureTopics(kafka, [{ topic: a, numPartitions: 2 }]),
    ]);
    expect(r1.unchanged).toEqual([a]);
    expect(r2.unchanged).toEqual([a]);

    expect(await ensureTopics(kafka, [{ topic: a, numPartitions: 4 }, { topic: b, numPartitions: 1 }])).toEqual({
      created: [],
      grown: [a],
      unchanged: [],
      larger: [b],
      reconfigured: [],
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [a, b] });
      expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({ [a]: 4, [b]: 3 });
    } finally {
      await admin.disconnect();
    }
  });

  it('creates the DLQ compacted, and brings an existing one to compaction keeping its other settings', async () => {
    const kafka = createKafka({ brokers, clientId: 'ensure-topics-test' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // An "old" DLQ: created before the policy, delete-only, with its own retention.
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: dlqOld, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
      });
      expect(await topicConfig(kafka, dlqOld, 'cleanup.policy')).toBe('delete');
      const result = await ensureTopics(kafka, [dlqTopicSpec(dlqNew), dlqTopicSpec(dlqOld)]);
      expect(result.created).toEqual([dlqNew]);
      expect(result.reconfigured).toEqual([dlqOld]);
      expect(await topicConfig(kafka, dlqNew, 'cleanup.policy')).toBe('compact');
      expect(await topicConfig(kafka, dlqOld, 'cleanup.policy')).toBe('compact');
      expect(await topicConfig(kafka, dlqOld, 'retention.ms')).toBe('86400000');
      // Idempotent: nothing left to change.
      expect((await ensureTopics(kafka, [dlqTopicSpec(dlqOld)])).reconfigured).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('rejects a spec without a positive partition count', async () => {
    const kafka = createKafka({ brokers, clientId: 'ensure-topics-test' });
    await expect(ensureTopics(kafka, [{ topic: a, numPartitions: 0 }])).rejects.toThrow(/numPartitions/);
  });
});

async function topicConfig(kafka: Kafka, topic: string, name: string): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }] });
    return resources[0]?.configEntries.find((c) => c.configName === name)?.configValue;
  } finally {
    await admin.disconnect();
  }
}
