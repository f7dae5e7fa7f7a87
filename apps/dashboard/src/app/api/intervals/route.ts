import { apiRoute, CACHE_CONTROL, json } from '../../../server/api';
import { ParamError } from '../../../lib/params';

export const dynamic = 'force-dynamic';

/** The interval selector's choices: every registered interval but the raw minute. */
export const GET = apiRoute(async (params, { data }) => {
  const extra = [...params.keys()][0];
  if (extra !== undefined) throw new ParamError(extra, 'unknown parameter; /api/intervals takes none');
  return json(data.fetchIntervals(), 200, CACHE_CONTROL.static);
});
