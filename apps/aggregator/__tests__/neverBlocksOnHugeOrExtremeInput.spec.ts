import { clock } from '@hitboard/runtime';
import { CompressionTypes } from 'kafkajs';
import { TABLES } from '@hitboard/schema';
import { bad, describeKafka, expectLakeMatches, expectSpeedSideMatches, good, goodEvents, produce, readTopic, saleEvent, speedSideSums, waitForLedgerCaughtUp, withScenario, type Produced } from './support/harness';

/**
 * Input the broker accepts must never stall a partition further down the line. Each case here used
 * to leave the aggregator retrying one step forever (or losing an event) on the real broker, whose
 * `message.max.bytes` is the default 1 MiB.
 */
describeKafka('huge or extreme input never blocks a partition', () => {
  it('dead-letters a poison message bigger than any record the DLQ accepts (gzip made it fit the input topic)', async () => {
    await withScenario('huge-poison', 1, async (s, aggregators) => {
      // 3 MB of padding compresses to a few KB: the input topic takes it, the uncompressed DLQ could not.
      const huge = bad('huge-1', JSON.stringify({ ...saleEvent(), pad: 'x'.repeat(3_000_000) }));
      huge.message.headers = { origin: 'test-producer' };
      const before = goodEvents(100);
      const after = goodEvents(100);
      await produce(s.kafka, s.topics.events, [...before, huge, ...after], CompressionTypes.GZIP);
      const child = aggregators.start(s.env());
      await waitForLedgerCaughtUp(s, 60_000);
      await expectLakeMatches(s, [...before, ...after]);

      const dlq = await readTopic(s.kafka, s.topics.dlq);
      expect(dlq.map((m) => m.key)).toEqual(['0:100']);
      const record = dlq[0]!;
      expect(record.headers['reason']).toBe('oversized');
      expect(record.headers['value-truncated']).toBe('true');
      expect(Number(record.headers['value-bytes'])).toBe(Buffer.byteLength(huge.message.value as string));
      expect(record.headers['source-key']).toBe('huge-1');
      expect(record.headers['source-header.origin']).toBe('test-producer');
      // The kept prefix is the original's first bytes.
      expect((huge.message.value as string).startsWith((record.value as Buffer).toString())).toBe(true);
      expect((record.value as Buffer).length).toBeLessThan(1_000_000);
      expect((await child.stop()).code).toBe(0);
    });
  });

  it('publishes a flush whose product sums exceed one produce request (many keys, long product ids)', async () => {
    await withScenario('wide-flush', 1, async (s, aggregators) => {
      // 6 000 distinct (minute, product) keys in one flush: ~1.5 MB of product sums to one partition.
      const items = Array.from({ length: 6000 }, (_, i) => good(saleEvent({ product_id: `product-with-a-long-catalog-id-${String(i).padStart(8, '0')}` })));
      await produce(s.kafka, s.topics.events, items);
      const child = aggregators.start(s.env({ FLUSH_INTERVAL_MS: '4000' }));
      await waitForLedgerCaughtUp(s, 60_000);
      await expectLakeMatches(s, items);
      expectSpeedSideMatches(await speedSideSums(s), items);
      expect((await child.stop()).code).toBe(0);
    });
  });

  it('flushes early rather than let one cell pass 2^53 cents (and counts every event)', async () => {
    await withScenario('cent-overflow', 1, async (s, aggregators) => {
      // 1e12 cents per event ($10M × 1 000 000 … the validator's largest line item), all in one (minute, product, channel):
      // 9 100 of them sum to 9.1e15 cents, beyond Number.MAX_SAFE_INTEGER (9.007e15).
      const at = new Date(clock.now() - 3_600_000).toISOString();
      const items: Produced[] = Array.from({ length: 9100 }, () =>
        good(saleEvent({ product_id: 'p-whale', channel: 'web', quantity: 10_000, unit_price_cents: 100_000_000, occurred_at: at })),
      );
      await produce(s.kafka, s.topics.events, items);
      const child = aggregators.start(s.env({ FLUSH_INTERVAL_MS: '4000' }));
      await waitForLedgerCaughtUp(s, 60_000);
      await expectLakeMatches(s, items);
      expectSpeedSideMatches(await speedSideSums(s), items);
      // The cut: no committed range holds more than ⌊(2^53 − 1) / 10^12⌋ = 9 007 of these events, so
      // there are at least two. int8 columns come back as bigint: compare with bigint literals.
      const ranges = await s.db.knex(TABLES.ingestFlushes).where({ topic: s.topics.events }).select<{ first_offset: bigint; last_offset: bigint }[]>('first_offset', 'last_offset');
      expect(ranges.length).toBeGreaterThanOrEqual(2);
      for (const r of ranges) expect(r.last_offset - r.first_offset + 1n).toBeLessThanOrEqual(9007n);
      expect((await child.stop()).code).toBe(0);
    });
  });
});
