import { ACKS_ALL, createKafka, createProducer } from '../src';
import { createTestTopic, deleteTestTopics, describeKafka, readTopic } from '@hitboard/testkit';

describeKafka('createProducer: the one durable producer of the project', (brokers) => {
  let topic: string;
  beforeAll(async () => (topic = await createTestTopic(brokers, { partitions: 1 })));
  afterAll(() => deleteTestTopics(brokers, [topic]));

  it('is idempotent: a send that does not wait for every in-sync replica is refused, acks=all is written once', async () => {
    // A caller cannot weaken it: the type forbids these, and a cast (or plain JS) still gets the durable settings.
    const weakened = { allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: 5 } as never;
    const producer = createProducer(createKafka({ brokers, clientId: 'durable-producer-test' }), weakened);
    await producer.connect();
    try {
      // kafkajs refuses acks other than all on an idempotent producer: the weaker send never reaches the broker.
      await expect(producer.send({ topic, acks: 1, messages: [{ key: 'k', value: 'weak' }] })).rejects.toThrow(/idempotent/i);
      const [meta] = await producer.send({ topic, acks: ACKS_ALL, messages: [{ key: 'k', value: 'durable' }] });
      expect(meta?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
    const read = await readTopic(brokers, topic, { count: 1 });
    expect(read.map((m) => m.value)).toEqual(['durable']);
  });

});
