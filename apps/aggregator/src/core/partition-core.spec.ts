import type { KafkaMessage } from 'kafkajs';
import { decodeProductSum, flushIdOf } from '@hitboard/schema';
import { BufferBudget } from './memory-budget';
import { PartitionCore, type FlushPlan, type PartitionCoreOptions } from './partition-core';
import { productSumMessages } from './product-sum-records';

const T0 = Date.parse('2026-11-22T07:00:00.000Z');

const options = (over: Partial<PartitionCoreOptions> = {}): PartitionCoreOptions => ({
  partition: 3,
  sourceTopic: 'sales.events',
  validator: { currencies: ['EUR'], maxBytes: 64 * 1024 },
  dlqMaxValueBytes: 1024,
  dedupeWindowMs: 600_000,
  dedupeMaxIds: 100_000,
  allowedLatenessMs: 60_000,
  idleTimeoutMs: 30_000,
  watermarkMaxFutureMs: 300_000,
  flushIntervalMs: 5000,
  flushMaxKeys: 1000,
  refusedMaxBytes: 1 << 20,
  budget: new BufferBudget(1 << 30), // far above what these tests buffer (memory-budget.spec.ts tests the budget)
  ...over,
});

let nextEventId = 0;
const event = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: `e-${nextEventId++}`,
  order_id: 'o-1',
  product_id: 'p-1',
  quantity: 2,
  unit_price_cents: 150,
  currency: 'EUR',
  occurred_at: new Date(T0 + 5000).toISOString(),
  store_id: 's-1',
  user_id: 'u-1',
  channel: 'web',
  ...over,
});

const message = (offset: number, value: Buffer | null): KafkaMessage =>
  ({ key: null, value, timestamp: String(T0 + 10_000), attributes: 0, offset: String(offset), headers: {} }) as KafkaMessage;
const json = (offset: number, e: Record<string, unknown>): KafkaMessage => message(offset, Buffer.from(JSON.stringify(e)));

/** Offers `messages` in order, as the shell does, at `nowMs`. */
function offerAll(core: PartitionCore, messages: KafkaMessage[], nowMs = T0 + 10_000): string[] {
  return messages.map((m) => core.offer(m, Number(m.offset), Number(m.timestamp), nowMs));
}

const started = (over: Partial<PartitionCoreOptions> = {}, nextOffset = 0): PartitionCore => {
  const core = new PartitionCore(options(over), T0);
  core.restore({ nextOffset, intended: null, watermarkMs: null }, nextOffset, T0);
  return core;
};

