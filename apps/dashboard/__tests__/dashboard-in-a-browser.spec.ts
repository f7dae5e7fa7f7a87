/**
 * End to end: `next build` once (with canary secrets in the build environment), the documented
 * start command (`src/serve.ts`) against a seeded migrated database, and Debian's Chromium through
 * playwright-core: switch interval, metric and category and check the ten rows against the
 * database, download the CSV and each chart's PNG, check that the top list's every column shows whole
 * from a phone to a desktop, check security headers, and save screenshots and the PNGs for CI.
 *
 * The build is shared with the access test (support/build.ts); DASHBOARD_TEST_REUSE_BUILD=1 keeps an
 * existing one (local iteration only; CI builds).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { chosenClockEnv } from '@hitboard/runtime/clock';
import { IntervalRegistry } from '@hitboard/time';
import { VIEWS, type Metric } from '@hitboard/schema';
import { freshDatabase, TEST_READER_PASSWORD, type FreshDatabase } from '@hitboard/testkit';
import { distDir } from '../src/serve';
import { ARTIFACTS_DIR } from './support/artifacts';
import { BUILD_CANARY, ensureTestBuild } from './support/build';
import { seedDemoWorld } from './support/demo-world';
import { lookAt, pngSize } from './support/png';
import { seedMovers } from './support/seed';
import { signIn } from './support/sign-in';
import { startDashboard, type RunningDashboard } from './support/server';

jest.setTimeout(15 * 60_000);

const CANARY = BUILD_CANARY;
const registry = IntervalRegistry.standard('UTC');

let db: FreshDatabase;
let server: RunningDashboard | undefined;
let base = '';
let browser: Browser | undefined;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/**
 * The instant the world is seeded for and the server's clock starts at (HITBOARD_CLOCK_START): 55 minutes
 * before the hour closes, far more than the suite takes, so "the current hour" is this one at any time of
 * the real day (a suite that crossed 07:00 UTC on the real clock once failed six cases).
 */
const NOW_MS = Date.parse('2026-11-18T10:05:00Z');

beforeAll(async () => {
  // The build sees canary secrets: if any code inlined configuration into the build, the grep below finds it.
  await ensureTestBuild();
  db = await freshDatabase();
  await seedDemoWorld(db.knex, registry, NOW_MS);
  server = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, ...chosenClockEnv(new Date(NOW_MS).toISOString()).env });
  base = server.base;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 15 * 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await db?.drop();
});

interface ShownRow {
  productId: string;
  rank: string;
}

async function shownRows(page: Page): Promise<ShownRow[]> {
  return page.$$eval('[data-testid=top-table] tbody tr', (trs) =>
    trs.map((tr) => ({ productId: tr.getAttribute('data-product-id') ?? '', rank: tr.querySelector('td')?.textContent ?? '' })),
  );
}

/** The top ten the database serves for a window, read straight from the view. */
async function expectedTop(interval: string, metric: Metric, category: string | null = null): Promise<ShownRow[]> {
  const window = registry.windowAt(interval, NOW_MS);
  const rankColumn = category ? 'category_rank' : 'rank';
  const query = db
    .knex(VIEWS.top1000)
    .select('product_id', rankColumn)
    .where({ interval, window_start: window.start, metric })
    .where(rankColumn, '<=', 10)
    .orderBy(rankColumn);
  if (category) query.where({ category });
  const rows = (await query) as Record<string, unknown>[];
  return rows.map((r) => ({ productId: String(r.product_id), rank: String(r[rankColumn]) }));
}

const signedInContext = (options: BrowserContextOptions): Promise<BrowserContext> => signIn(browser!, server!, options);

async function waitForUrl(page: Page, pattern: RegExp): Promise<void> {
  await page.waitForURL(pattern);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await page.waitForLoadState('networkidle');
}

it('holds no connection string or secret in the build output', () => {
  const files = filesUnder(distDir()).filter((f) => !f.includes(`${path.sep}cache${path.sep}`));
  expect(files.length).toBeGreaterThan(10);
  const leaks = files.filter((file) => {
    const text = readFileSync(file, 'latin1');
    return text.includes(CANARY.password) || text.includes('canary-url-secret') || text.includes('canary-db.internal');
  });
  expect(leaks).toEqual([]);
});

