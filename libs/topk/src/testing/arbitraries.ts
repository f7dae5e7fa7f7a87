import fc from 'fast-check';

/** One update of a two-metric stream. */
export interface Update {
  key: string;
  units: number;
  revenueCents: number;
}

/**
 * Keys from a small pool (so streams repeat keys and collide in small sketches), mixing ASCII
 * product ids with unicode ones (accents, CJK, emoji, combining marks).
 */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((i) => `p${i}`),
  fc.constantFrom('café', 'cafe\u0301', '商品-7', '🍕', '👩‍👩‍👧', 'Ωmega', ''),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

export const updateArb: fc.Arbitrary<Update> = fc.record({
  key: keyArb,
  units: fc.integer({ min: 0, max: 50 }),
  revenueCents: fc.integer({ min: 0, max: 1_000_000 }),
});

export const streamArb = (maxLength = 60): fc.Arbitrary<Update[]> => fc.array(updateArb, { maxLength });
