import fc from 'fast-check';
import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('flags a repeat within the window and forgets ids that fall out of it', () => {
    const ids = new RecentIds(10);
    expect(ids.seen('a', 0)).toBe(false);
    expect(ids.seen('a', 5)).toBe(true);
    expect(ids.seen('b', 6)).toBe(false);
    // 'a' was last seen at 5: still in [16 - 10, 16) = [6, 16)? no → forgotten.
    expect(ids.seen('a', 16)).toBe(false);
    // 'b' was seen at 6, inside [16 - 10, 17): a duplicate.
    expect(ids.seen('b', 17)).toBe(false);
    expect(ids.seen('b', 18)).toBe(true);
  });

  it('is a pure function of (id, offset) history: same answers as a brute-force scan', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 5 })), { maxLength: 200 }), (window, steps) => {
        const ids = new RecentIds(window);
        const history: Array<[string, number]> = [];
        let offset = 0;
        for (const [id, gap] of steps) {
          offset += gap;
          const expected = history.some(([h, o]) => h === id && o >= offset - window && o < offset);
          expect(ids.seen(id, offset)).toBe(expected);
          history.push([id, offset]);
        }
        expect(ids.size).toBeLessThanOrEqual(window + Math.ceil(window / 2) + 1);
      }),
    );
  });

  it('stays bounded over a long stream', () => {
    const ids = new RecentIds(1000);
    for (let i = 0; i < 100_000; i++) ids.seen(`e-${i}`, i);
    expect(ids.size).toBeLessThanOrEqual(1501);
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(/positive integer/);
  });
});
