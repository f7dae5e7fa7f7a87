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
});
