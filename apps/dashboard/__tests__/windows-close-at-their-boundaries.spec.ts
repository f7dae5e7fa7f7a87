/**
 * Windows close at their boundaries, whatever the real time (issue 23). The whole system — the
 * generator's CLI, a real broker, the aggregator, the speed pipeline, the rollup scheduler, the built
 * dashboard and Chromium — is started on one clock (HITBOARD_CLOCK_START, shared through
 * HITBOARD_CLOCK_STARTED_AT) 90 s before the close of:
 *
 * - an hour that also closes a day, an ISO week, a month and a year, in Asia/Kolkata (a zone whose
 *   hours start at :30 UTC): 2091-01-01 00:00 IST; 31 December 2090 is a Sunday;
 * - America/New_York's fall-back hour: on 2090-11-05 the 01:00 EDT hour ends at 06:00Z and the
 *   01:00 EST hour begins.
 *
 * Before the close the page shows the closing hour as the current one, an estimate. After it, the
 * closed hour and every parent it closes are exact, all built in one scheduler pass (the hour's
 * tick, five minutes after the close, with no lateness allowed), the page shows the next hour as the
 * current one and every closed window as exact, and `verify` (the API against the generator's ground
 * truth) passes.
 *
 * The instants lie in the future: Kafka's retention and time-based segment rolling read message
 * timestamps, and would drop weeks-old data. Both worlds (each its own database, topics, lake and
 * processes) run at once: most of their time is waiting for that tick.
 */
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { chosenClockEnv, type Clock } from '@hitboard/runtime/clock';
import { IntervalRegistry, type Window } from '@hitboard/time';
import { CHANNEL_UNKNOWN, CHANNELS, TABLES } from '@hitboard/schema';
import { describeKafka, TEST_READER_PASSWORD, uniqueTopic, waitFor } from '@hitboard/testkit';
import { DashboardApi, formatReport, GroundTruth, verify, type WindowReport } from '@hitboard/verify';
import { formatWindow } from '../src/lib/format';
import { ensureTestBuild } from './support/build';
import { signIn } from './support/sign-in';
import { startDashboard, type RunningDashboard } from './support/server';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(30 * 60_000);

const SECOND = 1000;
const MIN = 60 * SECOND;
/** How long before the close every clock starts: the processes come up within it (about 20 s here, more on a loaded machine). */
const LEAD_MS = 90 * SECOND;

interface Boundary {
  name: string;
  zone: string;
  /** The instant of the close. */
  close: string;
  /** The intervals whose windows end at that instant. */
  closes: string[];
}

const BOUNDARIES: Boundary[] = [
  { name: 'the year 2090 in Asia/Kolkata (also a day, an ISO week and a month)', zone: 'Asia/Kolkata', close: '2091-01-01T00:00:00+05:30', closes: ['hour', 'day', 'week', 'month', 'year'] },
  { name: "America/New_York's fall-back hour (01:00 EDT, then 01:00 EST)", zone: 'America/New_York', close: '2090-11-05T06:00:00Z', closes: ['hour'] },
];

const iso = (ms: number) => new Date(ms).toISOString();
const label = (w: Window, zone: string) => formatWindow(iso(w.start.getTime()), iso(w.end.getTime()), w.interval, zone);

