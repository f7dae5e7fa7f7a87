import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createProducer } from '@hitboard/kafka';
import { createTestTopic, deleteTestTopics, describeKafka, readTopic, topicMessageCount } from '../src/kafka';

/**
 * Kafka's default partitioner: murmur2 of the key bytes, made positive, mod partitions
 * (Java: org.apache.kafka.common.utils.Utils.murmur2 / toPositive). Written out here so the
 * test checks kafkajs against the algorithm, not against itself.
 */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail: Java's switch falls through 3 → 2 → 1.
  const tail = data.length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}
const kafkaPartition = (key: string, partitions: number): number => (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;

describe('murmur2 (test helper)', () => {
  // Values from Kafka's own UtilsTest.testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%s) = %i, as in Kafka', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });
});

describeKafka('kafkajs round trip through a real broker', (brokers) => {
  const PARTITIONS = 6;
  const PRODUCTS = 40;
  let topic: string;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    topic = await createTestTopic(brokers, { partitions: PARTITIONS, prefix: 'roundtrip' });
    kafka = new Kafka({ brokers, clientId: 'testkit-roundtrip', logLevel: logLevel.WARN });
    // The project's producer (idempotent): a plain one re-sends a whole request when one partition's leader
    // is not ready yet (a new topic, in CI), and what it had written arrives twice (698 read of 500).
    producer = createProducer(kafka);
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await deleteTestTopics(brokers, [topic]);
  });

  it('consumes back exactly what was produced, each product on one stable partition (murmur2)', async () => {
    const send = async (round: number) => {
      const messages = Array.from({ length: 250 }, (_, i) => ({
        key: `product-${i % PRODUCTS}`,
        value: JSON.stringify({ round, seq: round * 1000 + i }),
      }));
      const acks = await producer.send({ topic, acks: -1, messages });
      return acks;
    };
    await send(1);
    await send(2);

    expect(await topicMessageCount(brokers, topic)).toBe(500);
    const read = await readTopic(brokers, topic, { count: 500 });

    // Exact: every message once, nothing else.
    const seqs = read.map((m) => (JSON.parse(m.value!) as { seq: number }).seq).sort((a, b) => a - b);
    const expected = [1, 2].flatMap((round) => Array.from({ length: 250 }, (_, i) => round * 1000 + i));
    expect(seqs).toEqual(expected);

    // Partition by key: one partition per product across both sends, and it is murmur2's.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of read) {
      const set = partitionsByKey.get(m.key!) ?? new Set<number>();
      set.add(m.partition);
      partitionsByKey.set(m.key!, set);
    }
    expect(partitionsByKey.size).toBe(PRODUCTS);
    for (const [key, partitions] of partitionsByKey) {
      expect({ key, partitions: [...partitions] }).toEqual({ key, partitions: [kafkaPartition(key, PARTITIONS)] });
    }
    // The keys spread over the shards (40 keys over 6 partitions: all get some).
    expect(new Set(read.map((m) => m.partition)).size).toBe(PARTITIONS);

    // Within a product, order is the produce order (what per-partition ordering promises).
    const lastSeqByKey = new Map<string, number>();
    for (const m of read) {
      const seq = (JSON.parse(m.value!) as { seq: number }).seq;
      expect(seq).toBeGreaterThan(lastSeqByKey.get(m.key!) ?? -1);
      lastSeqByKey.set(m.key!, seq);
    }
  });
});
