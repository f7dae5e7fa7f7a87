import { dashboardContext } from '../server/context';
import type { MoversResult } from '../server/movers';
import type { PageState } from '../lib/urls';
import { RisingNowList } from './rising-now-list';

/** "Rising now": products selling well above their usual rate for this time, strongest first. */
export async function RisingNow({ state }: { state: PageState }) {
  const { movers, data, logger } = dashboardContext();
  let result: MoversResult;
  try {
    result = await movers.fetchMovers({ interval: 'hour', k: 10, direction: 'up', category: state.category });
  } catch (error) {
    logger.error({ err: error }, 'movers failed');
    return (
      <section className="panel" aria-labelledby="rising-heading" data-testid="rising-now">
        <h2 id="rising-heading">Rising now</h2>
        <div className="state error" role="alert">
          <p>The movers could not be loaded. The error has been logged for the operators.</p>
        </div>
      </section>
    );
  }
  const tz = data.registry.timeZone;
  return (
    <section className="panel" aria-labelledby="rising-heading" data-testid="rising-now">
      <h2 id="rising-heading">Rising now</h2>
      <p className="note" data-testid="rising-scope">
        The live hour{state.category ? `, ${state.category} only` : ', every category'}
        {/* Movers are kept over all channels only: say so rather than let a channel's page suggest otherwise. */}
        {state.channel === 'all' ? '' : ', every channel'}
        {state.window !== null || state.interval !== 'hour' ? ' — whatever window is shown beside it' : ''}.
      </p>
      <RisingNowList initial={result.movers} state={state} timeZone={tz} />
      <p className="note">Units per hour now (at least, with 95 % confidence) against the usual for this time; a mover needs 10 orders and a factor of 3.</p>
    </section>
  );
}