it('shows the top ten as the database ranks them, across interval, metric and category, and downloads the CSV', async () => {
  const context = await signedInContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const response = await page.goto(`${base}/?interval=hour`);
  expect(response!.status()).toBe(200);
  const headers = response!.headers();
  expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-powered-by']).toBeUndefined();
  await page.waitForSelector('[data-testid=top-table] tbody tr');

  expect(await shownRows(page)).toEqual(await expectedTop('hour', 'units'));
  // The world was seeded before the build finished on a loaded machine: seconds or minutes ago.
  expect(await page.textContent('[data-testid=freshness]')).toMatch(/Estimate ± bound, updated \d+ (s|min) ago/);
  expect(await page.textContent('[data-testid=figure]')).toMatch(/^[\d,]+ ± \d+$/);

  await page.click('[data-testid=metric-revenue]');
  await waitForUrl(page, /metric=revenue/);
  expect(await shownRows(page)).toEqual(await expectedTop('hour', 'revenue'));
  expect(await page.textContent('[data-testid=figure]')).toMatch(/^\$[\d,]+\.\d\d ± \$[\d,]+\.\d\d$/);

  await page.selectOption('[data-testid=interval]', 'day');
  await waitForUrl(page, /interval=day/);
  expect(await shownRows(page)).toEqual(await expectedTop('day', 'revenue'));

  if (process.env.DASHBOARD_TEST_DEBUG) process.stdout.write(`${await page.innerHTML('[data-testid=category]')}\n${server!.log()}\n`);
  await page.selectOption('[data-testid=category]', 'Kitchen');
  await waitForUrl(page, /category=Kitchen/);
  expect(await shownRows(page)).toEqual(await expectedTop('day', 'revenue', 'Kitchen'));
  expect(await page.textContent('[data-testid=speed-category-note]')).toMatch(/global candidates/);

  // The previous day is rolled up: exact, no bounds, and the category list is exact. Picked from the list of windows with data.
  const yesterdayStart = registry.previous(registry.windowAt('day', NOW_MS)).start.toISOString();
  await page.selectOption('[data-testid=recent]', yesterdayStart);
  await waitForUrl(page, new RegExp(`window=${encodeURIComponent(yesterdayStart)}`));
  expect(await page.textContent('[data-testid=freshness]')).toMatch(/^Exact, rolled up \d\d:\d\d$/);
  expect(await page.$('[data-testid=speed-category-note]')).toBeNull();

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv]')]);
  const csv = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
  const yesterday = registry.previous(registry.windowAt('day', NOW_MS));
  const [counted] = (await db
    .knex(VIEWS.top1000)
    .where({ interval: 'day', window_start: yesterday.start, metric: 'revenue', category: 'Kitchen' })
    .where('category_rank', '<=', 1000)
    .count({ count: '*' })) as { count: bigint }[];
  expect(BigInt(csv.length - 1)).toBe(counted!.count);
  expect(csv[0]).toBe('\uFEFFrank,product_id,name,category,units,revenue_cents,error_bound,source,share,share_of,movement,previous_rank');

  // Previous / next step one window.
  await page.click('[data-testid=previous]');
  const dayBefore = registry.previous(yesterday).start.toISOString();
  await page.waitForURL(new RegExp(`window=${encodeURIComponent(dayBefore)}`));
  await page.waitForSelector('[data-testid=empty]');
  await page.click('[data-testid=next]');
  await waitForUrl(page, new RegExp(`window=${encodeURIComponent(yesterdayStart)}`));

  // A window with no data gets the designed empty state, not an empty table.
  const quiet = registry.previous(registry.previous(registry.windowAt('week', NOW_MS)));
  await page.goto(`${base}/?interval=week&window=${quiet.start.toISOString()}`);
  expect(await page.textContent('[data-testid=empty] h3')).toBe('No sales in this window');
  expect(await page.textContent('[data-testid=freshness]')).toBe('No data');
  // A bad link gets a page that names the parameter.
  await page.goto(`${base}/?interval=fortnight`);
  expect(await page.textContent('[role=alert]')).toMatch(/interval: unknown interval "fortnight"/);

  // Back to the live hour by units for the screenshot: chart, table, trend.
  await page.goto(`${base}/?interval=hour`);
  await page.waitForSelector('[data-testid=trend] .recharts-surface');
  await page.waitForSelector('.recharts-bar-rectangle');
  const screenshot = path.join(ARTIFACTS_DIR, 'dashboard.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  const phone = await signedInContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true });
  const phonePage = await phone.newPage();
  await phonePage.goto(`${base}/?interval=hour&metric=revenue`);
  await phonePage.waitForSelector('[data-testid=top-table] tbody tr');
  const phoneShot = path.join(ARTIFACTS_DIR, 'dashboard-phone.png');
  await phonePage.screenshot({ path: phoneShot, fullPage: true });
  process.stdout.write(`\ndashboard screenshots: ${screenshot} ${phoneShot}\n`);
  await phone.close();
  await context.close();
});

