import { clock } from '@hitboard/runtime/clock';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CHANNEL_ALL, STORED_CHANNELS, TOP_N_STORED, isStoredChannel, type ChannelFilter, type Metric } from '@hitboard/schema';
import type { IntervalRegistry } from '@hitboard/time';

/**
 * Every parameter the API and the page accept, validated against the interval registry. Each
 * failure names the parameter and says why; anything not listed is refused, so a typo is a 400,
 * not a silently ignored filter.
 */
export class ParamError extends Error {
  constructor(
    readonly param: string,
    reason: string,
  ) {
    super(`${param}: ${reason}`);
    this.name = 'ParamError';
  }
}

/** Intervals the dashboard offers: every registered one except the base (raw minute buckets are never served). */
export function servedIntervals(registry: IntervalRegistry): string[] {
  return registry
    .all()
    .filter((s) => s.rolledUpFrom !== null)
    .map((s) => s.name);
}

const isoInstant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant such as 2026-11-29T14:00:00Z' });
/** Product ids and categories are plain text; quotes, semicolons and control characters never are. */
const PRODUCT_ID = /^[\p{L}\p{N}._:/-]{1,64}$/u;
const CATEGORY = /^[\p{L}\p{N} &,.'’()/+_-]{0,64}$/u;
const DIGITS = /^\d{1,7}$/;

export type RawParams = URLSearchParams | Record<string, string | string[] | undefined>;

function single(raw: RawParams, name: string): string | undefined {
  if (raw instanceof URLSearchParams) {
    const all = raw.getAll(name);
    if (all.length > 1) throw new ParamError(name, 'given more than once');
    return all[0];
  }
  const value = raw[name];
  if (Array.isArray(value)) {
    if (value.length > 1) throw new ParamError(name, 'given more than once');
    return value[0];
  }
  return value;
}

function keys(raw: RawParams): string[] {
  return raw instanceof URLSearchParams ? [...new Set(raw.keys())] : Object.keys(raw).filter((k) => raw[k] !== undefined);
}

function refuseUnknown(raw: RawParams, allowed: readonly string[]): void {
  const unknown = keys(raw).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new ParamError(unknown[0]!.slice(0, 40), `unknown parameter; accepted: ${allowed.join(', ')}`);
}

/** Parses one parameter with its zod schema; the first issue becomes a ParamError naming the parameter. */
function field<T>(name: string, schema: z.ZodType<T>, value: string | undefined): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ParamError(name, parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}

const absent = (v: unknown) => v === undefined || v === '';

/** One of the registry's intervals (those `allowed`); the message lists them. */
function intervalSchema(allowed: readonly string[]) {
  return z.string({ error: `required; one of ${allowed.join(', ')}` }).refine((v) => allowed.includes(v), {
    error: (issue) => `unknown interval ${JSON.stringify(String(issue.input).slice(0, 40))}; one of ${allowed.join(', ')}`,
  });
}

function interval(registry: IntervalRegistry, value: string | undefined, allowed = servedIntervals(registry)): string {
  return field('interval', intervalSchema(allowed), value === '' ? undefined : value);
}

const instantSchema = isoInstant.transform((v) => new Date(v)).refine((d) => !Number.isNaN(d.getTime()), 'not a valid instant');

function instant(name: string, value: string): Date {
  return field(name, instantSchema, value);
}

/** An instant that starts a window of the interval in the registry's zone. */
function windowStart(registry: IntervalRegistry, name: string, intervalName: string, value: string): Date {
  const schema = instantSchema.superRefine((date, ctx) => {
    const window = registry.windowAt(intervalName, date);
    if (window.start.getTime() !== date.getTime()) {
      ctx.addIssue({
        code: 'custom',
        message: `not the start of a ${intervalName} window in ${registry.timeZone} (that window starts ${window.start.toISOString()})`,
      });
    }
  });
  return field(name, schema, value);
}

function int(name: string, value: string | undefined, min: number, max: number, fallback: number): number {
  const schema = z
    .string()
    .regex(DIGITS, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().refine((n) => n >= min && n <= max, { error: (issue) => `must be from ${min} to ${max} (got ${String(issue.input)})` }));
  return absent(value) ? fallback : field(name, schema, value);
}

const metricSchema = z.enum(['units', 'revenue'], { error: 'must be units or revenue' });

function metric(value: string | undefined): Metric {
  return absent(value) ? 'units' : field('metric', metricSchema, value);
}

const productIdSchema = z.string().regex(PRODUCT_ID, 'may hold letters, digits and . _ : / - only, up to 64');

const categorySchema = z.string().regex(CATEGORY, "may hold letters, digits, spaces and & , . ' ( ) / + _ - only, up to 64");

function category(value: string | undefined): string | null {
  return absent(value) ? null : field('category', categorySchema, value);
}

/** What `channel=` accepts: every channel together (the default), or one stored channel. */
export const ACCEPTED_CHANNELS: readonly ChannelFilter[] = [CHANNEL_ALL, ...STORED_CHANNELS];

function channel(value: string | undefined): ChannelFilter {
  if (absent(value) || value === CHANNEL_ALL) return CHANNEL_ALL;
  if (isStoredChannel(value!)) return value;
  throw new ParamError('channel', `unknown channel ${JSON.stringify(value!.slice(0, 40))}; one of ${ACCEPTED_CHANNELS.join(', ')}`);
}

/**
 * A category within one channel is refused rather than guessed: a channel's stored list is ranked
 * within the channel only (its rows carry no category ranks), so a category's list cut from it would
 * miss every product of the category outside the channel's top 1000 and still look complete.
 */
function assertChannelWithoutCategory(ch: ChannelFilter, cat: string | null): void {
  if (ch !== CHANNEL_ALL && cat !== null) {
    throw new ParamError('channel', `cannot be combined with category (channel lists are ranked within the channel, not per category); drop one of them`);
  }
}

export interface TopQuery {
  interval: string;
  /** The window asked for; null = the window holding "now" in the reporting zone. */
  windowStart: Date | null;
  metric: Metric;
  k: number;
  category: string | null;
  /** Every channel together ('all'), or one stored channel, ranked within it. */
  channel: ChannelFilter;
}

export const TOP_PARAMS = ['interval', 'window', 'metric', 'k', 'category', 'channel'] as const;

export function parseTopQuery(registry: IntervalRegistry, raw: RawParams, defaults: { k?: number } = {}): TopQuery {
  refuseUnknown(raw, TOP_PARAMS);
  const name = interval(registry, single(raw, 'interval'));
  const win = single(raw, 'window');
  const query: TopQuery = {
    interval: name,
    windowStart: win === undefined || win === '' ? null : windowStart(registry, 'window', name, win),
    metric: metric(single(raw, 'metric')),
    k: int('k', single(raw, 'k'), 1, TOP_N_STORED, defaults.k ?? 10),
    category: category(single(raw, 'category')),
    channel: channel(single(raw, 'channel')),
  };
  assertChannelWithoutCategory(query.channel, query.category);
  return query;
}

export interface WindowsQuery {
  interval: string;
  limit: number;
}

export function parseWindowsQuery(registry: IntervalRegistry, raw: RawParams): WindowsQuery {
  refuseUnknown(raw, ['interval', 'limit']);
  return { interval: interval(registry, single(raw, 'interval')), limit: int('limit', single(raw, 'limit'), 1, 1000, 48) };
}

export const TREND_INTERVALS = ['hour', 'day'] as const;
/** Most windows one trend request may span. */
export const MAX_TREND_WINDOWS = 1000;
const TREND_DEFAULT_WINDOWS: Record<string, number> = { hour: 48, day: 30 };

export interface TrendQuery {
  productId: string;
  interval: string;
  metric: Metric;
  from: Date;
  to: Date;
  movingAverageWindows: number;
  /** The product's figures in this channel ('all' = every channel together). */
  channel: ChannelFilter;
}

export function parseTrendQuery(registry: IntervalRegistry, raw: RawParams, now: Date = clock.date()): TrendQuery {
  refuseUnknown(raw, ['productId', 'interval', 'metric', 'from', 'to', 'ma', 'channel']);
  const productId = single(raw, 'productId');
  if (productId === undefined || productId === '') throw new ParamError('productId', 'required');
  field('productId', productIdSchema, productId);
  const name = interval(registry, single(raw, 'interval') || 'hour', TREND_INTERVALS.filter((i) => registry.has(i)));
  const toRaw = single(raw, 'to');
  const fromRaw = single(raw, 'from');
  const to = toRaw ? instant('to', toRaw) : registry.next(registry.windowAt(name, now)).start;
  const start = fromRaw ? instant('from', fromRaw) : defaultFrom(registry, name, to);
  if (start.getTime() >= to.getTime()) throw new ParamError('from', 'must be before to');
  assertTrendSpan(registry, name, start, to);
  return {
    productId,
    interval: name,
    metric: metric(single(raw, 'metric')),
    from: start,
    to,
    movingAverageWindows: int('ma', single(raw, 'ma'), 1, 100, name === 'hour' ? 6 : 7),
    channel: channel(single(raw, 'channel')),
  };
}

/**
 * The longest any one window of a trend interval can be, ms, with room to spare: DST makes hours
 * and days longer than nominal, and a zone that once turned its clock back a whole day has a
 * 48-hour day.
 */
const LONGEST_TREND_WINDOW_MS: Record<(typeof TREND_INTERVALS)[number], number> = { hour: 3 * 3_600_000, day: 3 * 86_400_000 };

/**
 * Refuses a range of more than MAX_TREND_WINDOWS windows without listing them: listing first let
 * `from=0001-01-01&to=9999-12-31` run for hours of synchronous CPU and stall every route. A range
 * longer than the cap's worth of the longest windows is refused by arithmetic alone; anything
 * shorter is walked window by window, stopping at the cap, so the count is exact in every zone and
 * never costs more than MAX_TREND_WINDOWS steps.
 */
function assertTrendSpan(registry: IntervalRegistry, name: string, from: Date, to: Date): void {
  const tooMany = () => new ParamError('from', `spans more than ${MAX_TREND_WINDOWS} ${name} windows; at most ${MAX_TREND_WINDOWS}`);
  const longestMs = LONGEST_TREND_WINDOW_MS[name as (typeof TREND_INTERVALS)[number]];
  if (to.getTime() - from.getTime() > MAX_TREND_WINDOWS * longestMs) throw tooMany();
  let window = registry.windowAt(name, from);
  for (let count = 1; window.end.getTime() < to.getTime(); count++) {
    if (count >= MAX_TREND_WINDOWS) throw tooMany();
    window = registry.next(window);
  }
}

function defaultFrom(registry: IntervalRegistry, name: string, to: Date): Date {
  let w = registry.windowAt(name, to.getTime() - 1);
  for (let i = 1; i < (TREND_DEFAULT_WINDOWS[name] ?? 48); i++) w = registry.previous(w);
  return w.start;
}

export interface PageQuery extends TopQuery {
  /** The product whose trend is shown; null = the window's number one. */
  product: string | null;
  /** A range picked instead of a window (`from` and `to`), as in the URL; null without one. */
  range: { fromParam: string; toParam: string } | null;
}

/**
 * The page's URL state: the top list's parameters (k fixed at 10), `product` for the trend chart,
 * and `at` — a local date-time (YYYY-MM-DDTHH:mm, reporting zone) from the date control, turned
 * into the window that holds it.
 */
export function parsePageQuery(registry: IntervalRegistry, raw: Record<string, string | string[] | undefined>): PageQuery {
  const { product, at, from, to, ...rest } = raw;
  refuseUnknown(rest, TOP_PARAMS);
  const fromParam = single({ from }, 'from');
  const toParam = single({ to }, 'to');
  const range = absent(fromParam) && absent(toParam) ? null : { fromParam: fromParam ?? '', toParam: toParam ?? '' };
  const withDefault = { ...rest, interval: rest.interval ?? servedIntervals(registry)[0] };
  const query = parseTopQuery(registry, withDefault);
  const productId = single({ product }, 'product');
  if (!absent(productId)) field('product', productIdSchema, productId);
  const atValue = single({ at }, 'at');
  let windowStart = query.windowStart;
  if (atValue !== undefined && atValue !== '') {
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/.test(atValue)) throw new ParamError('at', 'must be a local date YYYY-MM-DD or date-time YYYY-MM-DDTHH:mm');
    const local = DateTime.fromISO(atValue, { zone: registry.timeZone });
    if (!local.isValid) throw new ParamError('at', `not a valid date in ${registry.timeZone}`);
    windowStart = registry.windowAt(query.interval, local.toMillis()).start;
  }
  return { ...query, windowStart, k: 10, product: productId === undefined || productId === '' ? null : productId, range };
}

