import type { Channel, SaleEvent } from '@hitboard/schema';
import type { Product } from './catalog';
import { demandFactor } from './demand';
import { DEFAULT_POPULARITY, Popularity, type PopularityOptions } from './popularity';
import { hash32, poisson, seededRandom, type Random } from './random';
import { NO_SPIKES, type Spike, type SpikePlan } from './spikes';

/**
 * The sales stream: event time cut into one-second chunks on a fixed grid. Everything in a chunk
 * derives from (seed, chunk start) alone, so a chunk made again (after a crash, to resume) is
 * byte-for-byte the message sequence it was, with the same event ids: Kafka may see it twice,
 * the aggregator drops the repeats by event_id, and the ground truth never counts it twice.
 */
export const CHUNK_MS = 1000;

/** One message to send. `truth` marks the valid, distinct events: the ground truth. */
export type Emission =
  | { kind: 'event'; key: string; value: string; event: SaleEvent; spike?: Spike }
  | { kind: 'duplicate'; key: string; value: string; event: SaleEvent }
  | { kind: 'malformed'; key: string; value: string; reason: string };

/** A stretch of event time from `fromMs` sold at `ratePerSec` (average valid lines per second). */
export interface Segment {
  fromMs: number;
  ratePerSec: number;
}

export interface StreamOptions extends PopularityOptions {
  seed: number;
  catalog: readonly Product[];
  /** Rate by event time: the last segment starting at or before a chunk gives its rate. Ascending fromMs. */
  segments: readonly Segment[];
  /** Share of valid events whose occurred_at lies 1 min … lateMaxMs before the moment they are sent. */
  lateShare: number; // default 0.01
  lateMaxMs: number; // default 3 h
  /** Share of valid events sent a second time (a producer's retry). */
  duplicateShare: number; // default 0.005
  /** Malformed messages per valid event (bad JSON, missing fields, negative quantity, …). */
  malformedShare: number; // default 0.002
  stores: number; // default 50
  users: number; // default 100_000
  maxLinesPerOrder: number; // default 4
  /** Products that sell a multiple of their usual for a while (--spike, npm start's demo). */
  spikes: SpikePlan; // default none
}

export const DEFAULT_STREAM: Omit<StreamOptions, 'seed' | 'catalog' | 'segments'> = {
  ...DEFAULT_POPULARITY,
  lateShare: 0.01,
  lateMaxMs: 3 * 3_600_000,
  duplicateShare: 0.005,
  malformedShare: 0.002,
  stores: 50,
  users: 100_000,
  maxLinesPerOrder: 4,
  spikes: NO_SPIKES,
};

const CHANNELS: Channel[] = ['web', 'app', 'store', 'marketplace'];
const CITIES: Array<[number, number]> = [[40.71, -74.01], [34.05, -118.24], [41.88, -87.63], [29.76, -95.37], [47.61, -122.33], [25.76, -80.19]];

// The kinds of bad input producers really send; each is refused by the schema's validator.
const MALFORMED: Array<[string, (e: SaleEvent) => string]> = [
  ['invalid_json', (e) => JSON.stringify(e).slice(0, 40)],
  ['missing_field', (e) => JSON.stringify({ ...e, product_id: undefined })],
  ['invalid_quantity', (e) => JSON.stringify({ ...e, quantity: -e.quantity })],
  ['invalid_price', (e) => JSON.stringify({ ...e, unit_price_cents: e.unit_price_cents + 0.5 })],
  ['unknown_currency', (e) => JSON.stringify({ ...e, currency: 'XXX' })],
  ['invalid_timestamp', (e) => JSON.stringify({ ...e, occurred_at: e.occurred_at.slice(0, 19) })],
];

/** Makes chunks; keeps the popularity cache between them. */
export class SalesStream {
  private readonly popularity: Popularity;
  private readonly options: StreamOptions;
  private readonly meanLines: number;
  private readonly indexOf: Map<string, number>;

