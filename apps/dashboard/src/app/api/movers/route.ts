import { apiRoute, json, CACHE_CONTROL } from '../../../server/api';
import { parseMoversQuery } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** What is rising (or falling) now against its usual rate: `?interval=hour&k=20&direction=up&category=…`. */
export const GET = apiRoute(async (params, { data, movers }) => {
  const query = parseMoversQuery(data.registry, params);
  // As /api/top: a category not in the catalog is a 400 naming it, not an empty list that looks like "nothing rising".
  await data.assertCategory(query.category);
  return json(await movers.fetchMovers(query), 200, CACHE_CONTROL.live);
});