it('answers the API on the running server with the same validation', async () => {
  const bad = await fetch(`${base}/api/top?interval=hour&k=${encodeURIComponent("1; DROP TABLE products")}`, { headers: server!.auth });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ error: 'k: must be a whole number from 1 to 1000', param: 'k' });
  const good = await fetch(`${base}/api/top?interval=hour`, { headers: server!.auth });
  expect(good.headers.get('cache-control')).toBe('private, max-age=5');
  expect(good.headers.get('x-frame-options')).toBe('DENY');
  expect((await good.json()).rows).toHaveLength(10);
});

/** The live hour's number one, as the API ranks it. */
async function topProductNow(): Promise<string> {
  const topNow = await (await fetch(`${base}/api/top?interval=hour&k=10`, { headers: server!.auth })).json();
  return topNow.rows[0].productId as string;
}

let seededMovers: Promise<{ since: Date; topProduct: string }> | undefined;
/**
 * What the speed pipeline writes for a spike (once per suite): a tail product at 40 × its usual, and the
 * top product rising too (so a row of the top list carries the badge).
 */
function seedRisingProducts(): Promise<{ since: Date; topProduct: string }> {
  seededMovers ??= (async () => {
    const topProduct = await topProductNow();
    const since = new Date(NOW_MS - 8 * 60_000);
    await seedMovers(db.knex, [
      { id: 'P0105', factor: 40, unitsPerHour: 240, usualUnitsPerHour: 6, since, spark: [0, 1, 3, 6, 9, 12, 14, 15] },
      { id: topProduct, factor: 3.4, unitsPerHour: 900, usualUnitsPerHour: 260, since, shard: 1 },
    ]);
    return { since, topProduct };
  })();
  return seededMovers;
}

it('shows "Rising now" beside the top 10 with an injected spike, badges a top product that rises, and links to its trend', async () => {
  const { since, topProduct } = await seedRisingProducts();
  const context = await signedInContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/?interval=hour`);
  const panel = page.locator('[data-testid=rising-now]');
  await panel.waitFor();
  const items = panel.locator('[data-testid=mover]');
  expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-product-id')))).toEqual(['P0105', topProduct]);
  expect(await items.first().locator('[data-testid=mover-factor]').textContent()).toBe('×40');
  expect(await items.first().locator('[data-testid=sparkline] polyline').count()).toBe(1);
  expect(await items.first().locator('time').getAttribute('datetime')).toBe(since.toISOString());
  // The badge sits on the top list's row of the rising top product, and only there.
  expect(await page.locator('[data-testid=top-table] [data-testid=rising-badge]').evaluateAll((els) => els.map((e) => e.closest('tr')!.getAttribute('data-product-id')))).toEqual([topProduct]);
  // Side by side: the panel starts right of the top list on a wide screen.
  const [topBox, panelBox] = [await page.locator('[data-testid=top-section]').boundingBox(), await panel.boundingBox()];
  expect(panelBox!.x).toBeGreaterThan(topBox!.x + topBox!.width - 1);
  const screenshot = path.join(ARTIFACTS_DIR, 'rising-now.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  process.stdout.write(`\nrising-now screenshot: ${screenshot}\n`);
  // A mover's name opens its trend.
  await items.first().locator('a').click();
  await page.waitForURL(/product=P0105/);
  await context.close();
});

it('shows every column of the top list, Move and the rising badge included, unclipped on a desktop, a tablet and a phone', async () => {
  await seedRisingProducts(); // a badge in the name column makes it wider
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 1024, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const context = await signedInContext({ viewport, deviceScaleFactor: 1, isMobile: viewport.width < 500 });
    const page = await context.newPage();
    await page.goto(`${base}/?interval=hour`);
    await page.waitForSelector('[data-testid=top-table] [data-testid=rising-badge]');
    expect(await page.locator('[data-testid=top-table] thead th').last().textContent()).toBe('Move');
    expect(await page.locator('[data-testid=top-table] tbody td:last-child').count()).toBe(10);
    expect([viewport.width, await clippedInTopList(page)]).toEqual([viewport.width, []]);
    const shot = path.join(ARTIFACTS_DIR, `top-list-${viewport.width}.png`);
    await page.locator('[data-testid=top-section]').screenshot({ path: shot });
    process.stdout.write(`\ntop list at ${viewport.width} px: ${shot}\n`);
    await context.close();
  }
});

/** What of the top table does not show whole: a table that scrolls sideways, a Move cell or badge out of its box, a page wider than the screen. */
async function clippedInTopList(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const table = document.querySelector('[data-testid=top-table]')!;
    const wrap = table.parentElement!;
    const box = wrap.getBoundingClientRect();
    const out: string[] = [];
    if (wrap.scrollWidth > wrap.clientWidth) out.push(`the table scrolls sideways: ${wrap.scrollWidth} px in ${wrap.clientWidth} px`);
    for (const el of table.querySelectorAll('th:last-child, td:last-child, [data-testid=rising-badge]')) {
      const r = el.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push(`"${el.textContent}" spans ${r.left}–${r.right}, its box ${box.left}–${box.right}`);
      if (el.scrollWidth > el.clientWidth) out.push(`"${el.textContent}" overflows its cell`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in ${window.innerWidth} px`);
    return out;
  });
}

