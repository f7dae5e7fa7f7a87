import { IntervalRegistry } from '@hitboard/time';
import { planPass, scheduledCandidates, taskIntervals } from '../src/planner';
import { runReadyWindows } from '../src/runner';
import { loadPlanContext } from '../src/run-store';
import { batchRows, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/** One registry entry (a quarter, rolled up from months) and the DAG plans, builds and publishes it with no other change. */
describe('an extra interval', () => {
  let s: Scenario;
  afterEach(() => s.close());

  it('is planned after its source and rolled up exactly', async () => {
    const registry = IntervalRegistry.standard('UTC').with({
      name: 'quarter',
      rolledUpFrom: 'month',
      floor: (t) => t.startOf('quarter'),
      step: { months: 3 },
      cron: '50 * * * *',
      retentionDays: 3650,
      speed: false,
    });
    s = await scenario('UTC', { registry });
    expect(taskIntervals(registry)).toContain('quarter');
    const t0 = Date.parse('2026-02-20T10:00:00Z');
    const cells = randomCells(101, t0, t0 + 3 * H, 900, 40);
    await writeFlush(s, cells);
    await setWatermark(s, Date.parse('2026-04-02T00:00:00Z'));
    const ctx = await loadPlanContext(s.deps);
    expect(planPass(ctx, scheduledCandidates(ctx, taskIntervals(registry))).waiting.map((t) => t.window.interval)).toContain('quarter');
    const pass = await runReadyWindows(s.deps, { concurrency: 2, attempts: 1 });
    expect(pass.failed).toBe(0);
    const quarter = registry.windowAt('quarter', t0);
    expect((await runsOf(s, quarter)).map((r) => r.status)).toEqual(['succeeded']);
    expect(await batchRows(s, quarter)).toEqual(expectedWindow(cells, quarter, new Map()).rows);
  });
});
