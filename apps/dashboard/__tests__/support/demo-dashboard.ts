/**
 * The analyst specs' shared setup: the built app serving the demo world (support/demo-world.ts) on a
 * clock started at DEMO_START, signed in through Chromium. Call at a spec's top level: it registers
 * its own beforeAll and afterAll.
 */
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { IntervalRegistry } from '@hitboard/time';
import { chosenClockEnv, useClock } from '@hitboard/runtime/clock';
import { freshDatabase, TEST_READER_PASSWORD, type FreshDatabase } from '@hitboard/testkit';
import { ARTIFACTS_DIR } from './artifacts';
import { ensureTestBuild } from './build';
import { seedDemoWorld } from './demo-world';
import { startDashboard, type RunningDashboard } from './server';

/**
 * The instant the world is seeded for and the dashboard's clock starts at (HITBOARD_CLOCK_START, through
 * chosenClockEnv; this process reads the same clock while seeding): mid-hour on a Wednesday, 25 minutes
 * from either end of the hour and far from any day, week, month or year boundary, so "the current hour"
 * is the seeded one whatever the time of day the suite runs at.
 */
export const DEMO_START = '2026-11-18T10:35:00Z';

export interface DemoDashboard {
  readonly db: FreshDatabase;
  readonly server: RunningDashboard;
  readonly browser: Browser;
}

/** `seed` adds the spec's own rows to the demo world (and reads back the instants it needs) before the dashboard starts. */
export function useDemoDashboard(registry: IntervalRegistry, seed: (db: FreshDatabase) => Promise<void>): DemoDashboard {
  return useBrowserDashboard({
    start: DEMO_START,
    seed: async (db) => {
      await seedDemoWorld(db.knex, registry);
      await seed(db);
    },
  });
}

/**
 * The built app on a clock started at `start`, over a fresh database that `seed` fills (this process
 * reads the same clock while seeding), with `env()` (read after seeding) added to the server's, and Chromium.
 */
export function useBrowserDashboard(o: { start: string; seed: (db: FreshDatabase) => Promise<void>; env?: () => Record<string, string> }): DemoDashboard {
  let restoreClock: (() => void) | undefined;
  let db: FreshDatabase;
  let server: RunningDashboard;
  let browser: Browser;

  beforeAll(async () => {
    await ensureTestBuild();
    const chosen = chosenClockEnv(o.start);
    restoreClock = useClock(chosen.clock); // every seeding helper's "now" (seedDemoWorld, seedSpeedWindow's updatedAt) reads it
    db = await freshDatabase();
    await o.seed(db);
    server = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, ...chosen.env, ...o.env?.() });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
    restoreClock?.();
  });

  return {
    get db() {
      return db;
    },
    get server() {
      return server;
    },
    get browser() {
      return browser;
    },
  };
}

/** A full-page screenshot into the test artifacts; its path is printed. */
export async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(ARTIFACTS_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  process.stdout.write(`\n${name}: ${file}\n`);
}
