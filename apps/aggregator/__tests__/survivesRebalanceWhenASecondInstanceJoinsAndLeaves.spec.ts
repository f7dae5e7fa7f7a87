import {
  createScenario,
  describeKafka,
  dumpOutput,
  expectLakeMatches,
  expectSpeedSideMatches,
  goodEvents,
  produce,
  speedSideSums,
  startAggregator,
  waitFor,
  waitForLedgerCaughtUp,
  type Child,
  type Produced,
} from './support/harness';

/** Instance B joins mid-stream (partitions move to it), then leaves (they move back): totals exact. */
describeKafka('rebalance', () => {
  it('keeps totals exact when a second instance joins and leaves mid-stream', async () => {
    const s = await createScenario('rebalance', 4);
    let a: Child | undefined;
    let b: Child | undefined;
    const all: Produced[] = [];
    const send = async (n: number) => {
      const items = goodEvents(n);
      all.push(...items);
      await produce(s.kafka, s.topics.events, items, undefined, 50);
    };
    try {
      a = startAggregator(s.env());
      await send(500);
      b = startAggregator(s.env());
      // B gets a share of the partitions once the group rebalances.
      await waitFor('B to be assigned partitions', async () => (b as Child).output.some((l) => /"partitions":\[\d/.test(l) && l.includes('partitions assigned')), 60_000);
      for (let i = 0; i < 5; i++) await send(200);
      await waitForLedgerCaughtUp(s);
      expect((await b.stop()).code).toBe(0);
      for (let i = 0; i < 5; i++) await send(100);
      await waitForLedgerCaughtUp(s);
      await expectLakeMatches(s, all);
      expectSpeedSideMatches(await speedSideSums(s), all);
      expect((await a.stop()).code).toBe(0);
    } catch (err) {
      dumpOutput('aggregator A', a);
      dumpOutput('aggregator B', b);
      throw err;
    } finally {
      await a?.kill();
      await b?.kill();
      await s.cleanup();
    }
  });
});
