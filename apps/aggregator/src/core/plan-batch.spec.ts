import { planBatch, type ReadPosition } from './plan-batch';

const at = (expectNext: number, over: Partial<ReadPosition> = {}): ReadPosition => ({ ready: true, blocked: false, expectNext, seekConfirmed: true, ...over });
const batch = (from: number, to: number, logEnd = to + 1) => ({
  messages: Array.from({ length: to - from + 1 }, (_, i) => ({ offset: String(from + i) })),
  logEnd,
});
const empty = { messages: [], logEnd: 0 };

describe('planBatch', () => {
  it('skips every batch of a blocked partition, ready or not', () => {
    expect(planBatch(at(10, { blocked: true }), batch(10, 20))).toEqual({ kind: 'skip' });
    expect(planBatch(at(10, { blocked: true, ready: false }), batch(10, 20))).toEqual({ kind: 'skip' });
  });

  it('resets a partition that is not ready, whatever the batch holds', () => {
    expect(planBatch(at(10, { ready: false }), batch(10, 20))).toEqual({ kind: 'reset', why: 'not-ready', refetched: 0 });
    expect(planBatch(at(10, { ready: false }), empty)).toEqual({ kind: 'reset', why: 'not-ready', refetched: 0 });
  });

  it('skips an empty batch', () => {
    expect(planBatch(at(10), empty)).toEqual({ kind: 'skip' });
  });

  it('consumes a batch that starts at the read position', () => {
    expect(planBatch(at(10), batch(10, 20))).toEqual({ kind: 'consume', refetched: 0 });
    expect(planBatch(at(10, { seekConfirmed: false }), batch(10, 20))).toEqual({ kind: 'consume', refetched: 0 });
  });

  it('consumes a batch that straddles the read position, counting what lies below it', () => {
    expect(planBatch(at(15), batch(10, 20))).toEqual({ kind: 'consume', refetched: 5 });
  });

  it('seeks back up when the whole batch lies below the read position', () => {
    expect(planBatch(at(30), batch(10, 20, 100))).toEqual({ kind: 'seek', why: 'behind', offset: 30, refetched: 11 });
  });

  it('resets when the log itself ends below the read position (topic recreated or truncated)', () => {
    expect(planBatch(at(30), batch(10, 20, 21))).toEqual({ kind: 'reset', why: 'log-ends-below', refetched: 11 });
  });

  it('asks for the seek again, once, when a batch starts past the read position before any was confirmed', () => {
    expect(planBatch(at(10, { seekConfirmed: false }), batch(15, 20))).toEqual({ kind: 'seek', why: 'ahead', offset: 10, refetched: 0 });
  });

  it('consumes a batch past the read position once the seek was confirmed (a real gap in the log)', () => {
    expect(planBatch(at(10), batch(15, 20))).toEqual({ kind: 'consume', refetched: 0 });
  });
});
