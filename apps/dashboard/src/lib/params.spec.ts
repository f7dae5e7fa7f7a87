import { IntervalRegistry, STANDARD_INTERVALS } from '@hitboard/time';
import { MAX_TREND_WINDOWS, ParamError, parsePageQuery, parseTopQuery, parseTrendQuery, servedIntervals } from './params';

const utc = IntervalRegistry.standard('UTC');
const kolkata = IntervalRegistry.standard('Asia/Kolkata');

const fails = (fn: () => unknown, param: string, message: RegExp) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ParamError);
    expect((error as ParamError).param).toBe(param);
    expect((error as ParamError).message).toMatch(message);
    return;
  }
  throw new Error('expected a ParamError');
};

describe('servedIntervals', () => {
  it('is every registered interval but the base, so a new entry appears by itself', () => {
    expect(servedIntervals(utc)).toEqual(['hour', 'day', 'week', 'month', 'year']);
    const quarter = { ...STANDARD_INTERVALS.find((s) => s.name === 'month')!, name: 'quarter', rolledUpFrom: 'month' };
    expect(servedIntervals(utc.with(quarter))).toContain('quarter');
  });
});

describe('parseTopQuery', () => {
  it('applies defaults and accepts window starts in the reporting zone', () => {
    expect(parseTopQuery(utc, new URLSearchParams('interval=hour'))).toEqual({ interval: 'hour', windowStart: null, metric: 'units', k: 10, category: null, channel: 'all' });
    // In Asia/Kolkata an hour starts at :30 UTC.
    expect(parseTopQuery(kolkata, new URLSearchParams('interval=hour&window=2026-11-28T09:30:00Z')).windowStart).toEqual(new Date('2026-11-28T09:30:00Z'));
    fails(() => parseTopQuery(kolkata, new URLSearchParams('interval=hour&window=2026-11-28T09:00:00Z')), 'window', /starts 2026-11-28T08:30:00.000Z/);
    expect(parseTopQuery(utc, new URLSearchParams({ interval: 'day', metric: 'revenue', k: '1000', category: 'Books & Music' })).k).toBe(1000);
  });

  it('refuses what it does not know', () => {
    fails(() => parseTopQuery(utc, new URLSearchParams('interval=hour&k=1e3')), 'k', /whole number/);
    fails(() => parseTopQuery(utc, new URLSearchParams("interval=hour&category=a';--")), 'category', /letters, digits/);
    fails(() => parseTopQuery(utc, new URLSearchParams('interval=hour&sort=x')), 'sort', /unknown parameter/);
  });

  it('takes a stored channel or all, and refuses any other, and a channel with a category', () => {
    expect(parseTopQuery(utc, new URLSearchParams('interval=hour&channel=marketplace')).channel).toBe('marketplace');
    expect(parseTopQuery(utc, new URLSearchParams('interval=hour&channel=all')).channel).toBe('all');
    expect(parseTopQuery(utc, new URLSearchParams('interval=hour&channel=')).channel).toBe('all');
    fails(() => parseTopQuery(utc, new URLSearchParams('interval=hour&channel=email')), 'channel', /one of all, web, app, store, marketplace, unknown/);
    fails(() => parseTopQuery(utc, new URLSearchParams('interval=hour&channel=web&channel=app')), 'channel', /more than once/);
    fails(() => parseTopQuery(utc, new URLSearchParams('interval=hour&channel=web&category=Toys')), 'channel', /category/);
  });
});

describe('parsePageQuery', () => {
  it('turns the date control into the window holding it, in the reporting zone', () => {
    expect(parsePageQuery(utc, {}).interval).toBe('hour');
    expect(parsePageQuery(kolkata, { interval: 'day', at: '2026-11-28T03:15' }).windowStart).toEqual(new Date('2026-11-27T18:30:00Z'));
    expect(parsePageQuery(utc, { interval: 'week', at: '2026-11-28' }).windowStart).toEqual(new Date('2026-11-23T00:00:00Z'));
    fails(() => parsePageQuery(utc, { at: '28/11/2026' }), 'at', /YYYY-MM-DD/);
    fails(() => parsePageQuery(utc, { product: "P1' OR 1=1" }), 'product', /letters, digits/);
  });
});

describe('parseTrendQuery', () => {
  it('defaults to the last 48 hours up to the end of the current one', () => {
    const q = parseTrendQuery(utc, new URLSearchParams('productId=P01'), new Date('2026-11-28T10:20:00Z'));
    expect(q.to).toEqual(new Date('2026-11-28T11:00:00Z'));
    expect(q.from).toEqual(new Date('2026-11-26T11:00:00Z'));
    expect(q.movingAverageWindows).toBe(6);
  });

  it('refuses a range beyond the window cap without listing its windows, however long the range', () => {
    // A registry that counts the windows it is asked for, and gives up past the cap instead of
    // running for hours (the old parse listed every hour from year 1 to 9999).
    const counting = (zone: string) => {
      const registry = IntervalRegistry.standard(zone);
      const asked = { windows: 0 };
      const count = <T>(w: T): T => {
        if (++asked.windows > MAX_TREND_WINDOWS + 1) throw new Error(`asked for more than ${MAX_TREND_WINDOWS + 1} windows`);
        return w;
      };
      // next() and previous() go through windowAt too.
      const { windowAt } = registry;
      registry.windowAt = (...args) => count(windowAt.apply(registry, args));
      registry.windowsBetween = () => {
        throw new Error('listed every window of the range');
      };
      return { registry, asked };
    };
    for (const zone of ['UTC', 'Asia/Kolkata']) {
      const extreme = counting(zone);
      fails(() => parseTrendQuery(extreme.registry, { productId: 'P01', from: '0001-01-01T00:00:00Z', to: '9999-12-31T00:00:00Z' }), 'from', /at most 1000/);
      expect(extreme.asked.windows).toBeLessThanOrEqual(MAX_TREND_WINDOWS + 1);
      // Just past the cap, where only the walk can tell: 1,001 hours.
      const past = counting(zone);
      fails(() => parseTrendQuery(past.registry, { productId: 'P01', from: '2026-01-01T00:00:00Z', to: '2026-02-11T17:00:00Z' }), 'from', /more than 1000 hour windows/);
      expect(past.asked.windows).toBeLessThanOrEqual(MAX_TREND_WINDOWS + 1);
    }
    // Exactly the cap is served (1,000 hours in UTC; in Kolkata the same range touches 1,001 hours).
    expect(parseTrendQuery(utc, { productId: 'P01', from: '2026-01-01T00:00:00Z', to: '2026-02-11T16:00:00Z' }).to).toEqual(new Date('2026-02-11T16:00:00Z'));
    fails(() => parseTrendQuery(kolkata, { productId: 'P01', from: '2026-01-01T00:00:00Z', to: '2026-02-11T16:00:00Z' }), 'from', /at most 1000/);
    expect(parseTrendQuery(utc, { productId: 'P01', interval: 'day', from: '2024-01-01T00:00:00Z', to: '2026-09-27T00:00:00Z' }).interval).toBe('day');
  });
});
