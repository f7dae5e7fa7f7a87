import { FlushDedupe } from './flush-dedupe';

const rec = (sourcePartition: number, lastOffset: number, productId: string, minuteStartMs = 60_000) => ({
  sourcePartition,
  lastOffset: String(lastOffset),
  productId,
  minuteStartMs,
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
});
