import { apiRoute, json } from '../../../server/api';

export const dynamic = 'force-dynamic';

/** Healthy when the reader can query the database; a 500 otherwise (logged), so a supervisor can restart or page. */
export const GET = apiRoute(async (_params, { data }) => {
  await data.ping();
  return json({ ok: true });
});
