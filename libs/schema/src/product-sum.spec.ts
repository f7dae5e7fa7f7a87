import { decodeProductSum, encodeProductSum, flushIdOf, productSumCellKey, type ProductSum } from './product-sum';

const sum: ProductSum = {
  flushId: flushIdOf(0, '0', '9'),
  sourcePartition: 0,
  firstOffset: '0',
  lastOffset: '9',
  minuteStartMs: Date.parse('2026-11-22T07:42:00Z'),
  productId: 'p-1',
  channel: 'app',
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

  it('decodes a record published before channels (no channel field) as channel unknown', () => {
    const { channel: _dropped, ...older } = sum;
    expect(decodeProductSum(JSON.stringify(older))).toEqual({ ...sum, channel: 'unknown' });
  });

  it('refuses a channel that is not a stored one', () => {
    expect(() => decodeProductSum(JSON.stringify({ ...sum, channel: 'fax' }))).toThrow(/channel/);
    expect(() => decodeProductSum(JSON.stringify({ ...sum, channel: 'all' }))).toThrow(/channel/);
  });
});

describe('productSumCellKey', () => {
  it('tells two channels of one (minute, product) apart', () => {
    expect(productSumCellKey(sum)).not.toBe(productSumCellKey({ ...sum, channel: 'web' }));
  });
});
