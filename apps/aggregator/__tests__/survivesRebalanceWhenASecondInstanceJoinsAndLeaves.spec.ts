import { describeKafka, expectLakeMatches, expectSpeedSideMatches, goodEvents, produce, speedSideSums, waitFor, waitForLedgerCaughtUp, withScenario, type Produced } from './support/harness';

/** Instance B joins mid-stream (partitions move to it), then leaves (they move back): totals exact. */
describeKafka('rebalance', () => {
  it('keeps totals exact when a second instance joins and leaves mid-stream', async () => {
    await withScenario('rebalance', 4, async (s, aggregators) => {
      const all: Produced[] = [];
      const send = async (n: number) => {
        const items = goodEvents(n);
        all.push(...items);
        await produce(s.kafka, s.topics.events, items, undefined, 50);
      };
      const a = aggregators.start(s.env(), 'aggregator A');
      await send(500);
      const b = aggregators.start(s.env(), 'aggregator B');
      // B gets a share of the partitions once the group rebalances.
      await waitFor('B to be assigned partitions', async () => b.lines().some((l) => /"partitions":\[\d/.test(l) && l.includes('partitions assigned')), 60_000);
      for (let i = 0; i < 5; i++) await send(200);
      await waitForLedgerCaughtUp(s);
      expect((await b.stop()).code).toBe(0);
      for (let i = 0; i < 5; i++) await send(100);
      await waitForLedgerCaughtUp(s);
      await expectLakeMatches(s, all);
      expectSpeedSideMatches(await speedSideSums(s), all);
      expect((await a.stop()).code).toBe(0);
    });
  });
});
