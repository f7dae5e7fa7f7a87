/**
 * The range picker in Debian's Chromium against the built app, a real Postgres and a local lake holding
 * the built windows' rollup files: type a range, see its top 10 (exact, from the tiles), its movement
 * against the range of the same length before, its CSV; a metric change and a reload keep the range;
 * a reversed range is refused naming the parameter. The clock is started at a chosen instant.
 *
 * World (UTC): month November 2026 (P1 1000, P2 1200, P3 300), day Dec 1 (P1 500) built; before the range,
 * hour Oct 31 23:00 (P1 10, P3 5) built. Range: Nov 1 00:00 → Dec 2 00:00, tiled by the month and the day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shoot, useBrowserDashboard } from './support/demo-dashboard';
import { signIn } from './support/sign-in';
import { seedProducts, type Sale } from './support/seed';
import { seedBuiltWindow } from './support/rollup-lake';

jest.setTimeout(15 * 60_000);

const START = '2026-12-02T10:35:00Z';
const CATEGORY: Record<string, string> = { P1: 'Toys', P2: 'Toys', P3: 'Books' };
const categoryOf = (id: string) => CATEGORY[id] ?? '';
const sale = (id: string, units: number, price = 100): Sale => ({ id, units: BigInt(units), revenue: BigInt(units * price), orders: BigInt(units) });

let lakeDir: string;
const dashboard = useBrowserDashboard({
  start: START,
  seed: async (db) => {
    lakeDir = mkdtempSync(join(tmpdir(), 'hitboard-range-browser-lake-'));
    await seedProducts(db.knex, Object.keys(CATEGORY).map((id) => ({ id, name: `Product ${id}`, category: CATEGORY[id]! })));
    await seedBuiltWindow(db.knex, lakeDir, 'month', new Date('2026-11-01T00:00:00Z'), [sale('P1', 1000), sale('P2', 1200, 1000), sale('P3', 300)], { categoryOf });
    await seedBuiltWindow(db.knex, lakeDir, 'day', new Date('2026-12-01T00:00:00Z'), [sale('P1', 500)], { categoryOf });
    await seedBuiltWindow(db.knex, lakeDir, 'hour', new Date('2026-10-31T23:00:00Z'), [sale('P1', 10), sale('P3', 5)], { categoryOf });
  },
  env: () => ({ LAKE_DIR: lakeDir }),
});
afterAll(() => {
  if (lakeDir) rmSync(lakeDir, { recursive: true, force: true });
});

it('shows the top 10 of a typed range, compared with the range before, with its CSV; links keep the range', async () => {
  const context = await signIn(dashboard.browser, dashboard.server, { viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${dashboard.server.base}/?interval=day`);
  await page.waitForSelector('[data-testid=range-picker]');
  await page.fill('[data-testid=range-from]', '2026-11-01T00:00');
  await page.fill('[data-testid=range-to]', '2026-12-02T00:00');
  await page.click('[data-testid=range-show]');
  await page.waitForSelector('[data-testid=range-table] tbody tr');
  expect(page.url()).toContain('from=2026-11-01T00%3A00');
  expect(page.url()).toContain('to=2026-12-02T00%3A00');

  const ids = await page.locator('[data-testid=range-table] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-product-id')));
  expect(ids).toEqual(['P1', 'P2', 'P3']); // 1500, 1200, 300 units
  expect(await page.locator('[data-testid=range-figure]').allTextContents()).toEqual(['1,500', '1,200', '300']);
  // Before: P1 first, P3 second (hour Oct 31 23:00), P2 absent.
  expect(await page.locator('[data-testid=range-move]').allTextContents()).toEqual(['=', 'NEW', '▼ 1']);
  expect(await page.textContent('[data-testid=range-section] #top-heading')).toBe('Top 10 by units');
  expect(await page.textContent('[data-testid=range-source]')).toBe('Exact');
  expect(await page.textContent('[data-testid=range-hours]')).toContain('2 rolled-up windows');
  expect(await page.textContent('[data-testid=range-table] caption')).toContain('1 Oct 2026, 00:00 → 1 Nov 2026, 00:00');
  await shoot(page, 'range.png');

  const csvHref = await page.getAttribute('[data-testid=range-csv]', 'href');
  expect(csvHref).toBe('/api/top.csv?from=2026-11-01T00%3A00%3A00.000Z&to=2026-12-02T00%3A00%3A00.000Z&metric=units');
  const csv = await (await fetch(`${dashboard.server.base}${csvHref}`, { headers: dashboard.server.auth })).text();
  expect(csv.replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(',').slice(0, 5).join(','))).toEqual([
    'rank,product_id,name,category,units',
    '1,P1,Product P1,Toys,1500',
    '2,P2,Product P2,Toys,1200',
    '3,P3,Product P3,Books,300',
  ]);

  // Ranking by revenue keeps the range (the URL is the state), and so does a reload of that link.
  await page.click('[data-testid=metric-revenue]');
  await page.waitForURL(/metric=revenue/);
  expect(page.url()).toContain('from=2026-11-01T00%3A00');
  await page.waitForFunction(() => document.querySelector('[data-testid=range-table] tbody tr')?.getAttribute('data-product-id') === 'P2');
  await page.reload();
  await page.waitForSelector('[data-testid=range-table] tbody tr');
  expect(await page.locator('[data-testid=range-figure]').first().textContent()).toBe('$12,000.00');
  expect(await page.inputValue('[data-testid=range-from]')).toBe('2026-11-01T00:00');

  // Back to windows drops the range.
  await page.click('[data-testid=range-clear]');
  await page.waitForSelector('[data-testid=top-section]');
  expect(page.url()).not.toContain('from=');
  await context.close();
});

it('guards the range API like /api/top: refused without credentials, answered with the API token', async () => {
  const path = '/api/top?from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00Z';
  const refused = await fetch(`${dashboard.server.base}${path}`);
  expect(refused.status).toBe(401);
  expect(await refused.json()).toEqual({ error: 'sign-in required' });
  const answered = await fetch(`${dashboard.server.base}${path}`, { headers: dashboard.server.auth });
  expect(answered.status).toBe(200);
  expect(await answered.json()).toMatchObject({ source: 'batch', exact: true, rows: [{ productId: 'P1', units: '1500' }, { productId: 'P2' }, { productId: 'P3' }] });
});

it('refuses a reversed range on the page, naming the parameter', async () => {
  const context = await signIn(dashboard.browser, dashboard.server, { viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${dashboard.server.base}/?interval=day&from=2026-12-02T00:00&to=2026-11-01T00:00`);
  await page.waitForSelector('text=That link has a bad parameter');
  expect(await page.textContent('main')).toContain('from: must be before to');
  await context.close();
});
