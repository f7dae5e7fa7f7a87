import { apiRoute, cacheControlFor, json } from '../../../server/api';
import { parseTopQuery } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** The top k of one window (default: the current one) by units or revenue, overall or within a category. */
export const GET = apiRoute(async (params, { data }) => {
  const query = parseTopQuery(data.registry, params);
  await data.assertCategory(query.category);
  const top = await data.fetchTop(query);
  return json(top, 200, cacheControlFor(top));
});
