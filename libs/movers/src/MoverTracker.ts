import { poissonLowerBound, poissonLowerTail, poissonUpperBound, poissonUpperTail } from './poisson';

/**
 * What is rising (or falling) right now, for every product a shard sells — not only its heavy
 * hitters. Pure: no I/O, no clock (time is the records' minutes). Memory is bounded by
 * `maxProducts` slots of fixed size (see `BYTES_PER_PRODUCT`) plus the product-id map; a product
 * past the bound replaces one that has been quiet longest among a few looked at (CLOCK sweep),
 * never one in an episode.
 *
 * Per product, two exponentially decayed counts of orders (and units) tell its rates:
 * - slow (time constant `slowTimeConstantMs`, 6 h): the smoothed recent rate, the "usual" where
 *   the batch layer has no same-hour-of-the-week history for it. It is frozen during an episode,
 *   so a spike does not become its own baseline; the episode's counts fold in when it ends.
 * - fast (`fastTimeConstantMs`, 5 min): what it sells now, to notice the start of an episode.
 * A decayed count C with time constant τ of a steady rate r tends to r·τ; read after watching for
 * `age` it is r·τ·(1 − e^(−age/τ)), so rate = C / (τ·(1 − e^(−age/τ))).
 *
 * The recent rate is scaled by the shard's own cycle (its fast rate over its slow rate without
 * the product's own orders, clamped to [1/20, 20]): at 8 a.m. everything sells more than its 6-hour average, which is not news. A
 * baseline from batch history (same hour of the week) needs no such scaling.
 *
 * An episode starts when a product's fast rate reaches `enterFactor` × its baseline (up, on a
 * record) or falls under 1/`enterFactor` of it (down, on a scan), and ends when it comes back
 * within `exitFactor`, or after `maxEpisodeMs` (a lasting change becomes the new usual). Its
 * orders since it started are the evidence: Poisson with mean expected = baseline × minutes,
 * one-sided, at `significance`, the baseline taken `usualSpread` times less favourably; a mover
 * also needs `minCount` orders (up) or expected orders (down), and a factor of at least
 * `minFactor` (or at most 1/`minFactor`) against that baseline, so 1 → 3 sales is never a mover. Orders, not units, are what arrive as a Poisson process (a line of 5 units is
 * one arrival); the factor shown is on units.
 *
 * An episode starts on whole minutes and often a little early (noise crossing 2×), which dilutes a
 * sudden spike with minutes of usual sales. So every product also keeps its *rise*: a CUSUM for a
 * jump to `RISE_FACTOR` × usual, restarted whenever its orders stop beating that, anchored between
 * minutes by the shard's own event-time clock (where the shard stood when the order that restarted
 * it arrived, see `elapsedOfNewestMinute`). An up episode is judged over whichever of the two spans — since the
 * episode began, or since the rise began — is more significant: the first finds slow climbs, the
 * second a spike within seconds, with its factor undiluted.
 *
 * The data alone drives episodes: each applied sum updates its product's episode, and the first sum
 * of a later minute closes the newest one, checking every product's episode at it (`closeMinute`:
 * products that stopped selling start falling, spikes that stopped end). Reading (`candidates`,
 * `score`) changes nothing, so how often a shard is scored cannot decide which episodes exist.
 */
export interface MoverParams {
  minCount: number; // orders in the episode (up) or expected in it (down); default 10
  minFactor: number; // default 3
  significance: number; // one-sided p-value at most this; default 1e-8 (every product in an episode is tested every few seconds: 10⁴ products × 1440 minutes a day; at 1e-9 a ×30 spike of a product selling 0.7 a minute needs ~35 s of orders)
  /**
   * How far a product's usual may be from its estimate for reasons no count shows (its popularity
   * drifts from hour to hour and day to day, and a smoothed rate lags it): the Poisson test and the
   * minimum factor take the usual × this (up) or ÷ this (down). Default 1.5: at 1, steady generator
   * traffic had a few movers a day, top sellers ~3.5× a usual that lagged their drift by 1.7×.
   */
  usualSpread: number;
  slowTimeConstantMs: number; // default 6 h
  fastTimeConstantMs: number; // default 5 min
  enterFactor: number; // default 2
  exitFactor: number; // default 1.5
  maxEpisodeMs: number; // default 3 h
  /** Nothing is scored before the tracker has watched this long: every product is "new" at first. */
  minHistoryMs: number; // default 1 h
  /** Expected orders per hour of a product with no history at all (a new product). */
  newOrdersPerHour: number; // default 0.5
  maxProducts: number; // slots per tracker (shard); default 1_000_000
  /** Per-minute units of products in an up episode, for sparklines: at most this many products … */
  maxSparks: number; // default 10_000
  /** … and this many minutes each. */
  sparkMinutes: number; // default 30
}

