import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('shares one load between concurrent callers and keeps the value for its own lifetime', async () => {
    let now = 0;
    const cache = new TtlCache<number>(10, () => now);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get('k', load, () => 1000), cache.get('k', load, () => 1000)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    now = 999;
    expect(await cache.get('k', load, () => 1000)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load, () => 1000)).toBe(2);
  });

  it('does not keep failures, nor values whose lifetime is 0, and drops the oldest past its bound', async () => {
    const cache = new TtlCache<number>(1);
    await expect(cache.get('k', () => Promise.reject(new Error('db down')), () => 1000)).rejects.toThrow('db down');
    expect(await cache.get('k', async () => 7, () => 0)).toBe(7);
    expect(await cache.get('k', async () => 8, () => 1000)).toBe(8);
    await cache.get('other', async () => 1, () => 1000);
    expect(await cache.get('k', async () => 9, () => 1000)).toBe(9);
  });
});
