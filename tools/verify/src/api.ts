import { z } from 'zod';
import { ACCESS_TOKEN_ENV, bearerHeaders } from '@hitboard/access';
import { CHANNEL_ALL, type ChannelFilter } from '@hitboard/schema';

/** The dashboard's JSON API, as verify reads it (every response validated: a changed contract fails loudly). */
const amount = z.string().regex(/^-?\d+$/).transform((s) => BigInt(s));

const intervalsSchema = z.object({ intervals: z.array(z.object({ name: z.string(), rolledUpFrom: z.string().nullable() })), timeZone: z.string() });
const windowsSchema = z.object({
  interval: z.string(),
  windows: z.array(z.object({ windowStart: z.string(), windowEnd: z.string(), source: z.string() })),
});
const rowSchema = z.object({
  rank: z.number().int(),
  productId: z.string(),
  name: z.string().nullable().optional(),
  category: z.string().nullable().optional(),
  units: amount,
  revenue: amount,
  errorBound: amount,
  share: z.unknown().optional(),
  movement: z.unknown().optional(),
});
const totalsSchema = z.object({ units: amount, revenue: amount, orders: amount.nullable(), products: amount.nullable() });
const topSchema = z.object({
  interval: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  metric: z.enum(['units', 'revenue']),
  category: z.string().nullable().optional(),
  // The channel answered (issue 27); a dashboard that echoes none is taken at its word for the one asked.
  channel: z.string().optional(),
  source: z.enum(['batch', 'speed', 'none']),
  exact: z.boolean(),
  asOf: z.string().nullable().optional(),
  // The speed layer knows its windows' units and revenue exactly, but not their orders or distinct products (null).
  totals: totalsSchema.nullable(),
  rows: z.array(rowSchema),
});
const hourSpan = z.object({ from: z.string(), to: z.string() });
/** A range [from, to): exact from built windows, estimated (speed layer) for the hours not built yet (apps/dashboard lib/types RangeResult). */
const rangeSchema = z.object({
  from: z.string(),
  to: z.string(),
  metric: z.enum(['units', 'revenue']),
  category: z.string().nullable().optional(),
  channel: z.string().optional(),
  source: z.enum(['batch', 'mixed', 'speed', 'none']),
  exact: z.boolean(),
  rebuilding: z.boolean().default(false),
  asOf: z.string().nullable().optional(),
  hours: z.object({ exact: z.array(hourSpan), estimate: z.array(hourSpan), missing: z.array(hourSpan) }),
  estimateBound: z.object({ units: amount, revenue: amount }).nullable().optional(),
  totals: totalsSchema.nullable(),
  rows: z.array(rowSchema),
});

export type Intervals = z.output<typeof intervalsSchema>;
export type ServedWindows = z.output<typeof windowsSchema>;
export type ServedTop = z.output<typeof topSchema>;
export type ServedRow = z.output<typeof rowSchema>;
export type ServedRange = z.output<typeof rangeSchema>;
export type Metric = ServedTop['metric'];

// Overall asks send no channel: the same request as before issue 27, which any dashboard answers.
const channelParam = (channel: ChannelFilter): string => (channel === CHANNEL_ALL ? '' : `&channel=${encodeURIComponent(channel)}`);

export class ApiError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${url}: ${message}`);
    this.name = 'ApiError';
  }
}

export class DashboardApi {
  /** `token`: an API token of the dashboard, sent as `Authorization: Bearer` (default: $HITBOARD_TOKEN). */
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined = process.env[ACCESS_TOKEN_ENV],
  ) {}

  intervals(): Promise<Intervals> {
    return this.get('/api/intervals', intervalsSchema);
  }

  windows(interval: string, limit: number): Promise<ServedWindows> {
    return this.get(`/api/windows?interval=${encodeURIComponent(interval)}&limit=${limit}`, windowsSchema);
  }

  /** One window's top `k`, overall (`all`, the default: no channel parameter is sent) or of one channel. */
  top(interval: string, windowStart: Date, metric: Metric, k: number, channel: ChannelFilter = CHANNEL_ALL): Promise<ServedTop> {
    return this.get(`/api/top?interval=${encodeURIComponent(interval)}&window=${encodeURIComponent(windowStart.toISOString())}&metric=${metric}&k=${k}${channelParam(channel)}`, topSchema);
  }

  /** The top `k` of the hour-aligned range [from, to) (reporting zone), overall or of one channel. */
  range(from: Date, to: Date, metric: Metric, k: number, channel: ChannelFilter = CHANNEL_ALL): Promise<ServedRange> {
    return this.get(`/api/top?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&metric=${metric}&k=${k}${channelParam(channel)}`, rangeSchema);
  }

  private async get<T extends z.ZodType>(path: string, schema: T): Promise<z.output<T>> {
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}`;
    const response = await fetch(url, { headers: { accept: 'application/json', ...bearerHeaders(this.token) } });
    const text = await response.text();
    if (response.status === 401) throw new ApiError(url, `HTTP 401: the dashboard wants sign-in; set ${ACCESS_TOKEN_ENV} to one of its API tokens (npm start prints one)`);
    if (!response.ok) throw new ApiError(url, `HTTP ${response.status}: ${text.slice(0, 300)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(url, `not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ApiError(url, `unexpected response: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }
}
