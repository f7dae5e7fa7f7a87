import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { H, openPartition, randomCells, scenario, setWatermark, writeFlush, type Scenario } from './support';

/** The ops commands as a user runs them: --help, a clear usage error, a dry run that says why, a backfill with its summary, the run history. */
describe('backfill and runs commands', () => {
  let s: Scenario;
  beforeEach(async () => (s = await scenario('UTC')));
  afterEach(() => s.close());

  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../src/cli.ts'), ...args], {
      env: { ...process.env, DATABASE_URL: s.db.url, LAKE_DIR: s.lakeDir, REPORTING_TIME_ZONE: 'UTC', ALLOWED_LATENESS_MS: '0' },
      encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('help, usage errors, dry run, backfill, runs', async () => {
    const t0 = Date.parse('2026-01-05T00:00:00Z');
    await writeFlush(s, randomCells(131, t0 + 3 * H, t0 + 4 * H, 300, 20));
    await setWatermark(s, t0 + 2 * 24 * H);

    const help = cli('backfill', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--dry-run .*why it would run/);
    expect(cli('runs', '--help').out).toMatch(/--dirty/);
    const bad = cli('backfill', '--interval', 'fortnight', '--from', '2026-01-05', '--to', '2026-01-06');
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--interval: fortnight is not a rollup interval/)]);

    const dry = cli('backfill', '--interval', 'day', '--from', '2026-01-05', '--to', '2026-01-07', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would run {2}hour 2026-01-05T03:00:00.000Z +missing \(child, built first\)/);
    expect(dry.out).toMatch(/would run {2}day 2026-01-06T00:00:00.000Z +missing/);
    expect(dry.out).toMatch(/3 windows would run \(3 missing\), 0 skipped. Nothing was run./);

    const run = cli('backfill', '--interval', 'day', '--from', '2026-01-05', '--to', '2026-01-07');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Done: 3 windows built, 0 failed, 0 skipped/);
    const runs = cli('runs', '--interval', 'day');
    expect(runs.out.split('\n')[0]).toMatch(/^run_id +interval +window_start +status +reason/);
    expect(runs.out.match(/succeeded +backfill/g)).toHaveLength(2);
    expect(cli('runs', '--dirty').out).toMatch(/No dirty windows./);
  }, 120_000);

  it('says why windows are not ready: hours past the watermark, or a partition that has not committed', async () => {
    const t0 = Date.parse('2026-01-05T00:00:00Z');
    await writeFlush(s, randomCells(132, t0 + 3 * H, t0 + 4 * H, 300, 20));
    await setWatermark(s, t0 + 2 * 24 * H);
    const later = cli('backfill', '--interval', 'day', '--from', '2026-01-05', '--to', '2026-01-09', '--dry-run');
    expect(later.out).toMatch(/2 windows are not ready: their hours are not closed: an hour closes once the watermark \(now 2026-01-07T00:00:00.000Z\) is past its end plus ALLOWED_LATENESS_MS \(0 ms\)/);

    await openPartition(s, 1); // assigned, never committed: it holds every hour open
    const silent = cli('backfill', '--interval', 'day', '--from', '2026-01-05', '--to', '2026-01-07');
    expect(silent.code).toBe(0);
    expect(silent.out).toMatch(new RegExp(`2 windows are not ready: no hour can close: partitions 1 of ${s.topic.replace(/\./g, '\\.')} have not committed a watermark yet`));
  }, 120_000);
});
