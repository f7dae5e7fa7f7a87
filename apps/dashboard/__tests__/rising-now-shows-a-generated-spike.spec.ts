/**
 * "Rising now" end to end, from a spike the generator injected to the analyst's screen: the
 * generator's CLI sells steady traffic for 68 minutes, then `--spike` makes a mid-tail product sell
 * ×40 its usual for the last 12 minutes; the real aggregator sums the events through a real broker
 * into `product-sums`, the real speed pipeline scores every product and writes its movers; the built
 * dashboard (its documented start command) shows them in Chromium.
 *
 * Robust to how the detector is tuned (libs/movers/src): the spike is large, long and of a
 * product with plenty of history, and only what any sound tuning must give is asserted: the spiked
 * product is listed rising, by a large factor, since about when the spike began; the badge is on the
 * rows of the top list that are movers; the mover's name opens its trend.
 */
import { chosenClockEnv } from '@hitboard/runtime/clock';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { demandFactor } from '@hitboard/generator';
import { TABLES } from '@hitboard/schema';
import { describeKafka, TEST_READER_PASSWORD, uniqueTopic, waitFor } from '@hitboard/testkit';
import { ARTIFACTS_DIR } from './support/artifacts';
import { ensureTestBuild } from './support/build';
import { signIn } from './support/sign-in';
import { startDashboard, type RunningDashboard } from './support/server';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(30 * 60_000);

const MIN = 60_000;
const SPIKE_FACTOR = 40;
/** Steady history before the spike: more than the hour the tracker watches before it scores anything. */
const STEADY_MINUTES = 68;
const SPIKE_MINUTES = 12;
/** The spiked product's rank by sales in the steady part: mid-tail, yet with a usual rate to compare against. */
const SPIKED_RANK = 40;
/** Sales per second of the steady traffic, whatever the hour of the day the test runs at (see generatorArgs). */
const STEADY_RATE = 4;
/**
 * Every process of the test (apps, generator, dashboard) runs on a clock started here (HITBOARD_CLOCK_START):
 * a Wednesday afternoon, so the run is the same at any real hour. In the future, not the past: Kafka's
 * retention and time-based segment rolling read message timestamps, and would drop data weeks "old".
 */
const CLOCK_START = '2099-11-18T15:24:00Z';

/**
 * The generator's settings for both of its runs (one stream: a chunk depends only on the seed and its
 * start). It follows a shop's daily cycle (a weekday at 05:00 UTC sells ~5 % of an average hour, at
 * 19:00 ~170 %): its `--rate` is set so that the test's own span of event time averages STEADY_RATE
 * sales/s. Without this the spiked product had 11 steady sales when CI ran at 06:00 UTC, 50+ in the afternoon.
 */
function generatorArgs(fromMs: number, toMs: number): string[] {
  const minutes = Math.max(1, Math.round((toMs - fromMs) / MIN));
  let demand = 0;
  for (let m = 0; m < minutes; m++) demand += demandFactor(fromMs + (m + 0.5) * MIN);
  const rate = STEADY_RATE / (demand / minutes);
  return ['--products', '1000', '--rate', rate.toFixed(3), '--seed', '17', '--late-share', '0'];
}

interface MoverRow {
  product_id: string;
  factor: number;
  since: Date;
  is_new: boolean;
}

