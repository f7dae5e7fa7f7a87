import { apiRoute, json, CACHE_CONTROL } from '../../../server/api';
import { parseTrendQuery } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** One product's figure per hour or day, with a trailing moving average. */
export const GET = apiRoute(async (params, { data }) => {
  const query = parseTrendQuery(data.registry, params);
  return json(await data.fetchTrend(query), 200, CACHE_CONTROL.live);
});
