import fc from 'fast-check';
import { CandidateHeap } from './CandidateHeap';

describe('CandidateHeap', () => {
  it('keeps the best `capacity` keys of distinct offers, with the weakest at the root', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (scores, capacity) => {
        const heap = new CandidateHeap(capacity);
        scores.forEach((s) => heap.offer(`k${s}`, s));
        const best = [...scores].sort((a, b) => b - a).slice(0, capacity);
        expect(new Set(heap.keys())).toEqual(new Set(best.map((s) => `k${s}`)));
        if (best.length > 0) expect(heap.minScore).toBe(Math.min(...best));
      }),
    );
  });

  it('updates a present key in place instead of adding it twice', () => {
    const heap = new CandidateHeap(2);
    heap.offer('a', 1);
    heap.offer('b', 2);
    heap.offer('a', 5);
    expect(heap.size).toBe(2);
    expect(heap.minKey).toBe('b');
    expect(heap.offer('c', 2)).toBe(false); // must be strictly greater than the weakest
    expect(heap.offer('c', 3)).toBe(true);
    expect(new Set(heap.keys())).toEqual(new Set(['a', 'c']));
  });

  it('updateIfPresent updates candidates only', () => {
    const heap = new CandidateHeap(2);
    heap.offer('a', 1);
    heap.offer('b', 2);
    expect(heap.updateIfPresent('a', 9)).toBe(true);
    expect(heap.minKey).toBe('b');
    expect(heap.updateIfPresent('z', 9)).toBe(false);
    expect(heap.has('z')).toBe(false);
  });

  it('restores order when the root is re-scored', () => {
    const heap = new CandidateHeap(3);
    heap.offer('a', 1);
    heap.offer('b', 2);
    heap.offer('c', 3);
    heap.updateMin(10);
    expect(heap.minKey).toBe('b');
    expect(heap.minScore).toBe(2);
  });

  it('reports -Infinity as the weakest score when empty', () => {
    expect(new CandidateHeap(1).minScore).toBe(-Infinity);
  });
});
