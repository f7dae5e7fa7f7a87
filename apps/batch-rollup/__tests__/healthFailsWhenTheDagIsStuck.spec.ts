import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createMetricsRegistry, startOpsServer } from '@hitboard/runtime';
import { createRollupMetrics } from '../src/metrics';
import { RollupScheduler } from '../src/scheduler';
import { H, randomCells, scenario, setWatermark, writeFlush, type Scenario } from './support';

/** /healthz fails when a window is overdue (here: its file is gone, so it keeps failing) or no pass finishes; /metrics shows behind and dirty. */
describe('scheduler health', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('is healthy when caught up, unhealthy when a window is overdue or the loop stops ticking', async () => {
    const t0 = Date.parse('2026-02-16T00:00:00Z');
    await writeFlush(s, randomCells(111, t0, t0 + H, 200, 10));
    const [lost] = await writeFlush(s, randomCells(112, t0 + H, t0 + 2 * H, 200, 10), 1);
    rmSync(join(s.lakeDir, lost!)); // that hour will keep failing
    await setWatermark(s, t0 + 2 * H); // both hours just closed: failing, but not overdue yet
    let now = Date.parse('2026-02-16T03:00:00Z');
    const registry = createMetricsRegistry('batch-rollup-test');
    const metrics = createRollupMetrics(registry);
    const scheduler = new RollupScheduler({ ...s.deps, metrics }, { concurrency: 1, attempts: 1, retryBaseMs: 1, overdueAfterMs: 30 * 60_000, stallAfterMs: 10 * 60_000, now: () => now });
    const ops = await startOpsServer({ port: 0, registry, health: () => scheduler.health() });
    try {
      await scheduler.start({ cron: false });
      expect(scheduler.health()).toMatchObject({ ok: true, behind: { hour: 1 } });

      await setWatermark(s, t0 + 6 * H); // the lost hour is now 4 h past its end
      await scheduler.trigger(['hour']);
      const health = scheduler.health();
      expect(health.ok).toBe(false);
      expect(health['problems']).toEqual([expect.stringMatching(/^hour 2026-02-16T01:00:00.000Z is \d+ min overdue$/)]);
      const res = await fetch(`http://127.0.0.1:${ops.port}/healthz`);
      expect(res.status).toBe(503);
      const text = await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text();
      expect(text).toMatch(/hitboard_rollup_windows_behind\{[^}]*interval="hour"[^}]*\} 1/);
      expect(text).toMatch(/hitboard_rollup_runs_total\{[^}]*outcome="failed"[^}]*\} 2/); // once per pass

      now += 11 * 60_000; // no pass for longer than stallAfterMs
      expect(scheduler.health()['problems']).toEqual(expect.arrayContaining([expect.stringMatching(/no scheduler pass finished for \d+ s/)]));
    } finally {
      await scheduler.stop();
      await ops.close();
    }
  });

  it('is unhealthy while the running pass finishes no window for too long', async () => {
    const t0 = Date.parse('2026-02-16T00:00:00Z');
    await writeFlush(s, randomCells(113, t0, t0 + H, 200, 10));
    await setWatermark(s, t0 + 2 * H);
    let now = t0 + 2 * H;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const scheduler = new RollupScheduler(
      { ...s.deps, afterParquetWrite: () => (entered(), held) }, // a task that hangs (storage stuck, say)
      { concurrency: 1, attempts: 1, retryBaseMs: 1, overdueAfterMs: 3_600_000, stallAfterMs: 10 * 60_000, now: () => now },
    );
    const pass = scheduler.start({ cron: false });
    await inside;
    expect(scheduler.health().ok).toBe(true);
    now += 11 * 60_000;
    expect(scheduler.health()).toMatchObject({ ok: false, passRunning: true, problems: [expect.stringMatching(/the running pass has finished no window for \d+ s/)] });
    release();
    await pass;
    expect(scheduler.health().ok).toBe(true);
    await scheduler.stop();
  });
});
