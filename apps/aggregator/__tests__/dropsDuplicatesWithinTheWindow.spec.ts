import {
  describeKafka,
  duplicateOf,
  expectLakeMatches,
  goodEvents,
  produce,
  waitForLedgerCaughtUp,
  withScenario,
} from './support/harness';

/**
 * A producer's retry (same event_id, same key, so the same partition) is dropped within the
 * window — also when the original was flushed and the aggregator restarted before the retry
 * arrived (the window is rebuilt on assignment by re-reading the offsets before the ledger's).
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

  it('counts a re-send beyond the window again (the window is bounded)', async () => {
    await withScenario('dupes-window', 1, async (s, aggregators) => {
      const originals = goodEvents(50);
      const filler = goodEvents(100);
      const tooLate = [{ ...originals[0]!, kind: 'good' as const }];
      await produce(s.kafka, s.topics.events, [...originals, ...filler, ...tooLate]);
      aggregators.start(s.env({ DEDUPE_WINDOW_OFFSETS: '100' }));
      await waitForLedgerCaughtUp(s);
      await expectLakeMatches(s, [...originals, ...filler, ...tooLate]);
    });
  });
});
