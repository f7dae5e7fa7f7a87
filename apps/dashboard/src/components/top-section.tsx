import { clock } from '@hitboard/runtime/clock';
import Link from 'next/link';
import { dashboardContext } from '../server/context';
import { chartFileName } from '../lib/chart-file-name';
import { CHANNEL_LABELS, channelQualifier } from '../lib/channels';
import { exactDueAt } from '../lib/exact-due';
import { formatWindow } from '../lib/format';
import type { TopQuery } from '../lib/params';
import type { TopResult } from '../lib/types';
import { REFRESH_MS } from '../lib/refresh';
import { pageHref, type PageState } from '../lib/urls';
import { LiveTop } from './live-top';

/** The top 10 widget: reads the list once on the server; the browser keeps it current (LiveTop). */
export async function TopSection({ query, state }: { query: TopQuery; state: PageState }) {
  const { data, logger, movers, config } = dashboardContext();
  let top: TopResult;
  // The badge is a nicety: a failure to read the movers must not cost the top list.
  const rising = movers.risingIds().catch((error: unknown) => (logger.error({ err: error }, 'movers for the badge failed'), new Set<string>()));
  try {
    top = await data.fetchTop(query);
  } catch (error) {
    logger.error({ err: error }, 'top list failed');
    return (
      <section className="panel" id="top-list" aria-labelledby="top-heading">
        <h2 id="top-heading">Top 10</h2>
        <div className="state error" role="alert">
          <h3>The top list could not be loaded</h3>
          <p>The database did not answer as expected. The error has been logged for the operators.</p>
          <p>
            <Link className="button" href={pageHref(state)}>
              Try again
            </Link>
          </p>
        </div>
      </section>
    );
  }
  const window = { interval: top.interval, start: new Date(top.windowStart), end: new Date(top.windowEnd) };
  const live = data.isLive(window);
  const tz = data.registry.timeZone;
  const metricName = top.metric === 'units' ? 'units' : 'revenue';
  const exactDue = !live && top.source === 'speed' ? exactDueAt(data.registry, window, config.ALLOWED_LATENESS_MS) : null;
  return (
    <LiveTop
      initial={top}
      state={state}
      rising={[...(await rising)]}
      live={live}
      exactDue={exactDue?.toISOString() ?? null}
      everyMs={REFRESH_MS}
      timeZone={tz}
      serverNowMs={clock.now()}
      chart={{
        fileName: chartFileName('top10', top.interval, top.windowStart, tz, [top.metric, top.category, channelQualifier(top.channel)]),
        title: `Top 10 by ${metricName}${top.category ? ` in ${top.category}` : ''}${top.channel === 'all' ? '' : ` · ${CHANNEL_LABELS[top.channel]}`} · ${formatWindow(top.windowStart, top.windowEnd, top.interval, tz)}${top.source === 'speed' ? ' (estimate)' : ''}`,
      }}
    />
  );
}