  constructor(options: Partial<StreamOptions> & Pick<StreamOptions, 'seed' | 'catalog' | 'segments'>) {
    this.options = { ...DEFAULT_STREAM, ...options };
    const o = this.options;
    if (o.segments.length === 0) throw new Error('the stream needs at least one segment');
    for (const [name, share] of [['lateShare', o.lateShare], ['duplicateShare', o.duplicateShare], ['malformedShare', o.malformedShare]] as const) {
      if (!(share >= 0 && share < 1)) throw new Error(`${name} must be in [0, 1), got ${share}`);
    }
    this.popularity = new Popularity(o.catalog, o);
    this.meanLines = (1 + o.maxLinesPerOrder) / 2;
    this.indexOf = new Map(o.catalog.map((p, i) => [p.product_id, i]));
  }

  /** Catalog indexes from the best seller down (Zipf ranks before drift): where "mid-tail" is. */
  productsByRank(): number[] {
    return this.popularity.productsByRank();
  }

  /** The rate (valid lines per second, before the daily cycle) at event time `ms`. */
  rateAt(ms: number): number {
    let rate = 0;
    for (const s of this.options.segments) if (s.fromMs <= ms) rate = s.ratePerSec;
    return rate;
  }

  /**
   * A spike's extra sales in a chunk: (factor − 1) × what the product usually sells then, each a
   * one-line order sent on time, from their own seeded draws (hash of seed, chunk, product), so the
   * usual stream is byte-for-byte the same with or without spikes.
   */
  private spikeLines(spike: Spike, chunkStartMs: number, out: Emission[]): void {
    const o = this.options;
    const index = this.indexOf.get(spike.productId);
    if (index === undefined) throw new Error(`spike on ${spike.productId}: no such product in the catalog`);
    const product = o.catalog[index]!;
    const chunkId = chunkStartMs / CHUNK_MS;
    const random = seededRandom(hash32(o.seed, chunkId, index, 0x591e));
    const usualLinesPerSec = this.rateAt(chunkStartMs) * demandFactor(chunkStartMs, o.utcOffsetHours) * this.popularity.shareOf(index, chunkStartMs);
    const lines = poisson((spike.factor - 1) * usualLinesPerSec * (CHUNK_MS / 1000), random);
    for (let n = 0; n < lines; n++) {
      const [lat, lon] = CITIES[Math.floor(random() * CITIES.length)]!;
      const event: SaleEvent = {
        event_id: `e-${o.seed}-${chunkId}-s${index}-${n}`,
        order_id: `o-${o.seed}-${chunkId}-s${index}-${n}`,
        product_id: product.product_id,
        quantity: random() < 0.8 ? 1 : 1 + Math.floor(random() * 5),
        unit_price_cents: product.price_cents,
        currency: 'USD',
        occurred_at: new Date(chunkStartMs + Math.floor(random() * CHUNK_MS)).toISOString(),
        store_id: `s-${1 + Math.floor(random() * o.stores)}`,
        user_id: `u-${1 + Math.floor(random() * o.users)}`,
        channel: CHANNELS[Math.floor(random() * CHANNELS.length)]!,
        lat: Math.round((lat + (random() - 0.5)) * 1e4) / 1e4,
        lon: Math.round((lon + (random() - 0.5)) * 1e4) / 1e4,
      };
      out.push({ kind: 'event', key: event.product_id, value: JSON.stringify(event), event, spike });
    }
  }