describe('PartitionCore', () => {
  it('pre-sums valid events per (minute, product) and plans one flush over every offset read', () => {
    const core = started({}, 10);
    offerAll(core, [
      json(10, event()),
      json(11, event({ quantity: 1, unit_price_cents: 1000 })),
      json(12, event({ product_id: 'p-2' })),
      json(13, event({ occurred_at: new Date(T0 + 65_000).toISOString() })),
    ]);
    const plan = core.planFlush(T0 + 10_000) as FlushPlan;
    expect(plan.firstOffset).toBe(10);
    expect(plan.lastOffset).toBe(13);
    expect(plan.flushId).toBe(flushIdOf(3, '10', '13'));
    expect(plan.events).toBe(4);
    const byKey = new Map(plan.cells.map((c) => [`${c.minuteStartMs}|${c.productId}`, c]));
    expect(byKey.get(`${T0}|p-1`)).toEqual({ minuteStartMs: T0, productId: 'p-1', channel: 'web', units: 3, revenueCents: 1300, orders: 2 });
    expect(byKey.get(`${T0}|p-2`)).toMatchObject({ units: 2, revenueCents: 300, orders: 1 });
    expect(byKey.get(`${T0 + 60_000}|p-1`)).toMatchObject({ units: 2, revenueCents: 300, orders: 1 });
    expect(plan.cells).toHaveLength(3);
  });

  it('keeps each channel of a (minute, product) a cell of its own, and publishes each with its channel', () => {
    const core = started();
    offerAll(core, [
      json(0, event({ channel: 'web' })),
      json(1, event({ channel: 'app', quantity: 5 })),
      json(2, event({ channel: 'web', quantity: 1 })),
      json(3, event({ channel: 'marketplace', quantity: 3, unit_price_cents: 10 })),
    ]);
    const plan = core.planFlush(T0 + 10_000) as FlushPlan;
    const byChannel = Object.fromEntries(plan.cells.map((c) => [c.channel, `${c.minuteStartMs}|${c.productId} ${c.units}/${c.revenueCents}/${c.orders}`]));
    expect(byChannel).toEqual({ web: `${T0}|p-1 3/450/2`, app: `${T0}|p-1 5/750/1`, marketplace: `${T0}|p-1 3/30/1` });
    const records = productSumMessages(3, plan).map((m) => decodeProductSum(m.value as Buffer));
    expect(records.map((r) => [r.channel, r.units]).sort()).toEqual([['app', 5], ['marketplace', 3], ['web', 3]]);
    expect(records.every((r) => r.flushId === plan.flushId && r.productId === 'p-1')).toBe(true);
  });

  it('counts a repeated event id once and says how many it dropped', () => {
    const core = started();
    const e = event();
    expect(offerAll(core, [json(0, e), json(1, e), json(2, event())])).toEqual(['counted', 'counted', 'counted']);
    const plan = core.planFlush(T0) as FlushPlan;
    expect(plan.duplicates).toBe(1);
    expect(plan.events).toBe(2);
    expect(plan.lastOffset).toBe(2); // the duplicate's offset is in the range all the same
  });

  it('turns bad input into DLQ records with their reason, and keeps the offset in the range', () => {
    const core = started();
    offerAll(core, [json(0, event()), message(1, Buffer.from('{"a":')), message(2, null), json(3, event({ currency: 'XXX' }))]);
    const plan = core.planFlush(T0) as FlushPlan;
    expect(plan.lastOffset).toBe(3);
    expect(plan.events).toBe(1);
    expect(plan.refused.map((r) => [r.offset, r.rejection.reason])).toEqual([
      [1, 'invalid_json'],
      [2, 'invalid_json'],
      [3, expect.any(String)],
    ]);
    expect(plan.dlq.map((m) => m.key)).toEqual(['3:1', '3:2', '3:3']);
    expect(plan.dlq[0]?.headers?.['source-topic']).toBe('sales.events');
  });

  it('reads offsets below the ledger only to warm the duplicate window, never counts them', () => {
    const core = new PartitionCore(options(), T0);
    const seen = event();
    core.restore({ nextOffset: 2, intended: null, watermarkMs: null }, 0, T0);
    expect(offerAll(core, [json(0, seen), json(1, event()), json(2, seen), json(3, event())])).toEqual(['warmed', 'warmed', 'counted', 'counted']);
    const plan = core.planFlush(T0) as FlushPlan;
    expect(plan.firstOffset).toBe(2);
    expect(plan.events).toBe(1);
    expect(plan.duplicates).toBe(1);
  });

  it('skips offsets it has handled already (a refetch)', () => {
    const core = started();
    offerAll(core, [json(0, event()), json(1, event())]);
    expect(core.offer(json(1, event()), 1, T0, T0)).toBe('skipped');
    expect((core.planFlush(T0) as FlushPlan).events).toBe(2);
  });

  it('asks for a size flush once the buffer holds FLUSH_MAX_KEYS cells, and a time flush once it is old', () => {
    const core = started({ flushMaxKeys: 2, flushIntervalMs: 5000 });
    offerAll(core, [json(0, event({ product_id: 'a' }))], T0);
    expect(core.flushAfter(0)).toBeNull();
    expect(core.flushDue(T0 + 4999)).toBe(false);
    expect(core.flushDue(T0 + 5000)).toBe(true);
    offerAll(core, [json(1, event({ product_id: 'b' }))], T0);
    expect(core.flushAfter(1)).toBe('size');
  });

  it('asks for a size flush on a stream of poison too (refused bytes bound the memory)', () => {
    const core = started({ refusedMaxBytes: 200 });
    offerAll(core, [message(0, Buffer.alloc(100, 'x'))]);
    expect(core.flushAfter(0)).toBeNull();
    offerAll(core, [message(1, Buffer.alloc(100, 'x'))]);
    expect(core.flushAfter(1)).toBe('size');
  });

  it('says overflow when a cell would pass 2^53 cents, and counts the event into the next buffer after the flush', () => {
    const core = started({ validator: { currencies: ['EUR'], maxBytes: 64 * 1024, maxQuantity: 1_000_000, maxUnitPriceCents: 1_000_000 } });
    const big = { quantity: 1_000_000, unit_price_cents: 1_000_000 }; // 10^12 cents each: 2^53 passes after ~9008
    const results: string[] = [];
    let offset = 0;
    while (results[results.length - 1] !== 'overflow' && offset < 10_000) results.push(core.offer(json(offset, event(big)), offset++, T0, T0));
    expect(results[results.length - 1]).toBe('overflow');
    const overflowAt = offset - 1;
    const plan = core.planFlush(T0) as FlushPlan;
    expect(plan.lastOffset).toBe(overflowAt - 1);
    expect(plan.cells[0]?.revenueCents).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    core.started(plan);
    core.committed(plan);
    core.countAfterOverflowFlush(json(overflowAt, event(big)), overflowAt, T0, T0);
    const next = core.planFlush(T0) as FlushPlan;
    expect([next.firstOffset, next.lastOffset, next.events]).toEqual([overflowAt, overflowAt, 1]);
  });

  it('moves past a committed range with a fresh buffer', () => {
    const core = started();
    offerAll(core, [json(0, event()), json(1, event())]);
    const plan = core.planFlush(T0) as FlushPlan;
    core.started(plan);
    expect(core.committed(plan)).toBe(true);
    expect(core.ledgerNext).toBe(2);
    expect(core.intended).toBeNull();
    expect(core.planFlush(T0)).toBeNull();
    offerAll(core, [json(2, event())]);
    expect((core.planFlush(T0) as FlushPlan).firstOffset).toBe(2);
  });

  it('replays an intended range exactly: recovery flush at its last offset, no time flush before, mismatch otherwise', () => {
    const core = new PartitionCore(options({ flushMaxKeys: 1 }), T0);
    const intended = { flushId: flushIdOf(3, '0', '2'), firstOffset: 0, lastOffset: 2 };
    core.restore({ nextOffset: 0, intended, watermarkMs: null }, 0, T0);
    offerAll(core, [json(0, event({ product_id: 'a' })), json(1, event({ product_id: 'b' }))], T0);
    expect(core.flushAfter(1)).toBeNull(); // no size flush inside an intended range
    expect(core.flushDue(T0 + 60_000)).toBe(false);
    expect(core.planFlush(T0)).toBe('mismatch');
    offerAll(core, [json(2, event())], T0);
    expect(core.flushAfter(2)).toBe('recovery');
    expect((core.planFlush(T0) as FlushPlan).flushId).toBe(intended.flushId);
  });

  it('closes an intended range the log no longer shows in full where it was declared', () => {
    const core = new PartitionCore(options(), T0);
    const intended = { flushId: flushIdOf(3, '0', '5'), firstOffset: 0, lastOffset: 5 };
    core.restore({ nextOffset: 0, intended, watermarkMs: null }, 0, T0);
    offerAll(core, [json(0, event())]);
    expect(core.mustCloseIntendedBefore(4)).toBe(false);
    expect(core.mustCloseIntendedBefore(9)).toBe(true);
    expect((core.planFlush(T0, 5) as FlushPlan).flushId).toBe(intended.flushId);
  });

  it('starts over from the ledger on restore: drops the buffer and the duplicate window', () => {
    const core = started();
    const e = event();
    offerAll(core, [json(0, e)]);
    core.restore({ nextOffset: 0, intended: null, watermarkMs: T0 }, 0, T0);
    expect(core.planFlush(T0)).toBeNull();
    expect(core.storedWatermarkMs).toBe(T0);
    offerAll(core, [json(0, e)]);
    expect((core.planFlush(T0) as FlushPlan).duplicates).toBe(0);
  });

  describe('a flush in flight (off the hot path)', () => {
    it('keeps consuming into a fresh buffer while the started plan is in flight', () => {
      const core = started({ flushMaxKeys: 2 });
      offerAll(core, [json(0, event({ product_id: 'a' })), json(1, event({ product_id: 'b' }))]);
      expect(core.flushAfter(1)).toBe('size');
      const plan = core.planFlush(T0) as FlushPlan;
      core.started(plan);
      expect(core.inFlight).toBe(plan);
      expect(core.intended).toBeNull(); // in flight is not recovery mode: no replay of an intended range
      expect(core.buffer).not.toBe(plan.buffer);
      expect(core.buffer.isEmpty).toBe(true);
      expect(core.drainedAndIdle).toBe(false);
      expect(offerAll(core, [json(2, event({ product_id: 'c' })), json(3, event({ product_id: 'd' }))])).toEqual(['counted', 'counted']);
      expect(core.flushAfter(3)).toBe('size'); // the shell waits for the flush in flight before the next one
      expect(core.flushDue(T0 + 60_000)).toBe(true);
      expect(plan.cells.map((c) => c.productId).sort()).toEqual(['a', 'b']); // the in-flight plan is untouched
    });

    it('plans the next flush from just after the in-flight range, and moves the ledger only on the committed range', () => {
      const core = started({}, 10);
      offerAll(core, [json(10, event()), json(11, event())]);
      const first = core.planFlush(T0 + 10_000) as FlushPlan;
      core.started(first);
      offerAll(core, [json(12, event()), json(13, event())]);
      const second = core.planFlush(T0 + 20_000) as FlushPlan;
      expect([second.firstOffset, second.lastOffset, second.events]).toEqual([12, 13, 2]);
      expect(second.flushId).toBe(flushIdOf(3, '12', '13'));
      expect(() => core.started(second)).toThrow(/in flight/); // one flush in flight at a time
      expect(core.ledgerNext).toBe(10);
      expect(core.committed(first)).toBe(true);
      expect(core.ledgerNext).toBe(12); // the committed range's end, not the buffer consumed since
      expect(core.storedWatermarkMs).toBe(first.watermarkMs);
      expect(core.inFlight).toBeNull();
      core.started(second);
      expect(core.buffer.isEmpty).toBe(true);
      expect(core.committed(second)).toBe(true);
      expect(core.ledgerNext).toBe(14);
      expect(core.drainedAndIdle).toBe(true);
    });

    it('ignores a stale flush that ends after a reset: nothing of it is applied', () => {
      const core = started();
      offerAll(core, [json(0, event()), json(1, event())]);
      const stale = core.planFlush(T0) as FlushPlan;
      core.started(stale);
      core.restore({ nextOffset: 0, intended: null, watermarkMs: null }, 0, T0);
      expect(core.inFlight).toBeNull();
      expect(core.committed(stale)).toBe(false);
      expect([core.ledgerNext, core.storedWatermarkMs]).toEqual([0, null]);
      offerAll(core, [json(0, event()), json(1, event()), json(2, event())]);
      const fresh = core.planFlush(T0) as FlushPlan;
      expect([fresh.firstOffset, fresh.lastOffset]).toEqual([0, 2]);
      expect(() => core.started(stale)).toThrow(/not planned from the current state/);
      core.started(fresh);
      expect(core.committed(stale)).toBe(false); // not the one in flight either
      expect(core.inFlight).toBe(fresh);
      expect(core.committed(fresh)).toBe(true);
      expect(core.ledgerNext).toBe(3);
    });
  });

  it('stores an idle watermark only once drained and read up to the log end, and only when it moved', () => {
    const core = started({ allowedLatenessMs: 60_000, idleTimeoutMs: 30_000 }, 5);
    const idleAt = T0 + 100_000; // past the idle timeout: the watermark follows the clock
    core.logEnd = 6;
    expect(core.idleWatermarkToStore(idleAt)).toBeNull(); // offset 5 not read yet
    core.logEnd = 5;
    expect(core.idleWatermarkToStore(idleAt)).toBe(idleAt - 60_000);
    expect(core.storedWatermarkMs).toBe(idleAt - 60_000);
    expect(core.idleWatermarkToStore(idleAt)).toBeNull(); // stored already
    offerAll(core, [json(5, event())], idleAt);
    expect(core.idleWatermarkToStore(idleAt + 60_000)).toBeNull(); // something is buffered: a flush stores it
  });

  it('forgets the confirmed seek on restore (the next batch past the position asks for the seek again)', () => {
    const core = started();
    core.seekConfirmed = true;
    core.restore({ nextOffset: 4, intended: null, watermarkMs: null }, 4, T0);
    expect(core.seekConfirmed).toBe(false);
  });
});
