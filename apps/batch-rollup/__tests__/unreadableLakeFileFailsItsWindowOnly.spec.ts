import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runReadyWindows } from '../src/runner';
import { batchRows, expectedWindow, H, randomCells, runsOf, scenario, setWatermark, writeFlush, type Scenario } from './support';

/** A corrupt or missing listed file fails its window with an error that names it; other windows are built; the parent waits. */
describe('a corrupt or missing lake file', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  it('fails that window clearly, builds the others, and the day waits', async () => {
    const t0 = Date.parse('2026-02-12T00:00:00Z');
    const good = randomCells(81, t0, t0 + H, 500, 30);
    const [goodPath] = await writeFlush(s, good, 0);
    const [corruptPath] = await writeFlush(s, randomCells(82, t0 + H, t0 + 2 * H, 500, 30), 0);
    const [missingPath] = await writeFlush(s, randomCells(83, t0 + 2 * H, t0 + 3 * H, 500, 30), 0);
    writeFileSync(join(s.lakeDir, corruptPath!), 'this is not parquet');
    rmSync(join(s.lakeDir, missingPath!));
    await setWatermark(s, t0 + 30 * H);

    const pass = await runReadyWindows(s.deps, { concurrency: 2, attempts: 2, retryBaseMs: 1 });
    expect([pass.succeeded, pass.failed]).toEqual([1, 2]);
    const [h0, h1, h2] = s.registry.windowsBetween('hour', t0, t0 + 3 * H);
    expect(await batchRows(s, h0!)).toEqual(expectedWindow(good, h0!, new Map()).rows);
    expect(goodPath).toBeDefined();
    const corruptRuns = await runsOf(s, h1!);
    expect(corruptRuns.map((r) => r.status)).toEqual(['failed', 'failed']); // retried once, with backoff
    expect(corruptRuns[1]!.error).toMatch(new RegExp(`cannot read the lake for hour 2026-02-12T01:00:00.000Z: .*${corruptPath!.split('/').pop()}`));
    const missingRuns = await runsOf(s, h2!);
    expect(missingRuns.at(-1)!.error).toMatch(/cannot read the lake for hour 2026-02-12T02:00:00.000Z: .*(No files found|does not exist|No such file)/i);
    expect(await runsOf(s, s.registry.windowAt('day', t0))).toEqual([]);
  });
});
