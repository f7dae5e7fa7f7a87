import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCatalog } from './catalog';
import { GroundTruthWriter, readSpikeRecords } from './ground-truth';
import { runStream } from './send';
import { ListedSpikes, parseSpike, RecurringSpikes, spikesPathOf, type Spike } from './spikes';
import { batches, SalesStream, truthOf, type Emission } from './stream';

const MIN = 60_000;
const day = Date.parse('2026-11-16T00:00:00Z'); // a Monday
const catalog = makeCatalog(500, 1);
const segments = [{ fromMs: day - 86_400_000, ratePerSec: 5 }];

function collect(s: SalesStream, fromMs: number, untilMs: number): Emission[] {
  const out: Emission[] = [];
  for (const b of batches(s, { chunkStartMs: fromMs, emitted: 0 }, untilMs, 5000)) out.push(...b.emissions);
  return out;
}

describe('parseSpike', () => {
  const now = Date.parse('2026-11-20T12:00:00Z');

  it('reads PRODUCT@TIME×FACTOR[/DURATION], with x for × and times like --from', () => {
    expect(parseSpike('P000042@now+5m×20/10m', now)).toEqual({ productId: 'P000042', startMs: now + 5 * MIN, factor: 20, durationMs: 10 * MIN });
    expect(parseSpike('P000042@2026-11-20T18:00:00Z x 8', now)).toEqual({ productId: 'P000042', startMs: Date.parse('2026-11-20T18:00:00Z'), factor: 8, durationMs: 30 * MIN });
    expect(parseSpike('P7@now-1h x2.5/90s', now)).toEqual({ productId: 'P7', startMs: now - 3_600_000, factor: 2.5, durationMs: 90_000 });
  });

  it('refuses what is not a spike, with the form to use', () => {
    expect(() => parseSpike('P1@now', now)).toThrow(/PRODUCT@TIME×FACTOR/);
    expect(() => parseSpike('P1@now×1', now)).toThrow(/above 1/);
    expect(() => parseSpike('P1@never×3', now)).toThrow(/finite/);
    expect(() => parseSpike('P1@now×3/10', now)).toThrow(/duration/);
    expect(() => new ListedSpikes([{ productId: 'nope', startMs: now, factor: 3, durationMs: MIN }], catalog)).toThrow(/no such product/);
  });
});

