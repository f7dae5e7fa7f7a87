import { apiRoute, cacheControlFor } from '../../../server/api';
import { parseTopQuery } from '../../../lib/params';
import { toCsv } from '../../../lib/ranking';
import { TOP_N_STORED } from '@hitboard/schema';

export const dynamic = 'force-dynamic';

/** The full ranked list (up to 1000 rows unless k is given) as a CSV download. */
export const GET = apiRoute(async (params, { data }) => {
  const query = parseTopQuery(data.registry, params, { k: TOP_N_STORED });
  await data.assertCategory(query.category);
  const top = await data.fetchTop(query);
  const name = ['hitboard', top.interval, top.windowStart.replace(/[:.]/g, '-'), top.metric, top.category ? 'category' : 'all'].join('_');
  return new Response(toCsv(top.rows), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.csv"`,
      'cache-control': cacheControlFor(top),
      'x-hitboard-source': top.source,
    },
  });
});