it('downloads each chart as a PNG that looks like the screen: named for its window, white, with its title, bars and legend', async () => {
  const context = await signedInContext({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}/?interval=hour`);
  await page.waitForSelector('[data-testid=trend] .recharts-surface');
  await page.waitForSelector('.recharts-bar-rectangle');
  await page.waitForLoadState('networkidle');
  const hour = registry.windowAt('hour', NOW_MS).start.toISOString().slice(0, 13); // UTC: the registry's zone
  const topProduct = await topProductNow();
  const charts = [
    { section: '[data-testid=top-section]', name: `hitboard-top10-hour-${hour}-units.png`, artifact: 'chart-top10.png', bar: [0x1d, 0x4e, 0xd8] as [number, number, number] },
    { section: '[data-testid=trend]', name: `hitboard-trend-hour-${hour}-${topProduct}-units.png`, artifact: 'chart-trend.png', bar: [0x93, 0xb0, 0xee] as [number, number, number] },
  ];
  for (const chart of charts) {
    const body = page.locator(`${chart.section} [data-testid=chart-body]`);
    const box = (await body.boundingBox())!;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${chart.section} [data-testid=chart-png]`)]);
    expect(download.suggestedFilename()).toBe(chart.name);
    const png = readFileSync((await download.path())!);
    const saved = path.join(ARTIFACTS_DIR, chart.artifact);
    await download.saveAs(saved);
    process.stdout.write(`\n${chart.name} (${png.length} bytes): ${saved}\n`);
    // Twice the on-screen size, plus the title's 30 px band.
    const size = pngSize(png);
    expect(size).toEqual({ width: 2 * Math.ceil(box.width), height: 2 * (Math.ceil(box.height) + 30) });
    const look = await lookAt(page, png, await body.screenshot(), chart.bar, 60);
    process.stdout.write(`${chart.artifact}: ${JSON.stringify(look)}\n`);
    expect(look.opaque).toBe(true);
    expect(look.corner).toEqual([255, 255, 255]);
    expect(look.inked).toBeGreaterThan(0.02); // not blank
    expect(look.ofColour).toBeGreaterThan(2000); // its bars, in their colour
    expect(look.darkInBand).toBeGreaterThan(200); // the title's text
    expect(look.differsFromScreen).toBeLessThan(0.01); // where things are and how they look: like the screen (0.3 % measured: antialiasing)
  }
  await context.close();
});

it('signs out: the button ends the session in this browser, and the page asks to sign in again', async () => {
  const context = await signedInContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/?interval=hour`);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await page.click('[data-testid=sign-out]');
  await page.waitForURL(/\/auth\/sign-in\?signed-out/);
  expect(await page.textContent('[role=status]')).toBe('Signed out.');
  expect(await context.cookies()).toEqual([]);
  await page.goto(`${base}/?interval=hour`);
  expect(page.url()).toBe(`${base}/auth/sign-in?next=${encodeURIComponent('/?interval=hour')}`);
  await context.close();
});