export const DEFAULT_MOVER_PARAMS: MoverParams = {
  minCount: 10,
  minFactor: 3,
  significance: 1e-8,
  usualSpread: 1.5,
  slowTimeConstantMs: 6 * 3_600_000,
  fastTimeConstantMs: 5 * 60_000,
  enterFactor: 2,
  exitFactor: 1.5,
  maxEpisodeMs: 3 * 3_600_000,
  minHistoryMs: 3_600_000,
  newOrdersPerHour: 0.5,
  maxProducts: 1_000_000,
  maxSparks: 10_000,
  sparkMinutes: 30,
};

export type MoverDirection = 'up' | 'down';

/** The usual figures of a product at this hour of the week, from exact batch windows. */
export interface UsualFromHistory {
  ordersPerHour: number;
  unitsPerHour: number;
}

export interface Mover {
  productId: string;
  direction: MoverDirection;
  /** Start of the minute the episode began. */
  sinceMs: number;
  /** Minutes the evidence covers (the episode's minutes, the newest counted whole). */
  spanMinutes: number;
  orders: number;
  units: number;
  /** What the product usually sells over the same span (its baseline). */
  expectedOrders: number;
  expectedUnits: number;
  /** Current and usual units per hour; the current one's one-sided 95 % lower bound. */
  unitsPerHour: number;
  unitsPerHourLow: number;
  usualUnitsPerHour: number;
  /** units / expectedUnits. */
  factor: number;
  pValue: number;
  /** No history at all: neither batch history nor anything sold since the tracker started. */
  isNew: boolean;
  baseline: 'hour-of-week' | 'recent' | 'new';
  /** Units per minute from the episode's start (at most `sparkMinutes`, oldest first); empty for down. */
  spark: number[];
}

/** The tracker-wide part of a checkpoint. */
export interface MoverTrackerHeader {
  /** The CLOCK hand: where the next eviction looks first. */
  hand: number;
  startedMs: number | null;
  newestMs: number | null;
  shardAtMs: number | null;
  shardSlowOrders: number;
  shardFastOrders: number;
  /** Absent in checkpoints from before it: the newest minute then counts whole. */
  shardMinuteOrders?: number | null;
  /** Written by versions whose scoring anchored rises; ignored (a rise is anchored by the data now). */
  scoredAtMs?: number | null;
  /** Fields per slot in the encoded states (absent: 8, from before rises). */
  slotFields?: number;
}

/** Fields per slot in the Float64 state (see encodeSlot). */
const F = { lastMs: 0, slowOrders: 1, slowUnits: 2, fastOrders: 3, kind: 4, epStartMs: 5, epOrders: 6, epUnits: 7, riseStartMs: 8, riseOrders: 9, riseUnits: 10, riseScore: 11, riseAtMs: 12 } as const;
const FIELDS = 13;
/** Fields of a slot in checkpoints from before rises. */
const FIELDS_BEFORE_RISES = 8;
/**
 * The rise (see `updateRise`) is a CUSUM for a jump to this many times the usual rate: it restarts
 * whenever the orders since its start stop beating that, so it begins where a sudden spike did.
 */
const RISE_FACTOR = 10;
const LN_RISE_FACTOR = Math.log(RISE_FACTOR);
const NONE = 0;
const UP = 1;
const DOWN = 2;
/** Slot state, bytes per product (Float64 fields); the id map costs more, see the bench. */
export const BYTES_PER_PRODUCT = FIELDS * 8;
// Read once: global lookups in hot loops are slow inside jest's vm context (see hash.ts).
const exp = Math.exp;
const max = Math.max;
const min = Math.min;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const CLOCK_LOOK = 64;
/** The shortest span a rise is judged over, minutes (the newest minute's elapsed part is estimated). */
const MIN_SPAN_MINUTES = 0.25;
/** Confidence of the bound a recent rate is taken at (see baselineDoubt). */
const BASELINE_CONFIDENCE = 0.999;
/** The shard's cycle is believed up to this factor either way (the generator's day spans 30×). */
const MAX_CYCLE = 20;

export class MoverTracker {
  readonly params: MoverParams;
  private readonly slotOf = new Map<string, number>();
  private ids: Array<string | undefined> = [];
  private data: Float64Array;
  private capacity: number;
  private hand = 0;
  /** Slots without a product (only after a restore that did not fill every slot). */
  private free: number[] = [];
  private readonly dirty = new Set<number>();
  private readonly evicted = new Set<string>();
  private readonly sparks = new Map<number, { startMs: number; units: number[] }>();
  private startedMs: number | null = null;
  private newestMs: number | null = null;
  private shardAtMs: number | null = null;
  private shardSlowOrders = 0;
  private shardFastOrders = 0;
  /** The shard's orders in its newest minute (null: unknown, e.g. restored from an older checkpoint). */
  private shardMinuteOrders: number | null = null;
  /** Products evicted to stay within `maxProducts` (their history is lost). */
  evictions = 0;

