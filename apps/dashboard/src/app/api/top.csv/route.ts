import { apiRoute, cacheControlFor, CACHE_CONTROL } from '../../../server/api';
import { isRangeRequest, parseRangeQuery, parseTopQuery } from '../../../lib/params';
import { chartFileName, rangeFileName } from '../../../lib/chart-file-name';
import { channelPrefix, channelQualifier } from '../../../lib/channels';
import { csvResponse } from '../../../lib/ranking';
import { TOP_N_STORED } from '@hitboard/schema';

export const dynamic = 'force-dynamic';

/** The full ranked list (up to 1000 rows unless k is given) of a window or a range `from`–`to`, as a CSV download; a channel's says so in its name and share_of. */
export const GET = apiRoute(async (params, { data, ranges, config }) => {
  if (isRangeRequest(params)) {
    const query = parseRangeQuery(data.registry, params, { maxRangeDays: config.DASHBOARD_MAX_RANGE_DAYS, k: TOP_N_STORED });
    await data.assertCategory(query.category);
    const r = await ranges.fetchRange(query);
    const name = rangeFileName(`top${query.k}`, r.from, r.to, data.registry.timeZone, [r.metric, r.category, channelQualifier(r.channel)]);
    return csvResponse(r.rows, { source: r.estimateBound ? 'estimate' : 'exact', shareOf: r.category === null ? `${channelPrefix(r.channel)}range total` : `${r.category} total` }, name, r.exact ? CACHE_CONTROL.exact : CACHE_CONTROL.live, r.source);
  }
  const query = parseTopQuery(data.registry, params, { k: TOP_N_STORED });
  await data.assertCategory(query.category);
  const top = await data.fetchTop(query);
  const name = chartFileName(`top${query.k}`, top.interval, top.windowStart, data.registry.timeZone, [top.metric, top.category, channelQualifier(top.channel)], 'csv');
  const shareOf = top.category === null ? `${channelPrefix(top.channel)}window total` : top.source === 'speed' ? `${top.category} among live candidates` : `${top.category} total`;
  return csvResponse(top.rows, { source: top.source === 'speed' ? 'estimate' : 'exact', shareOf }, name, cacheControlFor(top), top.source);
});