  /** Every message of the chunk starting at `chunkStartMs` (a multiple of CHUNK_MS), in send order. */
  chunk(chunkStartMs: number): Emission[] {
    if (chunkStartMs % CHUNK_MS !== 0) throw new Error(`chunk start ${chunkStartMs} is not on the ${CHUNK_MS} ms grid`);
    const o = this.options;
    const chunkId = chunkStartMs / CHUNK_MS;
    const random = seededRandom(hash32(o.seed, chunkId));
    const orders = poisson((this.rateAt(chunkStartMs) * demandFactor(chunkStartMs, o.utcOffsetHours) * CHUNK_MS) / 1000 / this.meanLines, random);
    const out: Emission[] = [];
    let line = 0;
    for (let order = 0; order < orders; order++) {
      const atMs = chunkStartMs + Math.floor(random() * CHUNK_MS);
      const lines = 1 + Math.floor(random() * o.maxLinesPerOrder);
      const [lat, lon] = CITIES[Math.floor(random() * CITIES.length)]!;
      const shared = {
        order_id: `o-${o.seed}-${chunkId}-${order}`,
        store_id: `s-${1 + Math.floor(random() * o.stores)}`,
        user_id: `u-${1 + Math.floor(random() * o.users)}`,
        channel: CHANNELS[Math.floor(random() * CHANNELS.length)]!,
        lat: Math.round((lat + (random() - 0.5)) * 1e4) / 1e4,
        lon: Math.round((lon + (random() - 0.5)) * 1e4) / 1e4,
      };
      // A late order: it happened a while ago and reaches us only now (a till that was offline).
      const occurredMs = random() < o.lateShare ? atMs - 60_000 - Math.floor(random() * Math.max(0, o.lateMaxMs - 60_000)) : atMs;
      for (let l = 0; l < lines; l++) {
        const product = this.popularity.sample(occurredMs, random);
        const event: SaleEvent = {
          event_id: `e-${o.seed}-${chunkId}-${line++}`,
          product_id: product.product_id,
          quantity: random() < 0.8 ? 1 : 1 + Math.floor(random() * 5),
          unit_price_cents: random() < 0.1 ? Math.round(product.price_cents * 0.8) : product.price_cents,
          currency: 'USD',
          occurred_at: new Date(occurredMs).toISOString(),
          ...shared,
        };
        const value = JSON.stringify(event);
        out.push({ kind: 'event', key: event.product_id, value, event });
        if (random() < o.duplicateShare) out.push({ kind: 'duplicate', key: event.product_id, value, event });
        if (random() < o.malformedShare) {
          const [reason, make] = MALFORMED[Math.floor(random() * MALFORMED.length)]!;
          out.push({ kind: 'malformed', key: event.product_id, value: make(event), reason });
        }
      }
    }
    for (const spike of o.spikes.activeAt(chunkStartMs)) this.spikeLines(spike, chunkStartMs, out);
    return out;
  }
}

/** Where a stream stands: the next chunk to send and how many of its messages already went. */
export interface StreamPosition {
  chunkStartMs: number;
  emitted: number;
}

/** Floors an instant to the chunk grid. */
export const chunkFloor = (ms: number): number => Math.floor(ms / CHUNK_MS) * CHUNK_MS;

/**
 * The messages from `from` up to (not including) chunk `untilMs`, as batches for one producer
 * send each, with the position after each batch. At most `maxValid` valid events in all (then
 * the position points inside the last chunk).
 */
export function* batches(stream: SalesStream, from: StreamPosition, untilMs: number, batchSize: number, maxValid = Infinity): Generator<{ emissions: Emission[]; next: StreamPosition }> {
  let batch: Emission[] = [];
  let valid = 0;
  let position = { ...from };
  let yielded = false;
  while (position.chunkStartMs < untilMs && valid < maxValid) {
    const chunk = stream.chunk(position.chunkStartMs);
    let i = position.emitted;
    for (; i < chunk.length && valid < maxValid; i++) {
      batch.push(chunk[i]!);
      if (chunk[i]!.kind === 'event') valid++;
    }
    position = i >= chunk.length ? { chunkStartMs: position.chunkStartMs + CHUNK_MS, emitted: 0 } : { chunkStartMs: position.chunkStartMs, emitted: i };
    if (batch.length >= batchSize) {
      yield { emissions: batch, next: position };
      batch = [];
      yielded = true;
    } else {
      yielded = false;
    }
  }
  // The last (possibly empty) batch still moves the position past quiet chunks.
  if (!yielded) yield { emissions: batch, next: position };
}

/** Exactly the valid, distinct events of a list of emissions: what the ground truth holds. */
export const truthOf = (emissions: readonly Emission[]): SaleEvent[] => emissions.flatMap((e) => (e.kind === 'event' ? [e.event] : []));

export type { Random };
