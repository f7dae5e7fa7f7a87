import { RollupScheduler } from '../src/scheduler';
import { H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * A day turns exact in the pass that builds its last hour, not at the day's own cron tick (up to ~70
 * minutes later); likewise a week, month and year once their last day or month is built. The cron
 * ticks stay as a safety net. Time comes from the data (the watermark) and an injected clock, never
 * from the time of day the test runs at.
 */
describe('a parent is built in the pass of its last child', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('an hour tick builds the hour, then its day, week, month and year', async () => {
    // Sunday 31 December 2023: its last hour ends a day, an ISO week, a month and a year.
    const t0 = Date.parse('2023-12-31T10:00:00Z');
    const last = Date.parse('2023-12-31T23:00:00Z');
    await writeFlush(s, randomCells(501, t0, t0 + H, 200, 20));
    await writeFlush(s, randomCells(502, last, last + H, 200, 20));
    await setWatermark(s, t0 + 2 * H);
    let now = t0 + 2 * H;
    const scheduler = new RollupScheduler(s.deps, { concurrency: 1, attempts: 1, retryBaseMs: 1, overdueAfterMs: 3_600_000, stallAfterMs: 3_600_000, now: () => now });
    await scheduler.start({ cron: false, catchUp: false });
    try {
      await scheduler.trigger(['hour']);
      const windows = ['hour', 'day', 'week', 'month', 'year'].map((i) => s.registry.windowAt(i, last));
      expect((await runsOf(s, s.registry.windowAt('hour', t0))).map((r) => r.status)).toEqual(['succeeded']);
      for (const w of windows) expect(await runsOf(s, w)).toEqual([]); // the last hour is still open

      now = last + H + 60_000;
      await setWatermark(s, last + H);
      await scheduler.trigger(['hour']);
      expect(scheduler.passes).toHaveLength(2);
      expect(scheduler.passes[1]!.failed).toBe(0);
      for (const w of windows) expect((await runsOf(s, w)).map((r) => `${r.status}/${r.reason}`)).toEqual(['succeeded/scheduled']);
      expect(scheduler.health()).toMatchObject({ ok: true, behind: {} });
    } finally {
      await scheduler.stop();
    }
  });
});