describe('spikes in the stream', () => {
  const rank = new SalesStream({ seed: 1, catalog, segments }).productsByRank();
  const product = catalog[rank[40]!]!.product_id; // a mid-tail product
  const spike: Spike = { productId: product, startMs: day + 18 * 3_600_000, factor: 20, durationMs: 20 * MIN };
  const plain = new SalesStream({ seed: 4, catalog, segments });
  const spiked = new SalesStream({ seed: 4, catalog, segments, spikes: new ListedSpikes([spike], catalog) });

  it('sells the product about FACTOR times its usual during the spike, on top of an unchanged usual stream', () => {
    const from = spike.startMs - 30 * MIN;
    const until = spike.startMs + spike.durationMs + 30 * MIN;
    const a = collect(plain, from, until);
    const b = collect(spiked, from, until);
    // The usual stream is the same messages; the spike only adds its own events.
    expect(b.filter((e) => !(e.kind === 'event' && e.spike)).map((e) => e.value)).toEqual(a.map((e) => e.value));
    const extra = b.filter((e) => e.kind === 'event' && e.spike);
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.every((e) => e.kind === 'event' && e.event.product_id === product && Date.parse(e.event.occurred_at) >= spike.startMs && Date.parse(e.event.occurred_at) < spike.startMs + spike.durationMs)).toBe(true);
    // Usual sales of the product over many windows like this one (the plain stream over a week of evenings) vs the spike's.
    const inSpike = (es: Emission[]) => truthOf(es).filter((e) => e.product_id === product && Date.parse(e.occurred_at) >= spike.startMs && Date.parse(e.occurred_at) < spike.startMs + spike.durationMs).length;
    let usual = 0;
    for (let d = 1; d <= 4; d++) {
      const shifted = spike.startMs + d * 86_400_000;
      usual += truthOf(collect(plain, shifted, shifted + spike.durationMs)).filter((e) => e.product_id === product).length / 4;
    }
    const ratio = inSpike(b) / Math.max(1, usual);
    expect(ratio).toBeGreaterThan(20 / 2);
    expect(ratio).toBeLessThan(20 * 2);
  });

  it('is the same for a seed, and its events are valid, distinct and in the ground truth', () => {
    const from = spike.startMs;
    expect(collect(spiked, from, from + 2 * MIN)).toEqual(collect(new SalesStream({ seed: 4, catalog, segments, spikes: new ListedSpikes([spike], catalog) }), from, from + 2 * MIN));
    const truth = truthOf(collect(spiked, from, from + 5 * MIN));
    expect(new Set(truth.map((e) => e.event_id)).size).toBe(truth.length);
  });

  it('records each spike once in <truth>.spikes.ndjson, with its first sale, across a resumed run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-spikes-'));
    try {
      const truthPath = join(dir, 'truth.ndjson');
      const from = { chunkStartMs: spike.startMs - MIN, emitted: 0 };
      const first = new GroundTruthWriter(truthPath);
      const half = await runStream({ stream: spiked, from, untilMs: spike.startMs + 2 * MIN, batchSize: 100, send: async () => {}, truth: first, now: () => Infinity });
      await first.close();
      const second = new GroundTruthWriter(truthPath);
      await runStream({ stream: spiked, from: half.position, untilMs: spike.startMs + 4 * MIN, batchSize: 100, send: async () => {}, truth: second, now: () => Infinity });
      await second.close();
      expect(spikesPathOf(truthPath)).toBe(join(dir, 'truth.spikes.ndjson'));
      const records = readSpikeRecords(spikesPathOf(truthPath));
      const firstSale = truthOf(collect(spiked, spike.startMs, spike.startMs + 4 * MIN))
        .filter((e) => e.event_id.includes('-s'))
        .map((e) => e.occurred_at)
        .sort()[0];
      expect(records).toEqual([
        { product_id: product, start: new Date(spike.startMs).toISOString(), end: new Date(spike.startMs + spike.durationMs).toISOString(), factor: 20, duration_ms: spike.durationMs, first_sale_at: firstSale },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RecurringSpikes', () => {
  it('starts one spike per slot on a mid-tail product, the same for a seed, none before fromMs', () => {
    const stream = new SalesStream({ seed: 1, catalog, segments });
    const byRank = stream.productsByRank();
    const plan = new RecurringSpikes({ seed: 9, catalog, fromMs: day + 10 * MIN, everyMs: 15 * MIN, durationMs: 5 * MIN, factor: 20, ranks: [30, 200], byRank });
    const active = new Map<string, Spike>();
    for (let ms = day; ms < day + 6 * 3_600_000; ms += 1000) for (const s of plan.activeAt(ms)) active.set(`${s.productId}@${s.startMs}`, s);
    const spikes = [...active.values()];
    expect(spikes.length).toBeGreaterThanOrEqual(22); // 24 slots, the first before fromMs
    expect(spikes.every((s) => s.startMs >= day + 10 * MIN && s.durationMs === 5 * MIN && s.factor === 20)).toBe(true);
    const ranks = spikes.map((s) => byRank.indexOf(catalog.findIndex((p) => p.product_id === s.productId)));
    expect(ranks.every((r) => r >= 30 && r < 200)).toBe(true);
    expect(new Set(spikes.map((s) => s.productId)).size).toBeGreaterThan(10);
    expect(plan.spikeOf(100)).toEqual(new RecurringSpikes({ seed: 9, catalog, fromMs: 0, everyMs: 15 * MIN, durationMs: 5 * MIN, factor: 20, ranks: [30, 200], byRank }).spikeOf(100));
  });
});