describeKafka('Rising now, from a generated spike through the pipelines to the browser', (brokers) => {
  let system: TestSystem | undefined;
  let dashboard: RunningDashboard | undefined;
  let browser: Browser | undefined;
  let spiked: { productId: string; name: string; startMs: number };

  beforeAll(async () => {
    const building = ensureTestBuild();
    const chosen = chosenClockEnv(CLOCK_START);
    const world = (system = await startTestSystem(brokers, 'rising', chosen.env));
    const { db, work } = world;
    world.start('aggregator', 'aggregator', { KAFKA_GROUP_ID: uniqueTopic('rising-aggregator'), FLUSH_INTERVAL_MS: '1000' });
    world.start('speed-pipeline', 'speed pipeline', { KAFKA_GROUP_ID: uniqueTopic('rising-speed'), WRITE_INTERVAL_MS: '500' });

    // Event time ends now; both runs lie in the past, so the generator sends them as fast as the broker takes them.
    const endMs = Math.floor(chosen.clock.now() / 1000) * 1000;
    const spikeMs = endMs - SPIKE_MINUTES * MIN;
    const fromMs = spikeMs - STEADY_MINUTES * MIN;
    const generatorSettings = generatorArgs(fromMs, endMs);
    const generate = (name: string, args: string[]) => world.generate(name, [...generatorSettings, ...args]).succeeded();
    // Steady traffic first (and the catalog, for names), with its ground truth to pick the product from.
    const steadyTruth = path.join(work, 'steady.ndjson');
    await generate('generator (steady)', ['--from', iso(fromMs), '--to', iso(spikeMs), '--catalog', '--truth', steadyTruth]);
    const sales = new Map<string, number>();
    for (const line of readFileSync(steadyTruth, 'utf8').split('\n').filter(Boolean)) {
      const { product_id } = JSON.parse(line) as { product_id: string };
      sales.set(product_id, (sales.get(product_id) ?? 0) + 1);
    }
    const ranked = [...sales].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const [productId, steadySales] = ranked[SPIKED_RANK - 1]!;
    expect(steadySales).toBeGreaterThanOrEqual(30); // a usual rate with evidence: ~30+ sales an hour
    // Then the same stream goes on, with the spike on top.
    const spikeTruth = path.join(work, 'spike.ndjson');
    await generate('generator (spike)', ['--from', iso(spikeMs), '--to', iso(endMs), '--spike', `${productId}@${iso(spikeMs)}×${SPIKE_FACTOR}/30m`, '--truth', spikeTruth]);
    const [record] = readFileSync(`${spikeTruth.replace(/\.ndjson$/, '')}.spikes.ndjson`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { product_id: string; first_sale_at: string });
    expect(record!.product_id).toBe(productId);
    const [product] = (await db.knex(TABLES.products).where({ product_id: productId }).select('name')) as { name: string }[];
    spiked = { productId, name: product!.name, startMs: spikeMs };

    await waitFor(
      `the speed pipeline to list ${productId} rising`,
      async () => (await db.knex(TABLES.movers).where({ product_id: productId, direction: 'up' }).first()) !== undefined,
      15 * MIN,
      1000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${world.logs()}`);
    });
    await building;
    dashboard = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, ...chosen.env });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await system?.stop();
  });

  it('lists the spiked product in Rising now with its factor, badges the top list\'s movers, and links to its trend', async () => {
    const movers = (await system!.db.knex(TABLES.movers).where({ direction: 'up' }).select('product_id', 'factor', 'since', 'is_new')) as MoverRow[];
    const mover = movers.find((m) => m.product_id === spiked.productId)!;
    // A product with history, rising by a large factor (×40 sold on top of its usual), since the spike began.
    expect(mover.is_new).toBe(false);
    expect(mover.factor).toBeGreaterThan(10);
    expect(mover.since.getTime()).toBeGreaterThanOrEqual(spiked.startMs - MIN);
    expect(mover.since.getTime()).toBeLessThan(spiked.startMs + 5 * MIN);

    const context = await signIn(browser!, dashboard!, { viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`${dashboard!.base}/?interval=hour`);
    const item = page.locator(`[data-testid=rising-now] [data-testid=mover][data-product-id="${spiked.productId}"]`);
    await item.waitFor();
    expect(await item.locator('a').textContent()).toBe(spiked.name);
    // The factor as the panel rounds it, from what the pipeline wrote.
    const shown = (await item.locator('[data-testid=mover-factor]').textContent())!;
    expect(shown).toBe(`×${mover.factor >= 10 ? Math.round(mover.factor) : mover.factor.toFixed(1)}`);
    expect(await item.locator('[data-testid=sparkline] polyline').count()).toBe(1);
    expect(await item.locator('time').getAttribute('datetime')).toBe(mover.since.toISOString());

    // The badge is on exactly the rows of the top list that are movers (the spiked product among them when its spike lifted it into the ten).
    await page.locator('[data-testid=top-table] tbody tr').nth(9).waitFor();
    const rows = await page.locator('[data-testid=top-table] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-product-id')!));
    const badged = await page.locator('[data-testid=top-table] [data-testid=rising-badge]').evaluateAll((els) => els.map((e) => e.closest('tr')!.getAttribute('data-product-id')));
    const rising = new Set(movers.map((m) => m.product_id));
    expect(rows).toHaveLength(10); // an empty list would badge "exactly its movers" too
    expect(badged).toEqual(rows.filter((id) => rising.has(id)));
    process.stdout.write(`\nspiked ${spiked.productId} (${spiked.name}) shown ${shown}; top list ${rows.includes(spiked.productId) ? 'holds it (badged)' : 'does not hold it'}; ${movers.length} up mover(s)\n`);

    const screenshot = path.join(ARTIFACTS_DIR, 'rising-now-with-spike.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`rising-now-with-spike screenshot: ${screenshot}\n`);

    // Its name opens its trend.
    await item.locator('a').click();
    await page.waitForURL(new RegExp(`product=${spiked.productId}`));
    await page.waitForSelector(`[data-testid=trend] h2:has-text("Trend: ${spiked.name}")`);
    await context.close();
  });
});

const iso = (ms: number) => new Date(ms).toISOString();
