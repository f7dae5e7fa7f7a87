import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rollupFilePath } from '@hitboard/lake';
import { TABLES } from '@hitboard/schema';
import { startAppProcess } from '@hitboard/testkit';
import { runReadyWindows } from '../src/runner';
import { runWindow } from '../src/rollup-task';
import { batchRows, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * A task that dies between its Parquet file and its publish transaction leaves no batch rows and no
 * run stuck in `running`: a killed process's run is found abandoned by the next planner (its lock is
 * free) and marked failed, and the re-run is exact. An injected failure at the same point is
 * recorded as failed at once.
 */
describe('a task killed mid-way is re-run cleanly', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const t0 = Date.parse('2026-02-10T08:00:00Z');

  it('a killed child process: its run is marked abandoned, the rerun is exact', async () => {
    const cells = randomCells(51, t0, t0 + H, 1000, 60);
    await writeFlush(s, cells);
    await setWatermark(s, t0 + 2 * H);
    const w = s.registry.windowAt('hour', t0);
    const child = startAppProcess({
      name: 'run-one-window',
      cwd: __dirname,
      args: ['fixtures/run-one-window.ts'],
      env: { ...process.env, DATABASE_URL: s.db.url, LAKE_DIR: s.lakeDir, WINDOW_INTERVAL: 'hour', WINDOW_START: w.start.toISOString() },
      onLine: (line) => void process.stdout.write(`${line}\n`),
    });
    expect((await child.finished()).signal).toBe('SIGKILL');
    expect(existsSync(join(s.lakeDir, rollupFilePath('hour', w.start.getTime())))).toBe(true);
    expect((await runsOf(s, w)).map((r) => r.status)).toEqual(['running']);
    expect(await batchRows(s, w)).toEqual([]);

    const pass = await runReadyWindows(s.deps, { concurrency: 1, attempts: 1, intervals: ['hour'] });
    expect(pass.succeeded).toBe(1);
    const runs = await runsOf(s, w);
    expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect(runs[0]!.error).toMatch(/abandoned/);
    expect(await batchRows(s, w)).toEqual(expectedWindow(cells, w, new Map()).rows);
  }, 120_000);

  it('an injected failure after the Parquet write: run failed, nothing published; the retry is exact', async () => {
    const cells = randomCells(52, t0, t0 + H, 1000, 60);
    await writeFlush(s, cells);
    await setWatermark(s, t0 + 2 * H);
    const w = s.registry.windowAt('hour', t0);
    const failing = { ...s.deps, afterParquetWrite: () => Promise.reject(new Error('injected: disk went away')) };
    await expect(runWindow(failing, w, 'scheduled')).rejects.toThrow(/injected/);
    const runs = await runsOf(s, w);
    expect(runs.map((r) => [r.status, r.error])).toEqual([['failed', 'injected: disk went away']]);
    expect(await s.knex(TABLES.windowTotals).where({ interval: 'hour' })).toEqual([]);
    await runWindow(s.deps, w, 'scheduled');
    expect(await batchRows(s, w)).toEqual(expectedWindow(cells, w, new Map()).rows);
  });
});
