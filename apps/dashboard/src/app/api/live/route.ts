import { apiRoute, json, CACHE_CONTROL } from '../../../server/api';
import { parseTopQuery } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** What an open page redraws every 5 s, in one request: its top list, "Rising now" (the live hour, same category) and the rising badges. */
export const GET = apiRoute(async (params, { data, movers }) => {
  const query = parseTopQuery(data.registry, params);
  await data.assertCategory(query.category);
  const [top, rising, risingIds] = await Promise.all([
    data.fetchTop(query),
    movers.fetchMovers({ interval: 'hour', k: 10, direction: 'up', category: query.category }),
    movers.risingIds(),
  ]);
  return json({ top, movers: rising, risingIds: [...risingIds] }, 200, CACHE_CONTROL.live);
});
