import type { StoredChannel } from '@hitboard/schema';
import { FlushDedupe } from './flush-dedupe';

const rec = (sourcePartition: number, lastOffset: number, productId: string, minuteStartMs = 60_000, channel: StoredChannel = 'web') => ({
  sourcePartition,
  lastOffset: String(lastOffset),
  productId,
  minuteStartMs,
  channel,
});

describe('FlushDedupe', () => {
  it('applies every record of a new flush once, and drops a full replay of it', () => {
    const d = new FlushDedupe();
    expect([d.admit(rec(0, 9, 'a')), d.admit(rec(0, 9, 'b')), d.admit(rec(0, 9, 'a', 120_000))]).toEqual(['apply', 'apply', 'apply']);
    expect([d.admit(rec(0, 9, 'a')), d.admit(rec(0, 9, 'b')), d.admit(rec(0, 9, 'a', 120_000))]).toEqual([
      'replayed-key',
      'replayed-key',
      'replayed-key',
    ]);
  });

  it('completes a partially published flush from its replay without double counting', () => {
    const d = new FlushDedupe();
    expect(d.admit(rec(0, 9, 'a'))).toBe('apply'); // crash after the first record reached this shard
    expect([d.admit(rec(0, 9, 'a')), d.admit(rec(0, 9, 'b'))]).toEqual(['replayed-key', 'apply']);
  });

  it('drops flushes at or below the high-water mark once a newer flush started', () => {
    const d = new FlushDedupe();
    d.admit(rec(0, 9, 'a'));
    expect(d.admit(rec(0, 19, 'a'))).toBe('apply');
    expect(d.admit(rec(0, 9, 'b'))).toBe('older-flush'); // a zombie's late copy of the older flush
    expect(d.admit(rec(0, 19, 'b'))).toBe('apply');
  });

  it('keeps source partitions independent, and compares offsets as int64, not text', () => {
    const d = new FlushDedupe();
    d.admit({ ...rec(0, 0, 'a'), lastOffset: '9007199254740993' });
    expect(d.admit({ ...rec(0, 0, 'a'), lastOffset: '9007199254740992' })).toBe('older-flush');
    expect(d.admit(rec(0, 100, 'a'))).toBe('older-flush'); // "100" > "9007…" as text, not as numbers
    expect(d.admit(rec(1, 5, 'a'))).toBe('apply');
  });

  it('survives a snapshot round trip with the same verdicts', () => {
    const d = new FlushDedupe();
    d.admit(rec(3, 42, 'x'));
    d.admit(rec(1, 7, 'y'));
    const restored = FlushDedupe.restore(JSON.parse(JSON.stringify(d.snapshot())));
    expect(restored.snapshot()).toEqual(d.snapshot());
    expect([restored.admit(rec(3, 42, 'x')), restored.admit(rec(3, 42, 'z')), restored.admit(rec(1, 6, 'q'))]).toEqual([
      'replayed-key',
      'apply',
      'older-flush',
    ]);
  });

  it('applies one product’s records of several channels in one minute of one flush, and drops each one’s replay (issue 27)', () => {
    const d = new FlushDedupe();
    expect([d.admit(rec(0, 9, 'a', 60_000, 'web')), d.admit(rec(0, 9, 'a', 60_000, 'app'))]).toEqual(['apply', 'apply']);
    expect([d.admit(rec(0, 9, 'a', 60_000, 'app')), d.admit(rec(0, 9, 'a', 60_000, 'store'))]).toEqual(['replayed-key', 'apply']);
  });

  it('restores a snapshot from before channels: its keys are the records of a flush without channel (decoded as unknown)', () => {
    // As the build before channels wrote it: keys minute|product (a product id may hold '|').
    const legacy = { sources: [[0, '9', ['60000|a', '60000|x|y']]] as Array<[number, string, string[]]> };
    const d = FlushDedupe.restore(JSON.parse(JSON.stringify(legacy)));
    expect([d.admit(rec(0, 9, 'a', 60_000, 'unknown')), d.admit(rec(0, 9, 'x|y', 60_000, 'unknown')), d.admit(rec(0, 9, 'b', 60_000, 'unknown'))]).toEqual([
      'replayed-key',
      'replayed-key',
      'apply',
    ]);
    expect(d.snapshot()).toEqual({ sources: [[0, '9', ['60000|unknown|a', '60000|unknown|b', '60000|unknown|x|y']]], keyFormat: 2 });
  });
});
