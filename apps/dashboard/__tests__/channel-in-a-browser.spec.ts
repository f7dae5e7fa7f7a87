/**
 * The channel picker in Debian's Chromium against the built app and a real Postgres: pick a channel and
 * the heading says it and the rows are that channel's; the link (window or range) keeps the channel
 * through a reload, the CSV link and the trend carry it, and "All channels" brings the overall list
 * back without losing the range. The clock is started at a chosen instant.
 *
 * World (UTC): hour Dec 2 09:00, closed and not rolled up yet (speed rows): overall A 30, B 20, C 10;
 * web C 8, B 5, A 1; app A 29, B 15, C 2. The range Dec 2 08:00 → 10:00 holds that hour alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { shoot, useBrowserDashboard } from './support/demo-dashboard';
import { signIn } from './support/sign-in';
import { seedProducts, seedSpeedWindow, type SpeedSale } from './support/seed';

jest.setTimeout(15 * 60_000);

const START = '2026-12-02T10:35:00Z';
const H09 = new Date('2026-12-02T09:00:00Z');
const speed = (units: Record<string, number>): SpeedSale[] => Object.entries(units).map(([id, u]) => ({ id, shard: 0, units: BigInt(u), revenue: BigInt(u * 100), errorBound: 1n, revenueErrorBound: 100n }));

let lakeDir: string;
const dashboard = useBrowserDashboard({
  start: START,
  seed: async (db) => {
    lakeDir = mkdtempSync(join(tmpdir(), 'hitboard-channel-browser-lake-'));
    await seedProducts(db.knex, ['A', 'B', 'C'].map((id) => ({ id, name: `Product ${id}`, category: 'Toys' })));
    await seedSpeedWindow(db.knex, 'hour', H09, speed({ A: 30, B: 20, C: 10 }));
    await seedSpeedWindow(db.knex, 'hour', H09, speed({ C: 8, B: 5, A: 1 }), { channel: 'web' });
    await seedSpeedWindow(db.knex, 'hour', H09, speed({ A: 29, B: 15, C: 2 }), { channel: 'app' });
  },
  env: () => ({ LAKE_DIR: lakeDir }),
});
afterAll(() => {
  if (lakeDir) rmSync(lakeDir, { recursive: true, force: true });
});

const rowIds = (page: Page, table: string) => page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-product-id')));
/** Waits until the table's first row is `id` (a navigation or a refresh redraws it). */
const firstRowIs = (page: Page, table: string, id: string) =>
  page.waitForFunction(([t, want]) => document.querySelector(`${t} tbody tr`)?.getAttribute('data-product-id') === want, [table, id] as const);

it('shows a picked channel’s list under a heading that names it; the link keeps channel and range through reloads', async () => {
  const context = await signIn(dashboard.browser, dashboard.server, { viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${dashboard.server.base}/?interval=hour&window=${encodeURIComponent(H09.toISOString())}`);
  await page.waitForSelector('[data-testid=top-section] tbody tr');
  expect(await rowIds(page, '[data-testid=top-section]')).toEqual(['A', 'B', 'C']);
  expect(await page.textContent('[data-testid=top-section] #top-heading')).toBe('Top 10 by units');
  expect(await page.inputValue('[data-testid=channel]')).toBe('all');

  // Web: its own ranking, said in the heading; the window stays.
  await page.selectOption('[data-testid=channel]', 'web');
  await page.waitForURL(/channel=web/);
  expect(page.url()).toContain(`window=${encodeURIComponent(H09.toISOString())}`);
  await firstRowIs(page, '[data-testid=top-section]', 'C');
  expect(await rowIds(page, '[data-testid=top-section]')).toEqual(['C', 'B', 'A']);
  expect(await page.textContent('[data-testid=top-section] #top-heading')).toBe('Top 10 by units · Web');
  expect(await page.getAttribute('[data-testid=csv]', 'href')).toContain('channel=web');
  expect(await page.textContent('[data-testid=totals]')).toContain('Web total in the window: 14 units');
  expect(await page.textContent('[data-testid=trend-channel]')).toContain('Web');
  expect(await page.isDisabled('[data-testid=category]')).toBe(true);
  await shoot(page, 'channel-web.png');

  await page.reload();
  await page.waitForSelector('[data-testid=top-section] tbody tr');
  expect(await page.inputValue('[data-testid=channel]')).toBe('web');
  expect(await rowIds(page, '[data-testid=top-section]')).toEqual(['C', 'B', 'A']);

  // A range keeps the channel: its estimated hour is web's too.
  await page.fill('[data-testid=range-from]', '2026-12-02T08:00');
  await page.fill('[data-testid=range-to]', '2026-12-02T10:00');
  await page.click('[data-testid=range-show]');
  await page.waitForURL(/from=/);
  await page.waitForSelector('[data-testid=range-table] tbody tr');
  expect(page.url()).toContain('channel=web');
  expect(await rowIds(page, '[data-testid=range-table]')).toEqual(['C', 'B', 'A']);
  expect(await page.textContent('[data-testid=range-section] #top-heading')).toBe('Top 10 by units · Web');
  expect(await page.getAttribute('[data-testid=range-csv]', 'href')).toContain('channel=web');
  expect(await page.textContent('[data-testid=range-totals]')).toContain('Web total in the range: 14 units');
  await page.reload();
  await page.waitForSelector('[data-testid=range-table] tbody tr');
  expect(await page.inputValue('[data-testid=channel]')).toBe('web');
  expect(await page.inputValue('[data-testid=range-from]')).toBe('2026-12-02T08:00');
  expect(await rowIds(page, '[data-testid=range-table]')).toEqual(['C', 'B', 'A']);

  // Another channel, then all of them: the range stays, the channel goes from the link.
  await page.selectOption('[data-testid=channel]', 'app');
  await page.waitForURL(/channel=app/);
  await firstRowIs(page, '[data-testid=range-table]', 'A');
  expect(await page.textContent('[data-testid=range-section] #top-heading')).toBe('Top 10 by units · App');
  await page.selectOption('[data-testid=channel]', 'all');
  await page.waitForURL((url) => !url.searchParams.has('channel'));
  expect(page.url()).toContain('from=2026-12-02T08%3A00');
  await page.waitForFunction(() => document.querySelector('[data-testid=range-section] #top-heading')?.textContent === 'Top 10 by units');
  expect(await rowIds(page, '[data-testid=range-table]')).toEqual(['A', 'B', 'C']);
  await context.close();
});
