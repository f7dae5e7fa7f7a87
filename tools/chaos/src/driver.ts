import { clock } from '@hitboard/runtime';
import type { Producer } from 'kafkajs';
import { ACKS_ALL } from '@hitboard/kafka';
import { batches, chunkFloor, SalesStream, type Emission, type Product, type StreamPosition } from '@hitboard/generator';
import { hourStartMs } from '@hitboard/lake';
import { revenueCentsOf, type SaleEvent } from '@hitboard/schema';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Sums {
  units: bigint;
  revenue: bigint;
  orders: bigint;
}

/**
 * Drives the generator's sales stream into the events topic and keeps the ground truth in memory:
 * per (UTC hour, product) the units, revenue and lines of every valid, distinct event, and the values
 * of the malformed messages (the DLQ must hold exactly the messages with those values). A send that
 * fails (a broker killed, no quorum) is retried until it is acknowledged; a batch is added to the truth
 * once. History goes as fast as the cluster takes it, then live chunks as their second passes.
 */
export class SalesDriver {
  readonly truth = new Map<number, Map<string, Sums>>();
  readonly malformed = new Set<string>();
  position: StreamPosition;
  validEvents = 0;
  messages = 0;
  sendRetries = 0;
  private loop: Promise<void> | null = null;
  private stopRequested = false;

  constructor(
    private readonly stream: SalesStream,
    private readonly producer: Producer,
    private readonly topic: string,
    fromMs: number,
    private readonly onError: (err: Error) => void,
  ) {
    this.position = { chunkStartMs: chunkFloor(fromMs), emitted: 0 };
  }

  static catalogStream(seed: number, catalog: readonly Product[], historyFromMs: number, historyRate: number, liveFromMs: number, liveRate: number): SalesStream {
    return new SalesStream({ seed, catalog, segments: [{ fromMs: historyFromMs, ratePerSec: historyRate }, { fromMs: liveFromMs, ratePerSec: liveRate }] });
  }

  get sending(): boolean {
    return this.loop !== null;
  }

  /** Starts sending (history, then live) until pause(). */
  resume(): void {
    if (this.loop) return;
    this.stopRequested = false;
    this.loop = this.run().finally(() => (this.loop = null));
  }

  /** Stops after the batch in flight is acknowledged: everything sent is then in the truth. */
  async pause(): Promise<void> {
    this.stopRequested = true;
    await this.loop;
  }

  /** Sends everything up to now (event time), then returns: the caught-up point of the stream. */
  private async run(): Promise<void> {
    while (!this.stopRequested) {
      const edge = chunkFloor(clock.now());
      if (this.position.chunkStartMs >= edge) {
        await sleep(100);
        continue;
      }
      for (const { emissions, next } of batches(this.stream, this.position, edge, 1000)) {
        if (emissions.length > 0) await this.send(emissions);
        this.record(emissions);
        this.position = next;
        if (this.stopRequested) return;
      }
    }
  }

  /**
   * Sends sales of a scenario's making (not the stream's: late ones, say), acknowledged like the stream's,
   * and adds them to the ground truth.
   */
  async sendEvents(events: readonly SaleEvent[]): Promise<void> {
    const emissions: Emission[] = events.map((event) => ({ kind: 'event', key: event.product_id, value: JSON.stringify(event), event }));
    for (let i = 0; i < emissions.length; i += 1000) {
      const batch = emissions.slice(i, i + 1000);
      await this.send(batch);
      this.record(batch);
    }
  }

  private async send(emissions: Emission[]): Promise<void> {
    const messages = emissions.map((e) => ({ key: e.key, value: e.value }));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.send({ topic: this.topic, acks: ACKS_ALL, messages });
        return;
      } catch (err) {
        // Unknown whether it was written: sending it again may duplicate it in Kafka, which the
        // aggregator's dedupe (valid events) and the DLQ check (by value, every copy) both expect.
        this.sendRetries++;
        if (attempt % 5 === 1) this.onError(err as Error);
        await sleep(Math.min(2000, 200 * attempt));
      }
    }
  }

  private record(emissions: Emission[]): void {
    for (const e of emissions) {
      this.messages++;
      if (e.kind === 'malformed') this.malformed.add(e.value);
      if (e.kind !== 'event') continue;
      this.validEvents++;
      const hour = hourStartMs(Date.parse(e.event.occurred_at));
      let products = this.truth.get(hour);
      if (!products) this.truth.set(hour, (products = new Map()));
      const s = products.get(e.event.product_id) ?? { units: 0n, revenue: 0n, orders: 0n };
      s.units += BigInt(e.event.quantity);
      s.revenue += BigInt(revenueCentsOf(e.event));
      s.orders += 1n;
      products.set(e.event.product_id, s);
    }
  }
}
