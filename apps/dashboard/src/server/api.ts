import 'server-only';
import { ParamError } from '../lib/params';
import type { Source } from '../lib/types';
import { dashboardContext, type DashboardContext } from './context';

/**
 * The API's shell: parameters in, JSON (or CSV) out. A bad parameter is a 400 that names it and
 * says why; anything else is logged and answered with a generic 500 — no stack, no SQL.
 */
export type ApiHandler = (params: URLSearchParams, ctx: DashboardContext) => Promise<Response>;

const NO_STORE = 'no-store';

export function apiRoute(handler: ApiHandler): (request: Request) => Promise<Response> {
  return async (request: Request) => {
    const url = new URL(request.url);
    let ctx: DashboardContext;
    try {
      ctx = dashboardContext();
    } catch (error) {
      // A configuration error is the operator's, and is logged once per request on stderr (no logger yet).
      process.stderr.write(`dashboard: ${error instanceof Error ? error.message : String(error)}\n`);
      return json({ error: 'internal error' }, 500, NO_STORE);
    }
    let response: Response;
    try {
      response = await handler(url.searchParams, ctx);
    } catch (error) {
      if (error instanceof ParamError) {
        response = json({ error: error.message, param: error.param }, 400, NO_STORE);
      } else {
        ctx.logger.error({ err: error, path: url.pathname }, 'request failed');
        response = json({ error: 'internal error' }, 500, NO_STORE);
      }
    }
    return response;
  };
}

export function json(body: unknown, status = 200, cacheControl = NO_STORE): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': cacheControl },
  });
}

/** Seconds a response about this window may be cached. */
export const CACHE_SECONDS = { exactClosed: 300, live: 5 } as const;

/**
 * A closed window served from the batch layer is exact and only changes if late data rebuilds it:
 * cacheable for minutes. Anything else (live, a closed window still on speed estimates, no data yet)
 * for a few seconds — the auto-refresh interval.
 */
export function cacheControlFor(window: { source: Source; windowEnd: string }, nowMs: number = Date.now()): string {
  const closed = Date.parse(window.windowEnd) <= nowMs;
  if (closed && window.source === 'batch') return `public, max-age=${CACHE_SECONDS.exactClosed}, stale-while-revalidate=3600`;
  return `public, max-age=${CACHE_SECONDS.live}`;
}
