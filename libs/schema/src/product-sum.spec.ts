import { decodeProductSum, encodeProductSum, flushIdOf, type ProductSum } from './product-sum';

const sum: ProductSum = {
  flushId: flushIdOf(0, '0', '9'),
  sourcePartition: 0,
  firstOffset: '0',
  lastOffset: '9',
  minuteStartMs: Date.parse('2026-11-22T07:42:00Z'),
  productId: 'p-1',
  units: 3,
  revenueCents: 300,
  orders: 1,
};

describe('decodeProductSum', () => {
  it('round-trips a record', () => {
    expect(decodeProductSum(encodeProductSum(sum))).toEqual(sum);
  });

  it('refuses a product id Postgres text cannot store (NUL), so the speed pipeline skips it with a reason', () => {
    expect(() => decodeProductSum(encodeProductSum({ ...sum, productId: 'p\u0000' }))).toThrow(/control characters/);
  });

  it('puts an older record’s product id in NFC', () => {
    expect(decodeProductSum(encodeProductSum({ ...sum, productId: 'cafe\u0301' })).productId).toBe('caf\u00e9');
  });
});
