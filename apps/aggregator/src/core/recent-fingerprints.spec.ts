import fc from 'fast-check';
import { RecentFingerprints } from './recent-fingerprints';

const MIN = 60_000;

describe('RecentFingerprints', () => {
  it('drops a repeat within the window and counts one after it', () => {
    const ids = new RecentFingerprints(15 * MIN, 1000, MIN);
    const t0 = Date.UTC(2026, 10, 29, 3, 0, 0);
    expect(ids.seen('a', t0)).toBe(false);
    expect(ids.seen('a', t0 + 14 * MIN)).toBe(true); // refreshed to t0 + 14 min
    expect(ids.seen('b', t0 + 14 * MIN)).toBe(false);
    expect(ids.seen('a', t0 + 29 * MIN + 30_000)).toBe(true); // 15.5 min after its refresh: still in
    // 'b' arrived at minute 14; 17 minutes later it is out of the window (which is 15 to 16 minutes).
    expect(ids.seen('b', t0 + 31 * MIN)).toBe(false);
  });

  it('keeps every id at least windowMs (a bucket more at most): same answers as a brute-force scan', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }),
        (windowBuckets, steps) => {
          const bucketMs = 1000;
          const ids = new RecentFingerprints(windowBuckets * bucketMs, 10_000, bucketMs);
          const lastArrival = new Map<string, number>();
          let t = 5_000_000;
          let newest = -Infinity;
          for (const [id, gapBuckets] of steps) {
            t += gapBuckets * bucketMs;
            const bucket = Math.floor(t / bucketMs);
            newest = Math.max(newest, bucket);
            const prev = lastArrival.get(id);
            // Live buckets: the newest and the windowBuckets before it.
            const expected = prev !== undefined && Math.floor(prev / bucketMs) >= newest - windowBuckets;
            expect(ids.seen(id, t)).toBe(expected);
            lastArrival.set(id, t);
          }
        },
      ),
    );
  });

  it('is bounded: past maxIds it evicts the oldest bucket early and counts what it dropped', () => {
    const ids = new RecentFingerprints(15 * MIN, 1000, MIN);
    const t0 = 1_000 * MIN;
    for (let i = 0; i < 600; i++) ids.seen(`old-${i}`, t0);
    for (let i = 0; i < 600; i++) ids.seen(`new-${i}`, t0 + MIN);
    expect(ids.size).toBeLessThanOrEqual(1000);
    expect(ids.evictedEarly).toBe(600);
    expect(ids.seen('old-1', t0 + MIN)).toBe(false); // forgotten early
    expect(ids.seen('new-1', t0 + MIN)).toBe(true);
    // A long stream stays within the table's fixed maximum.
    for (let i = 0; i < 200_000; i++) ids.seen(`s-${i}`, t0 + 2 * MIN + i);
    expect(ids.size).toBeLessThanOrEqual(1000);
    expect(ids.bytes).toBeLessThanOrEqual(2 * 1024 * 12);
    // What the memory budget sets aside for it from the start: the most it grows to.
    expect(ids.maxBytes).toBe(2 * 1024 * 12);
    expect(new RecentFingerprints(15 * MIN, 1000, MIN).maxBytes).toBe(ids.maxBytes);
  });

  it('takes only an exact 64-bit match for a duplicate (ids sharing one half are distinct)', () => {
    const ids = new RecentFingerprints(MIN, 100, 1000);
    expect(ids.seenFingerprint(7, 1, 0)).toBe(false);
    expect(ids.seenFingerprint(7, 2, 0)).toBe(false);
    expect(ids.seenFingerprint(8, 1, 0)).toBe(false);
    expect(ids.seenFingerprint(7, 1, 10)).toBe(true);
  });

  it('has no false positive over a million distinct ids', () => {
    const ids = new RecentFingerprints(15 * MIN, 2_000_000, MIN);
    let dupes = 0;
    for (let i = 0; i < 1_000_000; i++) if (ids.seen(`e-${i}-${(i * 2654435761) >>> 0}`, 1_000 * MIN)) dupes++;
    expect(dupes).toBe(0);
    expect(ids.size).toBe(1_000_000);
  });

  it('forgets everything on clear', () => {
    const ids = new RecentFingerprints(MIN, 100);
    ids.seen('a', 0);
    ids.clear();
    expect(ids.size).toBe(0);
    expect(ids.seen('a', 0)).toBe(false);
  });

  it('refuses a window or cap that is not a positive integer', () => {
    expect(() => new RecentFingerprints(0, 10)).toThrow(/windowMs/);
    expect(() => new RecentFingerprints(10, 0)).toThrow(/maxIds/);
  });
});
