import { apiRoute, cacheControlFor, CACHE_CONTROL, json } from '../../../server/api';
import { isRangeRequest, parseRangeQuery, parseTopQuery } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** The top k of one window (default: the current one), or of a range `from`–`to`, by units or revenue, overall or within a category. */
export const GET = apiRoute(async (params, { data, ranges, config }) => {
  if (isRangeRequest(params)) {
    const query = parseRangeQuery(data.registry, params, { maxRangeDays: config.DASHBOARD_MAX_RANGE_DAYS });
    await data.assertCategory(query.category);
    const range = await ranges.fetchRange(query);
    return json(range, 200, range.exact ? CACHE_CONTROL.exact : CACHE_CONTROL.live);
  }
  const query = parseTopQuery(data.registry, params);
  await data.assertCategory(query.category);
  const top = await data.fetchTop(query);
  return json(top, 200, cacheControlFor(top));
});
