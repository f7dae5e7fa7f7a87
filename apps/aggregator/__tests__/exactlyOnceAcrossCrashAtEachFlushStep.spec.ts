import { describeKafka, expectLakeMatches, expectSpeedSideMatches, goodEvents, produce, speedSideSums, waitForLedgerCaughtUp, withScenario } from './support/harness';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * kill -9 at each step of a flush, then restart: the totals must be exact. The crash hook
 * (AGGREGATOR_CRASH_AT) SIGKILLs the process at the named step of its 2nd flush, so one flush
 * committed normally before and the crashed one must be recovered from the ledger.
 */
describeKafka('exactly once across kill -9 at each flush step', () => {
  for (const step of ['before-file', 'after-file', 'after-publish', 'after-ledger'] as const) {
    it(`recovers from a crash ${step}`, async () => {
      await withScenario(`crash-${step}`, 2, async (s, aggregators) => {
        const first = goodEvents(600);
        await produce(s.kafka, s.topics.events, first);
        const crashing = aggregators.start(s.env({ AGGREGATOR_CRASH_AT: step, AGGREGATOR_CRASH_ON_FLUSH: '2', FLUSH_INTERVAL_MS: '200' }), 'crashing aggregator');
        const second = goodEvents(600);
        await produce(s.kafka, s.topics.events, second);
        const exit = await crashing.finished();
        expect(exit.signal).toBe('SIGKILL');

        const third = goodEvents(300);
        await produce(s.kafka, s.topics.events, third);
        const restarted = aggregators.start(s.env(), 'restarted aggregator');
        await waitForLedgerCaughtUp(s);
        const all = [...first, ...second, ...third];
        await expectLakeMatches(s, all);
        expectSpeedSideMatches(await speedSideSums(s), all);
        await restarted.stop();
        // The restarted instance removed whatever the killed one left in _tmp.
        expect(readdirSync(join(s.lakeDir, '_tmp'))).toEqual([]);
      });
    });
  }
});
