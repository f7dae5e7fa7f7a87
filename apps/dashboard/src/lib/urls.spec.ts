import { csvHref, liveApiHref, pageHref, rangeCsvHref, type PageState } from './urls';

const state: PageState = { interval: 'hour', window: null, metric: 'units', category: null, channel: 'web', product: null, from: '2026-11-01T00:00', to: '2026-11-02T00:00' };

describe('links carry the channel', () => {
  it('keeps one channel in every page and API link, with the range', () => {
    expect(pageHref(state, { metric: 'revenue' })).toBe('/?interval=hour&metric=revenue&channel=web&from=2026-11-01T00%3A00&to=2026-11-02T00%3A00');
    expect(csvHref(state, '2026-11-28T10:00:00.000Z')).toContain('&channel=web');
    expect(liveApiHref(state, null)).toContain('&channel=web');
    expect(rangeCsvHref(state, '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z')).toContain('&channel=web');
  });

  it("leaves 'all' out, so every-channel links are what they were before channels", () => {
    const all = { ...state, channel: 'all' as const, from: null, to: null };
    expect(pageHref(all)).toBe('/?interval=hour');
    expect(csvHref(all, '2026-11-28T10:00:00.000Z')).toBe('/api/top.csv?interval=hour&window=2026-11-28T10%3A00%3A00.000Z&metric=units');
    expect(liveApiHref(all, null)).toBe('/api/live?interval=hour&metric=units&k=10');
  });
});