describeKafka('windows close at their boundaries', (brokers) => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureTestBuild();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.concurrent.each(BOUNDARIES)('$name: exact at once, parents in the same pass, the page right before and after, verify passes', async (b) => {
    const registry = IntervalRegistry.standard(b.zone);
    const closeMs = Date.parse(b.close);
    const closed = b.closes.map((interval) => registry.windowAt(interval, closeMs - 1));
    // The registry agrees that these windows end at the close, and the others do not (else the case tests nothing).
    expect(closed.map((w) => [w.interval, iso(w.end.getTime())])).toEqual(b.closes.map((i) => [i, iso(closeMs)]));
    const open = registry.names().filter((n) => n !== 'minute' && !b.closes.includes(n));
    expect(open.filter((n) => registry.windowAt(n, closeMs - 1).end.getTime() === closeMs)).toEqual([]);

    let system: TestSystem | undefined;
    let dashboard: RunningDashboard | undefined;
    let context: BrowserContext | undefined;
    try {
      // One clock for every process of this world, started LEAD_MS before the close.
      const chosen = chosenClockEnv(iso(closeMs - LEAD_MS));
      const clock: Clock = chosen.clock;
      const world = (system = await startTestSystem(brokers, 'boundary', {
        ...chosen.env,
        REPORTING_TIME_ZONE: b.zone,
        ALLOWED_LATENESS_MS: '0', // an hour is ready once the watermark passes its end: the tick after the close builds it
      }));
      const { db } = world;
      const logs = () => world.logs(30);
      world.start('aggregator', 'aggregator', { KAFKA_GROUP_ID: uniqueTopic('boundary-aggregator'), FLUSH_INTERVAL_MS: '1000' });
      world.start('speed-pipeline', 'speed pipeline', { KAFKA_GROUP_ID: uniqueTopic('boundary-speed'), WRITE_INTERVAL_MS: '1000' });
      // Every line kept (not the last 400): the rollups' 'pass finished' lines are read back after the close.
      const rollups = world.start('batch-rollup', 'rollups', { LOG_LEVEL: 'info' }); // its 'pass finished' lines tell which pass built what
      // Ten minutes of history (sent at once), then live sales until 90 s past the close.
      const truthPath = path.join(world.work, 'truth.ndjson');
      const generator = world.generate('generator', ['--from', iso(closeMs - 10 * MIN), '--to', iso(closeMs + 90 * SECOND), '--rate', '20', '--products', '200', '--late-share', '0', '--seed', '23', '--catalog', '--truth', truthPath]);
      // The world's lake: verify asks for ranges, which the dashboard answers from the windows' rollup files.
      dashboard = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, REPORTING_TIME_ZONE: b.zone, DASHBOARD_CACHE_MS: '0', LAKE_DIR: world.settings['LAKE_DIR']!, ...chosen.env });
      context = await signIn(browser!, dashboard, { viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const shown = async (query: string) => {
        await page.goto(`${dashboard!.base}/?${query}`);
        return { window: (await page.textContent('[data-testid=window-label]'))?.trim(), freshness: (await page.textContent('[data-testid=freshness]'))?.trim() };
      };

      // Before the close: the closing hour is the current one, estimated.
      const closingHour = closed[0]!;
      const before = await waitFor(
        `the page to show ${label(closingHour, b.zone)} as the current hour, estimated (before the close at ${b.close})`,
        async () => {
          const s = await shown('interval=hour');
          if (clock.now() >= closeMs) throw new Error(`the system was not up before the close (it is ${iso(clock.now())}):\n${logs()}`);
          return s.freshness?.startsWith('Estimate') ? s : false;
        },
        LEAD_MS,
        1000,
      );
      expect(before.window).toBe(`${label(closingHour, b.zone)} (current)`);

      // The close: every closed window built, all in the first pass that built anything (the hour's tick).
      await generator.succeeded();
      await waitFor(
        `succeeded runs of ${b.closes.join(', ')} ending at ${b.close}`,
        async () => {
          const runs = await db.knex(TABLES.rollupRuns).where({ status: 'succeeded' }).select('interval', 'window_start');
          return closed.every((w) => runs.some((r: { interval: string; window_start: Date }) => r.interval === w.interval && r.window_start.getTime() === w.start.getTime()));
        },
        10 * MIN,
        1000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${logs()}`);
      });
      // The runs commit before their pass logs 'pass finished': wait for that line.
      const building = await waitFor(
        'the rollup pass that built them to log its end',
        async () => {
          const passes = rollups
            .output()
            .split('\n')
            .filter((l) => l.includes('"msg":"pass finished"'))
            .map((l) => JSON.parse(l) as { succeeded: number; time: string })
            .filter((p) => p.succeeded > 0);
          return passes.length > 0 && passes;
        },
        60_000,
        250,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${rollups.output().slice(-20_000)}`);
      });
      expect(building[0]!.succeeded).toBe(closed.length);
      expect(Date.parse(building[0]!.time)).toBeGreaterThanOrEqual(closeMs); // the rollups' log runs on the same clock

      // After: the next hour is current; every closed window is exact.
      const next = registry.windowAt('hour', closeMs);
      expect(await shown('interval=hour')).toMatchObject({ window: `${label(next, b.zone)} (current)` });
      for (const w of closed) {
        const s = await shown(`interval=${w.interval}&window=${encodeURIComponent(iso(w.start.getTime()))}`);
        expect([w.interval, s.window, s.freshness]).toEqual([w.interval, label(w, b.zone), expect.stringMatching(/^Exact, rolled up \d\d:\d\d$/)]);
      }

      // verify: the API against the generator's ground truth, every window of its span (closed ones exact, open ones within bounds).
      const api = new DashboardApi(dashboard.base, dashboard.access.token);
      let reports: WindowReport[] = [];
      await waitFor(
        'verify to pass',
        async () => {
          const truth = await GroundTruth.load(truthPath);
          try {
            reports = (await verify(api, truth, { metrics: ['units', 'revenue'], k: 1000 })).reports;
          } finally {
            truth.close();
          }
          return reports.length > 0 && reports.every((r) => r.ok);
        },
        3 * MIN,
        2000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${formatReport(reports, b.zone)}\n${logs()}`);
      });
      for (const w of closed) {
        // Overall and every channel the generator sells on, both metrics: exact. (No sale is 'unknown': it serves nothing.)
        const views = reports.filter((r) => r.interval === w.interval && r.windowStart.getTime() === w.start.getTime() && r.channel !== CHANNEL_UNKNOWN);
        expect([w.interval, views.length, [...new Set(views.map((r) => r.source))]]).toEqual([w.interval, 2 * (1 + CHANNELS.length), ['batch']]);
      }
      process.stdout.write(`${b.name}: ${reports.length} window reports, all ok; built in one pass at ${building[0]!.time}\n`);
    } finally {
      await context?.close();
      await dashboard?.stop();
      await system?.stop();
    }
  }, 30 * MIN);
});
