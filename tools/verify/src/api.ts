import { z } from 'zod';
import { ACCESS_TOKEN_ENV, bearerHeaders } from '@hitboard/access';

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
const topSchema = z.object({
  interval: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  metric: z.enum(['units', 'revenue']),
  category: z.string().nullable().optional(),
  source: z.enum(['batch', 'speed', 'none']),
  exact: z.boolean(),
  asOf: z.string().nullable().optional(),
  // The speed layer knows its windows' units and revenue exactly, but not their orders or distinct products (null).
  totals: z.object({ units: amount, revenue: amount, orders: amount.nullable(), products: amount.nullable() }).nullable(),
  rows: z.array(rowSchema),
});

export type Intervals = z.output<typeof intervalsSchema>;
export type ServedWindows = z.output<typeof windowsSchema>;
export type ServedTop = z.output<typeof topSchema>;
export type ServedRow = z.output<typeof rowSchema>;
export type Metric = ServedTop['metric'];

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

  top(interval: string, windowStart: Date, metric: Metric, k: number): Promise<ServedTop> {
    return this.get(`/api/top?interval=${encodeURIComponent(interval)}&window=${encodeURIComponent(windowStart.toISOString())}&metric=${metric}&k=${k}`, topSchema);
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
