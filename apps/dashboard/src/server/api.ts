import { clock } from '@hitboard/runtime/clock';
import 'server-only';
import { createHash } from 'node:crypto';
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
    return revalidated(request, response);
  };
}

/**
 * Every answer is behind sign-in, so only the browser may keep it (`private`), and it carries a tag
 * of its body: a browser asking again with that tag gets 304 Not Modified while the window is
 * unchanged, and the new answer as soon as a flush or a rollup (late data included) changed it.
 */
async function revalidated(request: Request, response: Response): Promise<Response> {
  if (response.status !== 200 || !response.body) return response;
  const body = Buffer.from(await response.arrayBuffer());
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  const headers = new Headers(response.headers);
  headers.set('etag', etag);
  const asked = request.headers.get('if-none-match');
  if (asked && asked.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    headers.delete('content-type'); // a 304 has no body to describe
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { status: 200, headers });
}

export function json(body: unknown, status = 200, cacheControl = NO_STORE): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': cacheControl },
  });
}

/**
 * How long the browser may keep an answer without asking again. `exact`: a closed window from the
 * batch layer changes only when late data rebuilds it, which may be hours after it closed, so the
 * browser keeps it but revalidates every time (cheap: the server's own cache and a 304). `live`: the
 * auto-refresh interval. `static`: the interval list, fixed for the server's life.
 */
export const CACHE_CONTROL = { exact: 'private, no-cache', live: 'private, max-age=5', static: 'private, max-age=60' } as const;

export function cacheControlFor(window: { source: Source; windowEnd: string }, nowMs: number = clock.now()): string {
  const closed = Date.parse(window.windowEnd) <= nowMs;
  return closed && window.source === 'batch' ? CACHE_CONTROL.exact : CACHE_CONTROL.live;
}
