import { apiRoute, json, CACHE_CONTROL } from '../../../server/api';
import { parseWindowsQuery } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** Windows with data the reader can see, newest first. */
export const GET = apiRoute(async (params, { data }) => {
  const query = parseWindowsQuery(data.registry, params);
  return json(await data.fetchWindows(query), 200, CACHE_CONTROL.live);
});
