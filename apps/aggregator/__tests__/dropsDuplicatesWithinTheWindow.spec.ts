import { clock } from '@hitboard/runtime';
import { describeKafka, duplicateOf, expectLakeMatches, goodEvents, produce, waitForLedgerCaughtUp, withScenario, type Produced } from './support/harness';

/**
 * A producer's retry (same event_id, same key, so the same partition) is dropped within the
 * window (DEDUPE_WINDOW_MS of arrival time) — also when the original was flushed and the aggregator
 * restarted before the retry arrived (the window is rebuilt on assignment by re-reading the offsets
 * that arrived within it before the ledger's next offset).
 */
describeKafka('duplicates within the window', () => {
  it('counts a retried event once, across a flush and a restart', async () => {
    await withScenario('dupes', 2, async (s, aggregators) => {
      const originals = goodEvents(500);
      const retriesNow = originals.filter((_, i) => i % 5 === 0).map(duplicateOf);
      await produce(s.kafka, s.topics.events, [...originals, ...retriesNow]);
      let child = aggregators.start(s.env());
      await waitForLedgerCaughtUp(s);
      expect((await child.stop()).code).toBe(0);

      // Retries of events the restarted instance never saw in memory.
      const later = goodEvents(100);
      const retriesAfterRestart = originals.filter((_, i) => i % 7 === 0).map(duplicateOf);
      await produce(s.kafka, s.topics.events, [...retriesAfterRestart, ...later]);
      child = aggregators.start(s.env());
      await waitForLedgerCaughtUp(s);
      await expectLakeMatches(s, [...originals, ...retriesNow, ...later, ...retriesAfterRestart]);
      const metrics = await (await fetch(`http://127.0.0.1:${await child.opsPort()}/metrics`)).text();
      expect(metrics).toContain(`hitboard_aggregator_duplicates_total{app="aggregator"} ${retriesAfterRestart.length}`);
      expect((await child.stop()).code).toBe(0);
    });
  });

  it('counts a re-send beyond the window again (the window is a span of arrival time)', async () => {
    await withScenario('dupes-window', 1, async (s, aggregators) => {
      // Arrival time is the Kafka timestamp: the originals arrived 10 minutes ago, the window is one minute.
      const arrivedAt = (p: Produced, ms: number): Produced => ({ ...p, message: { ...p.message, timestamp: String(ms) } });
      const longAgo = clock.now() - 10 * 60_000;
      const originals = goodEvents(50).map((p) => arrivedAt(p, longAgo));
      const filler = goodEvents(100).map((p) => arrivedAt(p, longAgo + 1000));
      const inTime = [arrivedAt(duplicateOf(originals[1]!), longAgo + 30_000)];
      const tooLate = [arrivedAt({ ...originals[0]!, kind: 'good' as const }, clock.now())];
      await produce(s.kafka, s.topics.events, [...originals, ...filler, ...inTime, ...tooLate]);
      const child = aggregators.start(s.env({ DEDUPE_WINDOW_MS: '60000' }));
      await waitForLedgerCaughtUp(s);
      await expectLakeMatches(s, [...originals, ...filler, ...inTime, ...tooLate]);
      const metrics = await (await fetch(`http://127.0.0.1:${await child.opsPort()}/metrics`)).text();
      expect(metrics).toContain('hitboard_aggregator_duplicates_total{app="aggregator"} 1');
    });
  });
});