/** Intervals a mover's rates are given per (a rate, so only fixed-length ones). */
export const MOVER_INTERVALS = ['hour', 'day'] as const;

export interface MoversQuery {
  /** Rates are units per this interval. */
  interval: string;
  k: number;
  direction: 'up' | 'down';
  category: string | null;
}

const directionSchema = z.enum(['up', 'down'], { error: 'must be up or down' });

export function parseMoversQuery(registry: IntervalRegistry, raw: RawParams): MoversQuery {
  refuseUnknown(raw, ['interval', 'k', 'direction', 'category']);
  const direction = single(raw, 'direction');
  return {
    interval: interval(registry, single(raw, 'interval') || 'hour', MOVER_INTERVALS.filter((i) => registry.has(i))),
    k: int('k', single(raw, 'k'), 1, 100, 20),
    direction: absent(direction) ? 'up' : field('direction', directionSchema, direction),
    category: category(single(raw, 'category')),
  };
}

export interface RangeQuery {
  /** [from, to): both start hours in the reporting zone. */
  from: Date;
  to: Date;
  metric: Metric;
  k: number;
  category: string | null;
  /** Every channel together ('all'), or one stored channel, ranked within it. */
  channel: ChannelFilter;
}

export const RANGE_PARAMS = ['from', 'to', 'metric', 'k', 'category', 'channel'] as const;

