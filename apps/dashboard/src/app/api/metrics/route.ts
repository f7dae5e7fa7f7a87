import { apiRoute } from '../../../server/api';

export const dynamic = 'force-dynamic';

/** Prometheus metrics of this server process (default process metrics, API request durations). */
export const GET = apiRoute(async (_params, { metrics }) => {
  return new Response(await metrics.metrics(), { headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' } });
});
