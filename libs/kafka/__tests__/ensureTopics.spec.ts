import { createKafka, ensureTopics } from '../src';
import { deleteTestTopics, describeKafka, uniqueTopic } from '@hitboard/testkit';

describeKafka('ensureTopics on a real broker', (brokers) => {
  const a = uniqueTopic('ensure-a');
  const b = uniqueTopic('ensure-b');
  afterAll(() => deleteTestTopics(brokers, [a, b]));

  it('creates missing topics, leaves matching ones, grows smaller ones, never shrinks', async () => {
    const kafka = createKafka({ brokers, clientId: 'ensure-topics-test' });
    expect(await ensureTopics(kafka, [{ topic: a, numPartitions: 2 }, { topic: b, numPartitions: 3 }])).toEqual({
      created: [a, b],
      grown: [],
      unchanged: [],
      larger: [],
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

  it('rejects a spec without a positive partition count', async () => {
    const kafka = createKafka({ brokers, clientId: 'ensure-topics-test' });
    await expect(ensureTopics(kafka, [{ topic: a, numPartitions: 0 }])).rejects.toThrow(/numPartitions/);
  });
});