/** Whether a top request asks for a range (`from`/`to`) rather than one window (`interval`/`window`). */
export function isRangeRequest(raw: RawParams): boolean {
  return keys(raw).some((k) => k === 'from' || k === 'to');
}

/** An instant that starts an hour in the reporting zone (in Asia/Kolkata: :30 UTC). */
function hourStart(registry: IntervalRegistry, name: string, value: string | undefined): Date {
  if (absent(value)) throw new ParamError(name, 'required with a range (from and to, ISO 8601 instants that start an hour)');
  return windowStart(registry, name, 'hour', value!);
}

/**
 * A range [from, to) for the top list: both ends start an hour in the reporting zone, from before to,
 * at most `maxRangeDays` days long. `interval`/`window` may not be mixed in (a 400 naming them).
 */
export function parseRangeQuery(registry: IntervalRegistry, raw: RawParams, options: { maxRangeDays: number; k?: number }): RangeQuery {
  refuseUnknown(raw, RANGE_PARAMS);
  const from = hourStart(registry, 'from', single(raw, 'from'));
  const to = hourStart(registry, 'to', single(raw, 'to'));
  if (from.getTime() >= to.getTime()) throw new ParamError('from', `must be before to (${to.toISOString()})`);
  if (to.getTime() - from.getTime() > options.maxRangeDays * 86_400_000) {
    throw new ParamError('to', `the range is longer than ${options.maxRangeDays} days (DASHBOARD_MAX_RANGE_DAYS)`);
  }
  const query: RangeQuery = {
    from,
    to,
    metric: metric(single(raw, 'metric')),
    k: int('k', single(raw, 'k'), 1, TOP_N_STORED, options.k ?? 10),
    category: category(single(raw, 'category')),
    channel: channel(single(raw, 'channel')),
  };
  // One rule for a window and a range: the same link must not be refused for one and answered for the other.
  assertChannelWithoutCategory(query.channel, query.category);
  return query;
}

/**
 * The page's range (`from`/`to` as typed in the range picker, local to the reporting zone, or ISO
 * instants): validated like the API's, with the page's metric, category and channel; k is 10.
 */
export function parsePageRange(registry: IntervalRegistry, query: PageQuery, maxRangeDays: number): RangeQuery | null {
  if (query.range === null) return null;
  const raw: Record<string, string> = {
    from: rangeEndFromPicker(registry, query.range.fromParam),
    to: rangeEndFromPicker(registry, query.range.toParam),
    metric: query.metric,
  };
  if (query.category !== null) raw.category = query.category;
  raw.channel = query.channel;
  return parseRangeQuery(registry, raw, { maxRangeDays, k: 10 });
}

/** A local date-time YYYY-MM-DDTHH:mm (the range picker's, reporting zone) or an ISO instant, as an ISO instant (UTC); other text is kept for the parser to refuse. */
export function rangeEndFromPicker(registry: IntervalRegistry, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return value;
  const local = DateTime.fromISO(value, { zone: registry.timeZone });
  return local.isValid ? new Date(local.toMillis()).toISOString() : value;
}