  constructor(params: Partial<MoverParams> = {}) {
    this.params = { ...DEFAULT_MOVER_PARAMS, ...params };
    const p = this.params;
    if (!(p.minFactor > 1) || !(p.enterFactor > 1) || !(p.exitFactor >= 1) || p.exitFactor > p.enterFactor) {
      throw new RangeError('mover factors must satisfy minFactor > 1 and 1 <= exitFactor <= enterFactor (enterFactor > 1)');
    }
    if (!(p.significance > 0 && p.significance < 1)) throw new RangeError('significance must be in (0, 1)');
    if (!(p.usualSpread >= 1)) throw new RangeError('usualSpread must be at least 1');
    if (!Number.isInteger(p.maxProducts) || p.maxProducts < 1) throw new RangeError('maxProducts must be a positive integer');
    this.capacity = min(1024, p.maxProducts);
    this.data = new Float64Array(this.capacity * FIELDS);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** The newest minute counted (the tracker's "now"; null before any record). */
  get newestMinuteMs(): number | null {
    return this.newestMs;
  }

  /** Counts a (minute, product) sum. Records may come in any order; older minutes weigh less. */
  add(productId: string, minuteStartMs: number, orders: number, units: number): void {
    if (orders <= 0 && units <= 0) return;
    // Watching starts with the first record: a late one among the first must not pass for hours of history.
    if (this.startedMs === null) this.startedMs = minuteStartMs;
    // Where the shard stood before this sum: a rise it restarts began after that.
    const before = this.newestMs === null ? minuteStartMs : this.position(this.newestMs);
    if (this.newestMs !== null && minuteStartMs > this.newestMs) this.closeMinute(this.newestMs);
    if (this.newestMs === null || minuteStartMs > this.newestMs) this.newestMs = minuteStartMs;
    const s = this.slotFor(productId, minuteStartMs);
    const d = this.data;
    const o = s * FIELDS;
    const p = this.params;
    // Decay both counts to the later of the record and the slot's time; an older record weighs less.
    const last = d[o + F.lastMs]!;
    const at = max(last, minuteStartMs);
    const ageOfRecord = at - minuteStartMs;
    const kind = d[o + F.kind]!;
    if (at > last) {
      const dt = at - last;
      // Rising, the usual holds where it was: decaying unfed, it made a product whose popularity
      // drifts upward look ever stronger against a baseline starved by its own episode.
      if (kind !== UP) {
        d[o + F.slowOrders] = d[o + F.slowOrders]! * exp(-dt / p.slowTimeConstantMs);
        d[o + F.slowUnits] = d[o + F.slowUnits]! * exp(-dt / p.slowTimeConstantMs);
      }
      d[o + F.fastOrders] = d[o + F.fastOrders]! * exp(-dt / p.fastTimeConstantMs);
      d[o + F.lastMs] = at;
    }
    d[o + F.fastOrders] = d[o + F.fastOrders]! + orders * exp(-ageOfRecord / p.fastTimeConstantMs);
    if (kind !== NONE && minuteStartMs >= d[o + F.epStartMs]!) {
      d[o + F.epOrders] = d[o + F.epOrders]! + orders;
      d[o + F.epUnits] = d[o + F.epUnits]! + units;
      if (kind === UP) this.addSpark(s, minuteStartMs, units);
    } else {
      const w = exp(-ageOfRecord / p.slowTimeConstantMs);
      d[o + F.slowOrders] = d[o + F.slowOrders]! + orders * w;
      d[o + F.slowUnits] = d[o + F.slowUnits]! + units * w;
    }
    this.dirty.add(s);
    // A record that starts an up episode is its first evidence.
    this.updateEpisode(s, at, kind === NONE ? { orders, units } : undefined);
    if (kind === NONE && d[o + F.kind] === UP) this.addSpark(s, minuteStartMs, units);
    // Every order counts for the shard's cycle; each product's usual leaves its own out (see cycle).
    this.addShard(minuteStartMs, orders);
    this.updateRise(s, minuteStartMs, orders, units, before);
  }

  /**
   * The newest minute is over (a sum of a later one arrived): every product's episode is checked at
   * it, so one that has not sold lately starts falling or ends its rise. Driven by the data alone,
   * the same at any scoring cadence; what a scoring right after the minute used to do.
   */
  private closeMinute(minuteStartMs: number): void {
    if (this.startedMs === null || minuteStartMs - this.startedMs < this.params.minHistoryMs) return;
    for (let s = 0; s < this.ids.length; s++) if (this.ids[s] !== undefined) this.updateEpisode(s, minuteStartMs);
  }

  /**
   * The rise's CUSUM, at the shard's event-time position: the score loses (RISE_FACTOR − 1) × the
   * usual orders for the time passed and gains ln(RISE_FACTOR) per order; at zero the rise starts
   * again, from where the shard stood before this record (`before`: these orders came after it). A
   * record of a minute before the rise's is old news and left out.
   */
  private updateRise(s: number, minuteStartMs: number, orders: number, units: number, before: number): void {
    const d = this.data;
    const o = s * FIELDS;
    const now = this.newestMs!;
    if (this.startedMs === null || now - this.startedMs < this.params.minHistoryMs) return; // no usual yet
    const pos = this.position(now);
    const score = this.riseScoreAt(s, now, pos);
    if (score <= 0) {
      d[o + F.riseStartMs] = max(before, minuteStartMs);
      d[o + F.riseOrders] = 0;
      d[o + F.riseUnits] = 0;
      d[o + F.riseScore] = 0;
    } else {
      d[o + F.riseScore] = score;
    }
    if (minuteStartMs < Math.floor(d[o + F.riseStartMs]! / MINUTE_MS) * MINUTE_MS) return;
    d[o + F.riseOrders] = d[o + F.riseOrders]! + orders;
    d[o + F.riseUnits] = d[o + F.riseUnits]! + units;
    d[o + F.riseScore] = d[o + F.riseScore]! + orders * LN_RISE_FACTOR;
    d[o + F.riseAtMs] = max(d[o + F.riseAtMs]!, pos);
  }

  /** The rise's score decayed to `pos` (≤ 0: no rise). */
  private riseScoreAt(s: number, now: number, pos: number): number {
    const d = this.data;
    const o = s * FIELDS;
    if (!(d[o + F.riseScore]! > 0)) return 0;
    const usual = this.baselinePerMinute(s, now, undefined).orders;
    return d[o + F.riseScore]! - ((RISE_FACTOR - 1) * usual * max(0, pos - d[o + F.riseAtMs]!)) / MINUTE_MS;
  }

  /** The shard's event-time position: its newest minute plus the part of it seen. */
  private position(now: number): number {
    return now + this.elapsedOfNewestMinute(now) * MINUTE_MS;
  }

  /**
   * Products worth a closer look at the newest minute: those in an up episode with at least
   * `minCount` orders, or in a down episode expected to sell at least `minCount` over it. A read:
   * episodes start and end as sums are applied (see `closeMinute`), never here.
   */
  candidates(): string[] {
    const now = this.scoringNow();
    if (now === null) return [];
    const out: string[] = [];
    const d = this.data;
    for (let s = 0; s < this.ids.length; s++) {
      if (this.ids[s] === undefined) continue;
      const o = s * FIELDS;
      const kind = d[o + F.kind];
      if (kind === UP && max(d[o + F.epOrders]!, d[o + F.riseOrders]!) >= this.params.minCount) out.push(this.ids[s]!);
      else if (kind === DOWN && this.expectedOrders(s, now, undefined) >= this.params.minCount) out.push(this.ids[s]!);
    }
    return out;
  }

  /** Scores candidates; `history` holds the same-hour-of-week usual figures where the batch layer has them. */
  score(productIds: readonly string[], history: ReadonlyMap<string, UsualFromHistory> = new Map()): Mover[] {
    const now = this.scoringNow();
    if (now === null) return [];
    const out: Mover[] = [];
    for (const productId of productIds) {
      const s = this.slotOf.get(productId);
      if (s === undefined) continue;
      const o = s * FIELDS;
      const kind = this.data[o + F.kind];
      if (kind === NONE) continue;
      const direction: MoverDirection = kind === UP ? 'up' : 'down';
      const usual = history.get(productId);
      const rates = this.baselinePerMinute(s, now, usual);
      // A recent rate is itself a count (a product that sold 7 in the last hours may usually sell 3 or
      // 12), and popularity drifts beyond what any count shows (usualSpread): the test takes the
      // usual at the end of that range least favourable to a mover.
      const countDoubt = rates.source === 'recent' ? this.baselineDoubt(rates.count, direction) : 1;
      const doubt = direction === 'up' ? countDoubt * this.params.usualSpread : countDoubt / this.params.usualSpread;
      const judged = this.judge(direction, this.spans(s, now, direction), rates, doubt);
      if (judged === null) continue;
      const { sinceMs, spanMinutes, orders, units, expectedOrders, expectedUnits, factor, pValue, mover } = judged;
      if (!mover) continue;
      const perHour = HOUR_MS / MINUTE_MS / spanMinutes;
      const unitsPerOrder = orders > 0 ? units / orders : 1;
      out.push({
        productId,
        direction,
        sinceMs,
        spanMinutes,
        orders,
        units,
        expectedOrders,
        expectedUnits,
        unitsPerHour: units * perHour,
        unitsPerHourLow: poissonLowerBound(orders) * unitsPerOrder * perHour,
        usualUnitsPerHour: rates.units * 60,
        factor,
        pValue,
        isNew: rates.source === 'new',
        baseline: rates.source,
        spark: direction === 'up' ? this.sparkOf(s, now) : [],
      });
    }
    return out.sort((a, b) => (a.direction === b.direction ? (a.direction === 'up' ? b.factor - a.factor : a.factor - b.factor) : a.direction === 'up' ? -1 : 1));
  }

  /**
   * What an episode can be judged over. Rising: since the episode began and since the rise began
   * (when the rise is alive and has the orders), each up to the shard's position in its newest
   * minute. Falling: the episode's whole minutes only (a minute just begun has sold little of anything).
   */
  private spans(s: number, now: number, direction: MoverDirection): Array<{ sinceMs: number; spanMinutes: number; orders: number; units: number }> {
    const d = this.data;
    const o = s * FIELDS;
    const sinceMs = d[o + F.epStartMs]!;
    if (direction === 'down') return [{ sinceMs, spanMinutes: (now - sinceMs) / MINUTE_MS, orders: d[o + F.epOrders]!, units: d[o + F.epUnits]! }];
    const pos = this.position(now);
    const out = [{ sinceMs, spanMinutes: max(MIN_SPAN_MINUTES, (pos - sinceMs) / MINUTE_MS), orders: d[o + F.epOrders]!, units: d[o + F.epUnits]! }];
    const riseStartMs = d[o + F.riseStartMs]!;
    if (d[o + F.riseOrders]! >= this.params.minCount && this.riseScoreAt(s, now, pos) > 0) {
      out.push({ sinceMs: riseStartMs, spanMinutes: max(MIN_SPAN_MINUTES, (pos - riseStartMs) / MINUTE_MS), orders: d[o + F.riseOrders]!, units: d[o + F.riseUnits]! });
    }
    return out;
  }

  /** The Poisson test of each span against the usual; the most significant one (null: no span to judge). */
  private judge(direction: MoverDirection, spans: ReturnType<MoverTracker['spans']>, rates: { orders: number; units: number }, doubt: number) {
    const p = this.params;
    let best: (ReturnType<MoverTracker['spans']>[number] & { expectedOrders: number; expectedUnits: number; factor: number; pValue: number; mover: boolean }) | null = null;
    for (const span of spans) {
      if (span.spanMinutes < MIN_SPAN_MINUTES) continue;
      const { orders, units } = span;
      const expectedOrders = rates.orders * span.spanMinutes;
      const expectedUnits = rates.units * span.spanMinutes;
      const factor = expectedUnits > 0 ? units / expectedUnits : Number.POSITIVE_INFINITY;
      const testedFactor = expectedUnits > 0 ? units / (expectedUnits * doubt) : Number.POSITIVE_INFINITY;
      const ordersFactor = expectedOrders > 0 ? orders / (expectedOrders * doubt) : Number.POSITIVE_INFINITY;
      let pValue: number;
      let mover: boolean;
      if (direction === 'up') {
        pValue = poissonUpperTail(orders, expectedOrders * doubt);
        mover = orders >= p.minCount && testedFactor >= p.minFactor && ordersFactor >= p.minFactor && pValue <= p.significance;
      } else {
        pValue = poissonLowerTail(orders, expectedOrders * doubt);
        mover = expectedOrders * doubt >= p.minCount && testedFactor <= 1 / p.minFactor && ordersFactor <= 1 / p.minFactor && pValue <= p.significance;
      }
      if (best === null || (mover && !best.mover) || (mover === best.mover && pValue < best.pValue)) best = { ...span, expectedOrders, expectedUnits, factor, pValue, mover };
    }
    return best;
  }

  /** The newest minute seen, once the tracker has watched `minHistoryMs`; null before. */
  private scoringNow(): number | null {
    if (this.startedMs === null || this.newestMs === null) return null;
    return this.newestMs - this.startedMs >= this.params.minHistoryMs ? this.newestMs : null;
  }

  /** How far the usual could be from a recent rate estimated from `count` orders: its bound over the count, at `BASELINE_CONFIDENCE`. */
  private baselineDoubt(count: number, direction: MoverDirection): number {
    if (!(count > 0)) return 1;
    return direction === 'up' ? poissonUpperBound(count, BASELINE_CONFIDENCE) / count : max(0, poissonLowerBound(count, BASELINE_CONFIDENCE)) / count;
  }

  /** Orders and units per minute the product usually sells at `now`; `count` is the (decayed) orders the recent rate rests on. */
  private baselinePerMinute(s: number, now: number, usual: UsualFromHistory | undefined): { orders: number; units: number; source: Mover['baseline']; count: number } {
    if (usual !== undefined && usual.ordersPerHour > 0) return { orders: usual.ordersPerHour / 60, units: usual.unitsPerHour / 60, source: 'hour-of-week', count: 0 };
    const p = this.params;
    const o = s * FIELDS;
    const decay = this.data[o + F.kind] === UP ? 1 : exp(-max(0, now - this.data[o + F.lastMs]!) / p.slowTimeConstantMs);
    const slowOrders = this.data[o + F.slowOrders]! * decay;
    if (slowOrders <= 1e-9) return { orders: p.newOrdersPerHour / 60, units: p.newOrdersPerHour / 60, source: 'new', count: 0 };
    const norm = this.warmth(now, p.slowTimeConstantMs) * (p.slowTimeConstantMs / MINUTE_MS);
    const cycle = this.cycle(now, s);
    const orders = (slowOrders / norm) * cycle;
    const units = ((this.data[o + F.slowUnits]! * decay) / norm) * cycle;
    return { orders, units: max(units, orders), source: 'recent', count: slowOrders };
  }

  private expectedOrders(s: number, now: number, usual: UsualFromHistory | undefined): number {
    const spanMinutes = max(1, (now + MINUTE_MS - this.data[s * FIELDS + F.epStartMs]!) / MINUTE_MS);
    return this.baselinePerMinute(s, now, usual).orders * spanMinutes;
  }

  /** 1 − e^(−age/τ): how much of its steady value a decayed count has reached after watching `age`. */
  private warmth(now: number, tau: number): number {
    const age = now + MINUTE_MS - (this.startedMs ?? now);
    return 1 - exp(-age / tau);
  }

  /**
   * How busy the shard is now against its smoothed rate (time of day, day of week), clamped to
   * [1/MAX_CYCLE, MAX_CYCLE]; for slot `s`, without the product's own orders, so neither a spike
   * nor a product that stops selling moves its own usual (in a tiny shard it would, and feed on
   * itself). Products in an episode used to be left out of the shard's counts instead: on the
   * morning rise many products entered one at once, the cycle fell and more did. At [1/5, 5] the
   * clamp cut the generator's night (its 6-hour average is 8 times the 3 a.m. rate): the usual
   * stayed too high and steady products fell as movers every night.
   */
  cycle(now: number, s?: number): number {
    const p = this.params;
    if (this.shardAtMs === null) return 1;
    const dt = max(0, now - this.shardAtMs);
    let fastOrders = this.shardFastOrders * exp(-dt / p.fastTimeConstantMs);
    let slowOrders = this.shardSlowOrders * exp(-dt / p.slowTimeConstantMs);
    if (s !== undefined) {
      // A rising product's slow count is held and its episode's orders kept apart (undecayed: near enough).
      const o = s * FIELDS;
      const age = max(0, now - this.data[o + F.lastMs]!);
      const rising = this.data[o + F.kind] === UP;
      fastOrders -= this.data[o + F.fastOrders]! * exp(-age / p.fastTimeConstantMs);
      slowOrders -= rising ? this.data[o + F.slowOrders]! + this.data[o + F.epOrders]! : this.data[o + F.slowOrders]! * exp(-age / p.slowTimeConstantMs);
    }
    if (!(slowOrders > 1e-9) || !(fastOrders > 0)) return slowOrders > 1e-9 ? 1 / MAX_CYCLE : 1;
    const fast = fastOrders / (this.warmth(now, p.fastTimeConstantMs) * p.fastTimeConstantMs);
    const slow = slowOrders / (this.warmth(now, p.slowTimeConstantMs) * p.slowTimeConstantMs);
    return min(MAX_CYCLE, max(1 / MAX_CYCLE, fast / slow));
  }

  /**
   * How much of the newest minute the shard has seen (0.25 … 1): its orders in that minute against
   * its current rate per minute. Records carry only their minute; this is the event-time clock
   * within it, so a spike 30 s old is not judged against a whole minute of usual sales.
   */
  elapsedOfNewestMinute(now: number): number {
    const p = this.params;
    if (this.shardAtMs !== now || this.shardMinuteOrders === null) return 1;
    const perMinute = this.shardFastOrders / (this.warmth(now, p.fastTimeConstantMs) * (p.fastTimeConstantMs / MINUTE_MS));
    if (!(perMinute > 0)) return 1;
    return min(1, max(MIN_SPAN_MINUTES, this.shardMinuteOrders / perMinute));
  }

  private addShard(minuteStartMs: number, orders: number): void {
    const p = this.params;
    if (this.shardAtMs === null) this.shardAtMs = minuteStartMs;
    if (minuteStartMs === this.shardAtMs) this.shardMinuteOrders = (this.shardMinuteOrders ?? 0) + orders;
    if (minuteStartMs > this.shardAtMs) {
      this.shardMinuteOrders = orders;
      const dt = minuteStartMs - this.shardAtMs;
      this.shardSlowOrders *= exp(-dt / p.slowTimeConstantMs);
      this.shardFastOrders *= exp(-dt / p.fastTimeConstantMs);
      this.shardAtMs = minuteStartMs;
    }
    const age = this.shardAtMs - minuteStartMs;
    this.shardSlowOrders += orders * exp(-age / p.slowTimeConstantMs);
    this.shardFastOrders += orders * exp(-age / p.fastTimeConstantMs);
  }

  /** Starts or ends the slot's episode as its fast rate (at `now`) compares with its baseline. */
  private updateEpisode(s: number, now: number, record?: { orders: number; units: number }): void {
    const p = this.params;
    const d = this.data;
    const o = s * FIELDS;
    if (this.startedMs === null || now - this.startedMs < p.minHistoryMs) return; // no baseline to compare with yet
    const fastNow = d[o + F.fastOrders]! * exp(-max(0, now - d[o + F.lastMs]!) / p.fastTimeConstantMs);
    const fastPerMinute = fastNow / (this.warmth(now, p.fastTimeConstantMs) * (p.fastTimeConstantMs / MINUTE_MS));
    const base = this.baselinePerMinute(s, now, undefined).orders;
    const kind = d[o + F.kind]!;
    if (kind === NONE) {
      if (fastNow >= 3 && fastPerMinute >= p.enterFactor * base) this.startEpisode(s, UP, now, record);
      // Falling: only products that sell regularly enough to miss (minCount within the episode cap).
      // Its evidence starts with the next whole minute: what this one sold so far went into the usual.
      else if (fastPerMinute * p.enterFactor <= base && base * (p.maxEpisodeMs / MINUTE_MS) >= p.minCount && this.slotSource(s) !== 'new') this.startEpisode(s, DOWN, now + MINUTE_MS);
      return;
    }
    const over = now - d[o + F.epStartMs]! >= p.maxEpisodeMs;
    const back = kind === UP ? fastPerMinute < p.exitFactor * base : fastPerMinute * p.exitFactor > base;
    if (over || back) this.endEpisode(s);
  }

  private slotSource(s: number): Mover['baseline'] {
    return this.data[s * FIELDS + F.slowOrders]! > 1e-9 ? 'recent' : 'new';
  }

  /** `first`: the record that started it, its first evidence (out of the slow count, which it had just joined). */
  private startEpisode(s: number, kind: number, now: number, first?: { orders: number; units: number }): void {
    const o = s * FIELDS;
    const d = this.data;
    d[o + F.slowOrders] = max(0, d[o + F.slowOrders]! - (first?.orders ?? 0));
    d[o + F.slowUnits] = max(0, d[o + F.slowUnits]! - (first?.units ?? 0));
    d[o + F.kind] = kind;
    d[o + F.epStartMs] = now;
    d[o + F.epOrders] = first?.orders ?? 0;
    d[o + F.epUnits] = first?.units ?? 0;
    this.dirty.add(s);
  }

  /** The episode's counts join the slow count: a lasting change becomes the usual. */
  private endEpisode(s: number): void {
    const o = s * FIELDS;
    const d = this.data;
    d[o + F.slowOrders] = d[o + F.slowOrders]! + d[o + F.epOrders]!;
    d[o + F.slowUnits] = d[o + F.slowUnits]! + d[o + F.epUnits]!;
    d[o + F.kind] = NONE;
    d[o + F.epStartMs] = 0;
    d[o + F.epOrders] = 0;
    d[o + F.epUnits] = 0;
    this.sparks.delete(s);
    this.dirty.add(s);
  }

  private addSpark(s: number, minuteStartMs: number, units: number): void {
    let spark = this.sparks.get(s);
    if (spark === undefined) {
      if (this.sparks.size >= this.params.maxSparks) return;
      spark = { startMs: minuteStartMs, units: [] };
      this.sparks.set(s, spark);
    }
    const i = Math.floor((minuteStartMs - spark.startMs) / MINUTE_MS);
    if (i < 0) return;
    while (spark.units.length <= i) spark.units.push(0);
    spark.units[i] = spark.units[i]! + units;
    const excess = spark.units.length - this.params.sparkMinutes;
    if (excess > 0) {
      spark.units.splice(0, excess);
      spark.startMs += excess * MINUTE_MS;
    }
  }

  private sparkOf(s: number, now: number): number[] {
    const spark = this.sparks.get(s);
    if (!spark) return [];
    const minutes = min(this.params.sparkMinutes, Math.floor((now - spark.startMs) / MINUTE_MS) + 1);
    const out = spark.units.slice(0, minutes);
    while (out.length < minutes) out.push(0);
    return out.slice(-this.params.sparkMinutes);
  }

  private slotFor(productId: string, minuteStartMs: number): number {
    const known = this.slotOf.get(productId);
    if (known !== undefined) return known;
    let s: number;
    const free = this.free.pop();
    if (free !== undefined) {
      s = free;
      this.ids[s] = productId;
    } else if (this.ids.length < this.params.maxProducts) {
      s = this.ids.length;
      if (s >= this.capacity) this.grow();
      this.ids.push(productId);
    } else {
      s = this.victim();
      const gone = this.ids[s]!;
      this.slotOf.delete(gone);
      this.evicted.add(gone);
      this.sparks.delete(s);
      this.evictions += 1;
      this.ids[s] = productId;
    }
    this.evicted.delete(productId);
    this.slotOf.set(productId, s);
    this.data.fill(0, s * FIELDS, (s + 1) * FIELDS);
    this.data[s * FIELDS + F.lastMs] = minuteStartMs;
    return s;
  }

  /** CLOCK: of the next few slots, the one quiet longest and not in an episode. */
  private victim(): number {
    let best = -1;
    let bestLast = Number.POSITIVE_INFINITY;
    const n = this.ids.length;
    for (let i = 0; i < min(CLOCK_LOOK, n); i++) {
      const s = (this.hand + i) % n;
      const o = s * FIELDS;
      if (this.data[o + F.kind] !== NONE) continue;
      if (this.data[o + F.lastMs]! < bestLast) {
        bestLast = this.data[o + F.lastMs]!;
        best = s;
      }
    }
    if (best < 0) best = this.hand % n; // every slot looked at is in an episode: take one anyway
    this.hand = (best + 1) % n;
    return best;
  }

  private grow(): void {
    this.capacity = min(this.params.maxProducts, this.capacity * 2);
    const next = new Float64Array(this.capacity * FIELDS);
    next.set(this.data);
    this.data = next;
  }

  /** Products changed since the last call (their encoded state) and products evicted; clears both. */
  takeChanges(): { changed: Array<{ productId: string; state: Float64Array }>; evicted: string[] } {
    const changed = [...this.dirty].filter((s) => this.ids[s] !== undefined).map((s) => ({ productId: this.ids[s]!, state: this.encodeSlot(s) }));
    const evicted = [...this.evicted];
    this.dirty.clear();
    this.evicted.clear();
    return { changed, evicted };
  }

  /** The changes a failed write carried are pending again. */
  changesFailed(changes: { changed: Array<{ productId: string }>; evicted: string[] }): void {
    for (const { productId } of changes.changed) {
      const s = this.slotOf.get(productId);
      if (s !== undefined) this.dirty.add(s);
    }
    for (const id of changes.evicted) if (!this.slotOf.has(id)) this.evicted.add(id);
  }

  header(): MoverTrackerHeader {
    return { hand: this.hand, startedMs: this.startedMs, newestMs: this.newestMs, shardAtMs: this.shardAtMs, shardSlowOrders: this.shardSlowOrders, shardFastOrders: this.shardFastOrders, shardMinuteOrders: this.shardMinuteOrders, slotFields: FIELDS };
  }

  /** [slot, the slot's fields…, spark start, spark units…]: a restore puts it back in the same slot. */
  private encodeSlot(s: number): Float64Array {
    const spark = this.sparks.get(s);
    const out = new Float64Array(1 + FIELDS + (spark ? 1 + spark.units.length : 0));
    out[0] = s;
    out.set(this.data.subarray(s * FIELDS, (s + 1) * FIELDS), 1);
    if (spark) {
      out[1 + FIELDS] = spark.startMs;
      out.set(spark.units, 2 + FIELDS);
    }
    return out;
  }

  /** Rebuilds a tracker from its header and every product's encoded state (as `takeChanges` gave them). */
  static restore(params: Partial<MoverParams>, header: MoverTrackerHeader, products: Iterable<{ productId: string; state: Float64Array }>): MoverTracker {
    const t = new MoverTracker(params);
    t.startedMs = header.startedMs;
    t.newestMs = header.newestMs;
    t.shardAtMs = header.shardAtMs;
    t.shardSlowOrders = header.shardSlowOrders;
    t.shardFastOrders = header.shardFastOrders;
    t.shardMinuteOrders = header.shardMinuteOrders ?? null;
    // An older checkpoint's slots lack the rise: it starts at zero (a rise begins with the next order).
    const fields = header.slotFields ?? FIELDS_BEFORE_RISES;
    if (fields > FIELDS) throw new RangeError(`mover checkpoint has ${fields} fields per product, this version knows ${FIELDS}`);
    for (const { productId, state } of products) {
      if (state.length < 1 + fields) throw new RangeError(`mover state of ${productId} has ${state.length} fields, expected at least ${1 + fields}`);
      const s = state[0]!;
      if (!Number.isInteger(s) || s < 0) throw new RangeError(`mover state of ${productId} has slot ${s}`);
      if (s >= t.params.maxProducts) continue; // a smaller bound than the checkpoint's: those products start over
      while (s >= t.capacity) t.grow();
      while (t.ids.length <= s) t.ids.push(undefined);
      t.ids[s] = productId;
      t.slotOf.set(productId, s);
      t.data.set(state.subarray(1, 1 + fields), s * FIELDS);
      if (state.length > 1 + fields) t.sparks.set(s, { startMs: state[1 + fields]!, units: Array.from(state.subarray(2 + fields)) });
    }
    // Slots no product came back to (a smaller bound, a lost row) are filled by the next new products.
    t.free = t.ids.flatMap((id, s) => (id === undefined ? [s] : []));
    t.hand = t.ids.length > 0 ? header.hand % t.ids.length : 0;
    return t;
  }
}
