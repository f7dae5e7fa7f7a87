/**
 * The analyst's first screen (issue 26), in Debian's Chromium at 1440×900 and 390×844 against the built
 * app: every product name readable in full on the chart and in its PNG; a live page's refresh costs one
 * data request and no page render (the dashboard's own /metrics); a category view's shares are of the
 * category's total, and every total says what it totals; a closed window still on estimates says its
 * exact figures are due, keeps refreshing until they arrive, then stops and says so; a mover clicked
 * beside a past window opens the current hour with its trend.
 *
 * The world is the demo world (support/demo-world.ts) with long product names whose first 20 characters
 * are shared; every instant the cases use is read from the seeded data, never from the clock.
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { waitFor } from '@hitboard/testkit';
import { formatCount, formatShare } from '../src/lib/format';
import { ARTIFACTS_DIR } from './support/artifacts';
import { shoot, useDemoDashboard } from './support/demo-dashboard';
import { demoCatalog } from './support/demo-world';
import { requestsBetween, requestsByRoute } from './support/metrics';
import { lookAt } from './support/png';
import { seedBatchWindow, seedMovers, seedSpeedWindow } from './support/seed';
import { signIn } from './support/sign-in';

jest.setTimeout(15 * 60_000);

const registry = IntervalRegistry.standard('UTC');
const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
] as const;

/** Long names that share their first 20+ characters: the tail is what tells them apart. */
const HEADS = ['Compact Face Cream 50 ml for Sensitive Skin', 'Classic Card Game Deluxe Edition', 'Organic Green Tea Loose Leaf 250 g'];
const LONGEST = 'Compact Face Cream 50 ml with Hyaluronic Acid for Sensitive Skin, Fragrance-Free, Pack of 3';
const longName = (i: number, noun: string) => (i === 0 ? LONGEST : `${HEADS[i % HEADS.length]} – ${noun}`);

/** Instants of the seeded world, read back from it. */
let liveMonth: Date;
let yesterday: Date;
let closedHour: Date;
const MOVER = 'P0105';

const demo = useDemoDashboard(registry, async (db) => {
  const catalog = demoCatalog();
  for (const [i, p] of catalog.entries()) await db.knex(TABLES.products).where({ product_id: p.id }).update({ name: longName(i, p.name) });
  const newest = async (interval: string, source: string) =>
    ((await db.knex(TABLES.windowTotals).where({ interval, source }).max({ w: 'window_start' }).first()) as { w: Date }).w;
  liveMonth = await newest('month', 'speed');
  yesterday = await newest('day', 'batch');
  // The hour before the oldest rolled-up hour: closed, and left on speed estimates (its rollup not in yet).
  const oldestHour = ((await db.knex(TABLES.windowTotals).where({ interval: 'hour', source: 'batch' }).min({ w: 'window_start' }).first()) as { w: Date }).w;
  closedHour = registry.previous(registry.windowStartingAt('hour', oldestHour)).start;
  await seedSpeedWindow(
    db.knex,
    'hour',
    closedHour,
    catalog.map((p, i) => ({ id: p.id, units: BigInt(200 - i * 3), revenue: BigInt(200 - i * 3) * 1000n, shard: i % 2, errorBound: 4n, revenueErrorBound: 4000n })),
    { updatedAt: new Date(closedHour.getTime() + 3_600_000 + 60_000) },
  );
  await seedMovers(db.knex, [{ id: MOVER, factor: 12, unitsPerHour: 120, usualUnitsPerHour: 10, since: new Date(closedHour.getTime() + 7 * 3_600_000) }]);
});

