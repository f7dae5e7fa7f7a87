import { CompressionTypes, ConfigResourceTypes } from 'kafkajs';
import { javaProduce } from '@hitboard/kafka-broker';
import { bad, brokers, describeKafka, dlqKeys, expectLakeMatches, goodEvents, produce, readTopic, saleEvent, waitForLedgerCaughtUp, withScenario, type Produced } from './support/harness';

/**
 * Poison input never crashes or blocks a partition: each bad message lands in the DLQ once (as a
 * distinct source offset, with its reason), and batches compressed by other producers with gzip,
 * snappy, lz4 (kafkajs) and zstd (Kafka's Java producer) are counted like any other.
 */
describeKafka('poison input goes to the DLQ, compressed batches are consumed', () => {
  it('keeps the lake exact and the DLQ holding exactly the bad ones', async () => {
    await withScenario('poison', 3, async (s, aggregators) => {
      const badOnes: Array<[Produced, string]> = [
        [bad('bad-1', '{"event_id": "e-1",'), 'invalid_json'],
        [bad('bad-2', JSON.stringify({ ...saleEvent(), quantity: '2' })), 'wrong_type'],
        [bad('bad-3', JSON.stringify({ ...saleEvent(), pad: 'x'.repeat(200_000) })), 'oversized'],
        [bad('bad-4', JSON.stringify({ ...saleEvent(), currency: 'XYZ' })), 'unknown_currency'],
        [bad('bad-5', null), 'invalid_json'],
        [bad('bad-6', '[1,2,3]'), 'not_an_object'],
        [bad('bad-7', Buffer.from([0xff, 0xfe, 0x00, 0x01])), 'invalid_json'],
        [bad('bad-8', JSON.stringify({ ...saleEvent(), occurred_at: '2999-01-01T00:00:00Z' })), 'future_timestamp'],
      ];
      const plain = goodEvents(200);
      const gzip = goodEvents(200);
      const snappy = goodEvents(200);
      const lz4 = goodEvents(200);
      const zstd = goodEvents(200);
      const lz4Java = goodEvents(200);
      await produce(s.kafka, s.topics.events, [...plain.slice(0, 100), ...badOnes.map(([p]) => p), ...plain.slice(100)], CompressionTypes.None, 50);
      await produce(s.kafka, s.topics.events, gzip, CompressionTypes.GZIP);
      await produce(s.kafka, s.topics.events, snappy, CompressionTypes.Snappy);
      await produce(s.kafka, s.topics.events, lz4, CompressionTypes.LZ4);
      const asJava = (items: Produced[]) => items.map((p) => ({ key: String(p.message.key), value: String(p.message.value) }));
      await javaProduce(brokers() as string[], s.topics.events, asJava(zstd), 'zstd');
      await javaProduce(brokers() as string[], s.topics.events, asJava(lz4Java), 'lz4');

      const child = aggregators.start(s.env());
      await waitForLedgerCaughtUp(s);
      await expectLakeMatches(s, [...plain, ...gzip, ...snappy, ...lz4, ...zstd, ...lz4Java]);

      // Which source offsets hold the bad messages: read the input back and pick them by key.
      const input = await readTopic(s.kafka, s.topics.events);
      const badOffsets = new Set(input.filter((m) => m.key?.startsWith('bad-')).map((m) => `${m.partition}:${m.offset}`));
      expect(badOffsets.size).toBe(badOnes.length);
      expect(await dlqKeys(s)).toEqual(badOffsets);
      const dlq = await readTopic(s.kafka, s.topics.dlq);
      const reasonBySource = new Map(input.filter((m) => m.key?.startsWith('bad-')).map((m) => [`${m.partition}:${m.offset}`, m.key as string]));
      const expectedReason = new Map(badOnes.map(([p, reason]) => [String(p.message.key), reason]));
      for (const m of dlq) {
        expect(m.headers['reason']).toBe(expectedReason.get(reasonBySource.get(m.key as string) as string));
        expect(m.headers['source-topic']).toBe(s.topics.events);
      }
      // The original bytes travel to the DLQ untouched.
      const sourceValue = new Map(input.map((m) => [`${m.partition}:${m.offset}`, m.value?.toString('hex') ?? null]));
      for (const m of dlq) expect(m.value?.toString('hex') ?? null).toBe(sourceValue.get(m.key as string));

      const metrics = await (await fetch(`http://127.0.0.1:${await child.opsPort()}/metrics`)).text();
      expect(metrics).toMatch(/hitboard_aggregator_dlq_total\{reason="invalid_json",app="aggregator"\} 3\n/);
      // Each bad offset counted once in all.
      const dlqCounted = [...metrics.matchAll(/^hitboard_aggregator_dlq_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(dlqCounted).toBe(badOnes.length);
      // The DLQ topic was brought to compaction on its key (source partition:offset) at start.
      const admin = s.kafka.admin();
      await admin.connect();
      try {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: s.topics.dlq, configNames: ['cleanup.policy'] }],
        });
        expect(resources[0]?.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
      } finally {
        await admin.disconnect();
      }
      expect((await fetch(`http://127.0.0.1:${await child.opsPort()}/healthz`)).status).toBe(200);
      expect((await child.stop()).code).toBe(0);
    });
  });
});
