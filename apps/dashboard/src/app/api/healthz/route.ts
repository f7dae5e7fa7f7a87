import { apiRoute, json } from '../../../server/api';

export const dynamic = 'force-dynamic';

/** 200 when the reader can query the database; 503 otherwise (logged), so a supervisor can restart or page. */
export const GET = apiRoute(async (_params, { data, logger }) => {
  try {
    await data.ping();
    return json({ ok: true });
  } catch (error) {
    logger.error({ err: error }, 'health check: the database does not answer');
    return json({ ok: false, database: 'unreachable' }, 503);
  }
});
