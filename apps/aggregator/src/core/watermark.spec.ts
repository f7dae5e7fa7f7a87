import { Watermark } from './watermark';

describe('Watermark', () => {
  const t0 = Date.parse('2026-11-22T12:00:00Z');

  it('is unknown until an event is seen, then max event time minus lateness', () => {
    const w = new Watermark(60_000, 30_000, t0);
    expect(w.value(t0, false)).toBeNull();
    w.observe(t0 - 10_000, t0);
    w.observe(t0 - 50_000, t0); // late event: does not move it back
    expect(w.value(t0, false)).toBe(t0 - 70_000);
  });

  it('never goes backwards', () => {
    const w = new Watermark(0, 1_000, t0);
    w.observe(t0, t0);
    expect(w.value(t0 + 5_000, true)).toBe(t0 + 5_000); // idle → wall clock
    w.observe(t0 + 1, t0 + 6_000);
    expect(w.value(t0 + 6_000, false)).toBe(t0 + 5_000);
  });

  it('moves with the wall clock only when idle and drained', () => {
    const w = new Watermark(60_000, 30_000, t0);
    w.observe(t0 - 3_600_000, t0);
    expect(w.value(t0 + 10_000, true)).toBe(t0 - 3_660_000); // not idle long enough
    expect(w.value(t0 + 40_000, false)).toBe(t0 - 3_660_000); // idle but still has buffered data
    expect(w.value(t0 + 40_000, true)).toBe(t0 + 40_000 - 60_000);
    w.touch(t0 + 50_000);
    expect(w.value(t0 + 60_000, true)).toBe(t0 + 40_000 - 60_000);
  });

  describe('restore (the partition reset after a ledger conflict)', () => {
    it('forgets the event times of a dropped buffer: back to the ledger\'s stored value', () => {
      const w = new Watermark(60_000, 30_000, t0);
      w.observe(t0 - 600_000, t0);
      const stored = w.value(t0, false); // committed with a flush
      expect(stored).toBe(t0 - 660_000);
      // The next buffer: events up to t0, and the flush computes the value it would store...
      w.observe(t0, t0 + 1_000);
      expect(w.value(t0 + 1_000, false)).toBe(t0 - 60_000);
      // ...but its commit loses the CAS: the buffer is dropped, the partition reset from the ledger.
      w.restore(stored, t0 + 2_000);
      expect(w.value(t0 + 2_000, false)).toBe(stored);
      // Re-reading the dropped range moves it again, from the events themselves.
      w.observe(t0 - 300_000, t0 + 3_000);
      expect(w.value(t0 + 3_000, false)).toBe(t0 - 360_000);
    });

    it('takes a stored value ahead of its own (another instance committed further)', () => {
      const w = new Watermark(60_000, 30_000, t0);
      w.observe(t0 - 600_000, t0);
      w.restore(t0 - 60_000, t0);
      expect(w.value(t0, false)).toBe(t0 - 60_000);
      w.observe(t0 - 30_000, t0); // older than the stored watermark + lateness: no move back
      expect(w.value(t0, false)).toBe(t0 - 60_000);
    });

    it('is unknown again when the ledger has no watermark, and idles only after a full timeout from the reset', () => {
      const w = new Watermark(0, 1_000, t0);
      w.observe(t0, t0);
      expect(w.value(t0, false)).toBe(t0);
      w.restore(null, t0 + 5_000);
      expect(w.value(t0 + 5_000, true)).toBeNull(); // the reset counts as activity
      expect(w.value(t0 + 6_000, true)).toBe(t0 + 6_000);
    });
  });

  it('bounds a far-future event by the wall clock (a producer with a wrong clock)', () => {
    const t0 = Date.UTC(2026, 10, 29, 3, 0, 0);
    const w = new Watermark(5 * 60_000, 30_000, t0, 60_000);
    w.observe(t0 - 10 * 60_000, t0);
    w.observe(t0 + 10 * 365 * 86_400_000, t0); // ten years ahead
    expect(w.value(t0, false)).toBe(t0 + 60_000 - 5 * 60_000);
    // Two minutes later the bound has moved with the clock, no further.
    w.observe(t0 + 10 * 365 * 86_400_000, t0 + 120_000);
    expect(w.value(t0 + 120_000, false)).toBe(t0 + 180_000 - 5 * 60_000);
  });
});
