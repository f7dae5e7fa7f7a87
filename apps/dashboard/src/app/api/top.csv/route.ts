import { apiRoute, cacheControlFor } from '../../../server/api';
import { parseTopQuery } from '../../../lib/params';
import { chartFileName } from '../../../lib/chart-file-name';
import { toCsv } from '../../../lib/ranking';
import { TOP_N_STORED } from '@hitboard/schema';

export const dynamic = 'force-dynamic';

/** The full ranked list (up to 1000 rows unless k is given) as a CSV download. */
export const GET = apiRoute(async (params, { data }) => {
  const query = parseTopQuery(data.registry, params, { k: TOP_N_STORED });
  await data.assertCategory(query.category);
  const top = await data.fetchTop(query);
  const name = chartFileName(`top${query.k}`, top.interval, top.windowStart, data.registry.timeZone, [top.metric, top.category], 'csv');
  const shareOf = top.category === null ? 'window total' : top.source === 'speed' ? `${top.category} among live candidates` : `${top.category} total`;
  // A byte-order mark first: without it Excel reads UTF-8 as its legacy code page and garbles names and symbols.
  return new Response(`\uFEFF${toCsv(top.rows, { source: top.source === 'speed' ? 'estimate' : 'exact', shareOf })}`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': cacheControlFor(top),
      'x-hitboard-source': top.source,
    },
  });
});