async function open(size: (typeof SIZES)[number], url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await signIn(demo.browser, demo.server, { viewport: size.viewport, deviceScaleFactor: 1, isMobile: 'isMobile' in size, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${demo.server.base}${url}`);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await page.waitForSelector('[data-testid=top-section] .recharts-bar-rectangle');
  return { context, page };
}

/** A phone's tap on "Download PNG" can leave recharts' tooltip showing; it is not part of the chart the PNG draws. */
const NO_TOOLTIP = '.recharts-tooltip-wrapper, .recharts-tooltip-cursor { visibility: hidden !important; }';

/** Each bar label of the top chart as drawn: its text (lines joined), and what of it does not show whole. */
async function barLabels(page: Page): Promise<{ names: string[]; labels: string[]; problems: string[] }> {
  return page.evaluate(() => {
    const section = document.querySelector('[data-testid=top-section]')!;
    const svg = section.querySelector('[data-testid=chart-body] svg.recharts-surface')!;
    const box = svg.getBoundingClientRect();
    const names = [...section.querySelectorAll('[data-testid=top-table] tbody tr td.name a')].map((a) => a.textContent ?? '');
    const ticks = [...svg.querySelectorAll('.recharts-yAxis-tick-labels text.recharts-cartesian-axis-tick-value')];
    const plot = svg.querySelector('.recharts-bar-rectangle')!.getBoundingClientRect();
    const problems: string[] = [];
    const rects = ticks.map((t) => t.getBoundingClientRect());
    const labels = ticks.map((t, i) => {
      const lines = t.querySelectorAll('tspan').length ? [...t.querySelectorAll('tspan')].map((s) => s.textContent ?? '') : [t.textContent ?? ''];
      const text = lines.join(' ').replace(/\s+/g, ' ').trim();
      const r = rects[i]!;
      if (text.includes('…')) problems.push(`"${text}" is ellipsised`);
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(`"${text}" spans ${r.left}–${r.right} outside its chart ${box.left}–${box.right}`);
      if (r.right > plot.left + 0.5) problems.push(`"${text}" runs into the bars (ends ${r.right}, bars start ${plot.left})`);
      const next = rects[i + 1];
      if (next && next.top < r.bottom - 0.5) problems.push(`"${text}" overlaps the next label`);
      return text;
    });
    return { names, labels, problems };
  });
}

it('shows every product name in full on the top chart and in its PNG, on a desktop and a phone', async () => {
  for (const size of SIZES) {
    for (const url of ['/?interval=month', `/?interval=day&window=${yesterday.toISOString()}&metric=revenue`]) {
      const { context, page } = await open(size, url);
      const { names, labels, problems } = await barLabels(page);
      expect(names.length).toBe(10);
      expect(names.some((n) => n.length > 60)).toBe(true); // the world holds names far past 20 characters
      expect({ size: size.name, url, labels, problems }).toEqual({ size: size.name, url, labels: names, problems: [] });
      if (url === '/?interval=month') {
        await shoot(page, `long-names-${size.name}.png`);
        const body = page.locator('[data-testid=top-section] [data-testid=chart-body]');
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=top-section] [data-testid=chart-png]')]);
        const png = Buffer.from(await (await import('node:fs/promises')).readFile((await download.path())!));
        await download.saveAs(path.join(ARTIFACTS_DIR, `long-names-chart-${size.name}.png`));
        // The PNG draws what the screen shows (labels included): under 1 % of pixels differ.
        const look = await lookAt(page, png, await body.screenshot({ path: path.join(ARTIFACTS_DIR, `long-names-chart-screen-${size.name}.png`), style: NO_TOOLTIP }), [0x1d, 0x4e, 0xd8], 60);
        process.stdout.write(`${size.name} chart PNG: ${JSON.stringify(look)}\n`);
        expect(look.differsFromScreen).toBeLessThan(0.01);
      }
      await context.close();
    }
  }
});

it('refreshes a live page with one data request and no page render, and shows the new figures and movers', async () => {
  for (const size of SIZES) {
    const { context, page } = await open(size, '/?interval=month');
    await page.waitForLoadState('networkidle');
    const top = await page.getAttribute('[data-testid=top-table] tbody tr', 'data-product-id');
    const refreshes: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/live' || (url.pathname === '/' && r.headers()['rsc'] && !r.headers()['next-router-prefetch'])) refreshes.push(r.url());
    });
    const before = await requestsByRoute(demo.server.opsBase);
    // A sale lands on the shown window: the next refresh must show it.
    const [row] = (await demo.db.knex(TABLES.speedTable).where({ interval: 'month', window_start: liveMonth, product_id: top }).select('units')) as { units: bigint }[];
    const raised = BigInt(row!.units) + 1_000_000n;
    await demo.db.knex(TABLES.speedTable).where({ interval: 'month', window_start: liveMonth, product_id: top }).update({ units: String(raised) });
    await waitFor('the page to show the new figure', async () => ((await page.textContent('[data-testid=figure]')) ?? '').startsWith(formatCount(String(raised))), 60_000);
    // A product starts rising: the same refresh brings it into "Rising now".
    const riser = size.name === 'desktop' ? 'P0402' : 'P0403';
    await seedMovers(demo.db.knex, [{ id: riser, factor: 6, unitsPerHour: 90, usualUnitsPerHour: 15, since: liveMonth }]);
    await page.waitForSelector(`[data-testid=rising-now] [data-testid=mover][data-product-id=${riser}]`, { timeout: 60_000 });
    await waitFor('three refreshes served', async () => refreshes.length >= 3 && (requestsBetween(before, await requestsByRoute(demo.server.opsBase))['/api/live'] ?? 0) >= 3, 60_000);
    const added = requestsBetween(before, await requestsByRoute(demo.server.opsBase));
    // Every request the server saw since is one of the page's refreshes, and each is one data request.
    expect({ size: size.name, added }).toEqual({ size: size.name, added: { '/api/live': added['/api/live'] } });
    expect(added['/api/live']).toBeGreaterThanOrEqual(3);
    if (size.name === 'desktop') await shoot(page, 'live-refresh.png');
    await context.close();
  }
});

it('gives a category view the category total, each product its share of it, and labels every total', async () => {
  const [toys] = (await demo.db.knex(TABLES.batchTable).where({ interval: 'day', window_start: yesterday, category: 'Toys' }).sum({ units: 'units' })) as { units: string }[];
  const toysUnits = BigInt(toys!.units);
  for (const size of SIZES) {
    const { context, page } = await open(size, `/?interval=day&window=${yesterday.toISOString()}&category=Toys`);
    const rows = await page.$$eval('[data-testid=top-table] tbody tr', (trs) =>
      trs.map((tr) => ({ units: tr.querySelector('[data-testid=figure]')!.textContent!.replace(/,/g, ''), share: tr.querySelector('[data-testid=share]')!.textContent })),
    );
    expect(rows.map((r) => r.share)).toEqual(rows.map((r) => formatShare(Number(r.units) / Number(toysUnits))));
    const totals = (await page.textContent('[data-testid=totals]')) ?? '';
    expect(totals).toContain(`Toys total: ${formatCount(String(toysUnits))} units`);
    expect(totals).toMatch(/All categories: [\d,]+ units/);
    expect(await page.textContent('[data-testid=share-note]')).toMatch(/Share of Toys/);
    if (size.name === 'desktop') await shoot(page, 'category-shares.png');
    await context.close();
  }
  // On live estimates the share says what it is of: the category's products among the speed layer's candidates.
  const { context, page } = await open(SIZES[0], '/?interval=month&category=Toys');
  expect(await page.textContent('[data-testid=share-note]')).toMatch(/Share of Toys .*estimat/i);
  expect(await page.textContent('[data-testid=totals]')).toMatch(/Toys total \(estimate/);
  await context.close();
});

it('says a closed window on estimates awaits its exact figures, keeps refreshing until they arrive, then stops and says so', async () => {
  const url = `/?interval=hour&window=${closedHour.toISOString()}`;
  const due = /Exact figures due .*\d\d:\d\d/;
  const phone = await open(SIZES[1], url);
  expect(await phone.page.textContent('[data-testid=refresh-status]')).toMatch(due);
  await shoot(phone.page, 'exact-due-phone.png');
  await phone.context.close();
  const { context, page } = await open(SIZES[0], url);
  expect(await page.textContent('[data-testid=freshness]')).toMatch(/^Estimate/);
  expect(await page.textContent('[data-testid=refresh-status]')).toMatch(due);
  await shoot(page, 'exact-due.png');
  // The rollup publishes: exact rows and totals in, the window's speed rows out (one transaction, as the batch layer does).
  const sales = (await demo.db.knex(TABLES.speedTable).where({ interval: 'hour', window_start: closedHour }).select('product_id', 'units', 'revenue_cents')) as {
    product_id: string;
    units: bigint;
    revenue_cents: bigint;
  }[];
  const categoryOf = new Map(demoCatalog().map((p) => [p.id, p.category]));
  await seedBatchWindow(
    demo.db.knex,
    'hour',
    closedHour,
    sales.map((s) => ({ id: s.product_id, units: s.units, revenue: s.revenue_cents })),
    { categoryOf: (id) => categoryOf.get(id)! },
  );
  await demo.db.knex(TABLES.speedTable).where({ interval: 'hour', window_start: closedHour }).delete();
  await demo.db.knex(TABLES.windowTotals).where({ interval: 'hour', window_start: closedHour, source: 'speed' }).delete();
  await waitFor('the exact figures on the open page', async () => /^Exact/.test((await page.textContent('[data-testid=freshness]')) ?? ''), 60_000);
  expect(await page.textContent('[data-testid=refresh-status]')).toMatch(/Exact figures arrived.*refresh stopped/);
  expect(await page.$('[data-testid=pause]')).toBeNull();
  await shoot(page, 'exact-arrived.png');
  await context.close();
});

it('opens the current hour with the product’s trend when a mover is clicked beside a past day', async () => {
  const name = ((await demo.db.knex(TABLES.products).where({ product_id: MOVER }).first()) as { name: string }).name;
  for (const size of SIZES) {
    const { context, page } = await open(size, `/?interval=day&window=${yesterday.toISOString()}`);
    await page.click(`[data-testid=mover][data-product-id=${MOVER}] a`);
    await page.waitForURL(new RegExp(`product=${MOVER}`));
    await page.waitForSelector('[data-testid=trend]');
    const url = new URL(page.url());
    expect([url.searchParams.get('interval'), url.searchParams.get('window')]).toEqual(['hour', null]);
    expect(await page.textContent('[data-testid=window-label]')).toMatch(/\(current\)$/);
    expect(await page.textContent('#trend-heading')).toContain(name);
    await shoot(page, `mover-opens-current-${size.name}.png`);
    await context.close();
  }
});
