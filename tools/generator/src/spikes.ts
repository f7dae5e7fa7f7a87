import type { Product } from './catalog';
import { hash32, hashUnit } from './random';
import { parseDuration, parseTime } from './time-args';

/**
 * A spike: from `startMs` for `durationMs`, `productId` sells `factor` times what it usually sells
 * at that moment (its share of the drifting popularity × the daily cycle × the rate). The extra
 * sales come on top of the usual ones, so the usual stream is the same with or without spikes.
 */
export interface Spike {
  productId: string;
  startMs: number;
  factor: number;
  durationMs: number;
}

/** How a spike is written into the ground truth (`<truth>.spikes.ndjson`, one line per spike). */
export interface SpikeRecord {
  product_id: string;
  start: string;
  end: string;
  factor: number;
  duration_ms: number;
  /** Event time of the spike's first extra sale: "within 30 s of its first sale" is measured from here. */
  first_sale_at: string;
}

export const DEFAULT_SPIKE_DURATION_MS = 30 * 60_000;

/**
 * `PRODUCT@TIME×FACTOR[/DURATION]` (or `x` for `×`): `P000042@now+5m×20/10m`,
 * `P000042@2026-11-20T18:00:00Z x 8` (spaces allowed around `×`). TIME as --from; DURATION as
 * --duration, default 30m.
 */
export function parseSpike(value: string, nowMs: number): Spike {
  const m = /^\s*([^@\s]+)\s*@\s*(\S+?)\s*[×x]\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\S+))?\s*$/.exec(value);
  if (!m) throw new Error(`not a spike: ${value} (use PRODUCT@TIME×FACTOR or PRODUCT@TIME×FACTOR/DURATION, e.g. P000042@now+5m×20/10m)`);
  const startMs = parseTime(m[2]!, nowMs);
  if (!Number.isFinite(startMs)) throw new Error(`a spike needs a finite start: ${value}`);
  const factor = Number(m[3]);
  if (!(factor > 1)) throw new Error(`a spike's factor must be above 1: ${value}`);
  return { productId: m[1]!, startMs, factor, durationMs: m[4] ? parseDuration(m[4]) : DEFAULT_SPIKE_DURATION_MS };
}

/** Which spikes run at an instant. */
export interface SpikePlan {
  activeAt(ms: number): readonly Spike[];
}

/** A fixed list (from --spike): sorted by start, so a lookup is a binary search plus the few that overlap. */
export class ListedSpikes implements SpikePlan {
  private readonly spikes: Spike[];
  private readonly longestMs: number;

  constructor(spikes: readonly Spike[], catalog: readonly Product[]) {
    const known = new Set(catalog.map((p) => p.product_id));
    for (const s of spikes) {
      if (!known.has(s.productId)) throw new Error(`spike on ${s.productId}: no such product in the catalog (${catalog[0]?.product_id} … ${catalog[catalog.length - 1]?.product_id})`);
      if (!(s.factor > 1) || !(s.durationMs > 0)) throw new Error(`spike on ${s.productId}: factor must be above 1 and duration positive`);
    }
    this.spikes = [...spikes].sort((a, b) => a.startMs - b.startMs);
    this.longestMs = Math.max(0, ...this.spikes.map((s) => s.durationMs));
  }

  activeAt(ms: number): readonly Spike[] {
    let lo = 0;
    let hi = this.spikes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.spikes[mid]!.startMs <= ms) lo = mid + 1;
      else hi = mid;
    }
    const out: Spike[] = [];
    for (let i = lo - 1; i >= 0 && this.spikes[i]!.startMs > ms - this.longestMs; i--) {
      const s = this.spikes[i]!;
      if (ms < s.startMs + s.durationMs) out.push(s);
    }
    return out;
  }
}

export interface RecurringSpikeOptions {
  seed: number;
  catalog: readonly Product[];
  /** No spike starts before this instant. */
  fromMs: number;
  /** One spike per slot of this length on a fixed grid, starting at a seeded moment in the slot's first half. */
  everyMs: number; // e.g. 15 min
  durationMs: number; // e.g. 5 min
  factor: number; // e.g. 20
  /** Catalog positions (by popularity rank, 0 = best seller) the product is drawn from: the mid-tail. */
  ranks: [number, number];
  /** Catalog indexes in popularity order (Popularity.productsByRank). */
  byRank: readonly number[];
}

/**
 * A spike now and then (`npm start`'s demo): a pure function of (seed, slot), so a resumed run
 * makes the same spikes and nothing needs to be stored.
 */
export class RecurringSpikes implements SpikePlan {
  constructor(private readonly o: RecurringSpikeOptions) {
    if (!(o.everyMs > 0) || !(o.durationMs > 0) || o.durationMs > o.everyMs) throw new Error('recurring spikes need 0 < durationMs <= everyMs');
    if (!(o.factor > 1)) throw new Error('recurring spikes need a factor above 1');
  }

  /** The spike of slot `k`. */
  spikeOf(k: number): Spike {
    const o = this.o;
    const [lo, hi] = o.ranks;
    const rank = Math.min(o.byRank.length - 1, lo + (hash32(o.seed, k, 71) % Math.max(1, hi - lo)));
    const startMs = k * o.everyMs + Math.floor(hashUnit(o.seed, k, 72) * ((o.everyMs - o.durationMs) / 2) / 1000) * 1000;
    return { productId: o.catalog[o.byRank[rank]!]!.product_id, startMs, factor: o.factor, durationMs: o.durationMs };
  }

  activeAt(ms: number): readonly Spike[] {
    if (ms < this.o.fromMs) return [];
    const k = Math.floor(ms / this.o.everyMs);
    const s = this.spikeOf(k);
    return s.startMs >= this.o.fromMs && ms >= s.startMs && ms < s.startMs + s.durationMs ? [s] : [];
  }
}

export const NO_SPIKES: SpikePlan = { activeAt: () => [] };

/** The ground truth's line for a spike whose first extra sale happened at `firstSaleMs`. */
export function spikeRecord(s: Spike, firstSaleMs: number): SpikeRecord {
  return {
    product_id: s.productId,
    start: new Date(s.startMs).toISOString(),
    end: new Date(s.startMs + s.durationMs).toISOString(),
    factor: s.factor,
    duration_ms: s.durationMs,
    first_sale_at: new Date(firstSaleMs).toISOString(),
  };
}

/** Where a truth file's spikes go: `truth.ndjson` / `truth.parquet` → `truth.spikes.ndjson`. */
export function spikesPathOf(truthPath: string): string {
  return `${truthPath.replace(/\.(ndjson|parquet)$/, '')}.spikes.ndjson`;
}
