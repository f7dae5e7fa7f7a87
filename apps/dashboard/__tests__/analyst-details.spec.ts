/**
 * The smaller things an analyst meets on the first screen (issue 26's Shoulds), in Debian's Chromium at
 * 1440×900 and 390×844 against the built app and the demo world: the trend chart's labels, axis, average,
 * estimates and shown window; "no comparison" instead of ten NEWs; a designed empty window; the CSV's
 * byte-order mark, columns and name; the favicon; the pickers on a phone and
 * a desktop and from the keyboard; the chart's accessible name; "Rising now" saying what it shows.
 * Every instant is read from the seeded data.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { waitFor } from '@hitboard/testkit';
import { shoot, useDemoDashboard } from './support/demo-dashboard';
import { seedMovers } from './support/seed';
import { signIn } from './support/sign-in';

jest.setTimeout(15 * 60_000);

const registry = IntervalRegistry.standard('UTC');
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true };

let yesterday: Date;
let oldestHour: Date;
let liveHour: Date;

const demo = useDemoDashboard(registry, async (db) => {
  const edge = async (interval: string, source: string, fn: 'max' | 'min') =>
    ((await db.knex(TABLES.windowTotals).where({ interval, source })[fn]({ w: 'window_start' }).first()) as { w: Date }).w;
  yesterday = await edge('day', 'batch', 'max');
  oldestHour = await edge('hour', 'batch', 'min');
  liveHour = await edge('hour', 'speed', 'max');
  // A mover in its first minute: one value in its sparkline.
  await seedMovers(db.knex, [{ id: 'P0203', factor: 5, unitsPerHour: 60, usualUnitsPerHour: 12, since: liveHour, spark: [4] }]);
});

async function open(options: object, url: string, waitFor = '[data-testid=top-section]'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await signIn(demo.browser, demo.server, { ...options, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${demo.server.base}${url}`);
  await page.waitForSelector(waitFor);
  return { context, page };
}

it('labels the hourly trend with weekday and time, prints money on its axis, marks estimates and the shown hour, and averages closed hours only', async () => {
  const { context, page } = await open(DESKTOP, `/?interval=hour&metric=revenue&window=${oldestHour.toISOString()}`, '[data-testid=trend] .recharts-surface');
  const ticks = await page.locator('[data-testid=trend] .recharts-xAxis-tick-labels text').allTextContents();
  expect(ticks.length).toBeGreaterThan(3);
  for (const tick of ticks) expect(tick).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:00$/);
  const yTicks = await page.locator('[data-testid=trend] .recharts-yAxis-tick-labels text').allTextContents();
  expect(yTicks.filter((t) => t !== '$0').length).toBeGreaterThan(0);
  expect(yTicks.filter((t) => t !== '$0').every((t) => /^\$[\d.]+[KMB]?$/.test(t))).toBe(true);
  const legend = (await page.textContent('[data-testid=trend] [data-testid=chart-body]')) ?? '';
  expect(legend).toContain('revenue (estimate)'); // the live hour is an estimate
  expect(legend).toContain('revenue (exact)');
  expect(legend).toMatch(/shown: Mon|shown: Tue|shown: Wed|shown: Thu|shown: Fri|shown: Sat|shown: Sun/);
  expect(await page.locator('[data-testid=trend] .recharts-reference-line-line').count()).toBe(1); // one hour: a line through its bar
  await shoot(page, 'trend-hourly.png');
  // The open hour's partial figure feeds no average (the line no longer drops at its end).
  const productId = await page.getAttribute('[data-testid=top-table] tbody tr', 'data-product-id');
  const trend = await (await fetch(`${demo.server.base}/api/trend?productId=${productId}&interval=hour`, { headers: demo.server.auth })).json();
  const last = trend.points[trend.points.length - 1];
  expect([last.windowStart, last.source, last.movingAverage]).toEqual([liveHour.toISOString(), 'speed', null]);
  expect(trend.points[trend.points.length - 2].movingAverage).not.toBeNull();
  await context.close();
});

it('says "no comparison" when the previous window has no data, instead of NEW on every row', async () => {
  const { context, page } = await open(DESKTOP, `/?interval=hour&window=${oldestHour.toISOString()}`, '[data-testid=top-table] tbody tr');
  const moves = await page.locator('[data-testid=top-table] tbody td:last-child').allTextContents();
  expect(moves.length).toBe(10);
  expect(moves.every((m) => m.startsWith('—') && m.includes('no comparison'))).toBe(true);
  expect(await page.textContent('[data-testid=top-table] caption')).toContain('the previous window has no data to compare with');
  await context.close();
});

it('shows an empty window as empty: no CSV, totals that say nothing was recorded, a daily trend note without a table to point at', async () => {
  const quiet = registry.previous(registry.previous(registry.windowAt('week', yesterday)));
  for (const [options, name] of [
    [DESKTOP, 'empty-window.png'],
    [PHONE, 'empty-window-phone.png'],
  ] as const) {
    const { context, page } = await open(options, `/?interval=week&window=${quiet.start.toISOString()}`, '[data-testid=empty]');
    expect(await page.locator('[data-testid=csv]').count()).toBe(0);
    const totals = (await page.textContent('[data-testid=totals]')) ?? '';
    expect(totals).not.toContain('not available yet');
    expect(totals).toContain('nothing recorded in this window');
    const trend = (await page.textContent('section[aria-labelledby=trend-heading]')) ?? '';
    expect(trend).toContain('daily trend');
    expect(trend).not.toMatch(/dayly|Choose a product in the table to/);
    await shoot(page, name);
    await context.close();
  }
});

it('downloads a CSV that Excel reads: a byte-order mark, exact or estimate, movement as numbers, named like the PNG', async () => {
  const { context, page } = await open(DESKTOP, `/?interval=day&window=${yesterday.toISOString()}`, '[data-testid=csv]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv]')]);
  const png = await page.getAttribute('[data-testid=top-section] [data-testid=chart-png]', 'data-file-name');
  const day = yesterday.toISOString().slice(0, 10);
  expect([download.suggestedFilename(), png]).toEqual([`hitboard-top1000-day-${day}-units.csv`, `hitboard-top10-day-${day}-units.png`]);
  const bytes = readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
  expect(lines[0]).toBe('rank,product_id,name,category,units,revenue_cents,error_bound,source,share,share_of,movement,previous_rank');
  expect(lines.length).toBeGreaterThan(10); // a header and more rows than the top 10
  for (const line of lines.slice(1)) expect(line).toMatch(/,exact,0\.\d+,window total,(none|new|up|down|same),\d*$/);
  await context.close();
});

it('answers the favicon', async () => {
  const { context, page } = await open(DESKTOP, '/?interval=hour');
  const icon = await page.request.get(`${demo.server.base}/favicon.ico`);
  expect([icon.status(), icon.headers()['content-type']]).toEqual([200, 'image/x-icon']);
  await context.close();
});

it('moves the interval picker with arrow keys without loading each interval on the way, and opens the one chosen with Enter', async () => {
  const { context, page } = await open(DESKTOP, '/?interval=day', '[data-testid=top-table] tbody tr');
  await page.waitForLoadState('networkidle');
  // Page renders the browser asks for (not prefetches of links on the page it lands on).
  const renders: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/' && r.headers()['rsc'] && !r.headers()['next-router-prefetch']) renders.push(r.url());
  });
  await page.focus('[data-testid=interval]');
  await page.keyboard.press('ArrowDown'); // week
  await page.keyboard.press('ArrowDown'); // month
  await page.keyboard.press('ArrowDown'); // year
  expect(await page.inputValue('[data-testid=interval]')).toBe('year');
  expect(new URL(page.url()).searchParams.get('interval')).toBe('day');
  await page.keyboard.press('Enter');
  await page.waitForURL(/interval=year/);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await waitFor('the year to render', async () => (await page.textContent('[data-testid=window-label]'))?.match(/^\d{4} \(current\)$/) ?? false);
  // One page render for the one choice: not week and month on the way.
  expect(renders.map((u) => new URL(u).searchParams.get('interval'))).toEqual(['year']);
  await context.close();
});

it('keeps the date control and its Show button together at 1440 px, shows the recent-hours picker whole on a phone, and names the chart', async () => {
  const desktop = await open(DESKTOP, '/?interval=hour', '.recharts-bar-rectangle');
  const [input, button] = [await desktop.page.locator('[data-testid=at]').boundingBox(), await desktop.page.getByRole('button', { name: 'Show', exact: true }).boundingBox()];
  expect(button!.y).toBeLessThan(input!.y + input!.height); // on the same row as its date control
  expect(button!.x).toBeGreaterThan(input!.x);
  // The chart is a tab stop (recharts' keyboard layer): it has a name.
  expect(await desktop.page.locator('[data-testid=top-section] svg.recharts-surface > title').textContent()).toBe('Top 10 by units: bar chart');
  await shoot(desktop.page, 'controls-1440.png');
  await desktop.context.close();
  const phone = await open(PHONE, '/?interval=hour', '[data-testid=recent]');
  const recent = await phone.page.locator('[data-testid=recent] option').nth(2).getAttribute('value'); // an hour before the shown one
  await phone.page.selectOption('[data-testid=recent]', recent!);
  await phone.page.waitForURL(/window=/);
  await phone.page.waitForSelector('[data-testid=top-table] tbody tr');
  const fits = await phone.page.$eval('[data-testid=recent]', (select) => {
    const s = select as HTMLSelectElement;
    const style = getComputedStyle(s);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = `${style.fontSize} ${style.fontFamily}`;
    const text = s.selectedOptions[0]!.textContent!;
    // The text, the select's padding and its arrow (about 24 px) within the select's width.
    return { text, needs: Math.ceil(context.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 24), has: s.clientWidth };
  });
  expect(fits.needs).toBeLessThanOrEqual(fits.has);
  await shoot(phone.page, 'recent-picker-phone.png');
  await phone.context.close();
});

it('says "Rising now" is the live hour beside a past window, and draws a mover’s first-minute sparkline', async () => {
  const { context, page } = await open(DESKTOP, `/?interval=day&window=${yesterday.toISOString()}`, '[data-testid=mover]');
  expect(await page.textContent('[data-testid=rising-scope]')).toMatch(/live hour.*whatever window is shown/);
  const points = await page.getAttribute('[data-testid=mover][data-product-id=P0203] [data-testid=sparkline] polyline', 'points');
  expect(points!.trim().split(/\s+/).length).toBe(2);
  await context.close();
});
