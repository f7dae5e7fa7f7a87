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

describe('TtlCache.deleteWhere', () => {
  it('drops matching entries, and a load in flight when its key was dropped is not kept nor joined', async () => {
    const cache = new TtlCache<string>(10);
    expect(await cache.get('a', async () => 'a1', () => 60_000)).toBe('a1');
    expect(await cache.get('b', async () => 'b1', () => 60_000)).toBe('b1');
    expect(cache.deleteWhere((k) => k === 'a')).toBe(1);
    expect(await cache.get('a', async () => 'a2', () => 60_000)).toBe('a2');
    expect(await cache.get('b', async () => 'b2', () => 60_000)).toBe('b1');

    // A load that started before a change (it may have read the old rows) settles after the change was announced.
    let finishOld!: (v: string) => void;
    const old = cache.get('c', () => new Promise<string>((r) => (finishOld = r)), () => 60_000);
    cache.deleteWhere((k) => k === 'c');
    const fresh = cache.get('c', async () => 'c-new', () => 60_000); // not joined to the old load
    finishOld('c-old');
    expect(await old).toBe('c-old');
    expect(await fresh).toBe('c-new');
    expect(await cache.get('c', async () => 'c-again', () => 60_000)).toBe('c-new');
    expect([cache.hits, cache.misses]).toEqual([2, 5]);
  });
});
