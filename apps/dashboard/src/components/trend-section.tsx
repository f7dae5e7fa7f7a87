import { dashboardContext } from '../server/context';
import type { ChannelFilter } from '@hitboard/schema';
import { chartFileName } from '../lib/chart-file-name';
import { CHANNEL_LABELS, channelQualifier } from '../lib/channels';
import { ParamError, parseTrendQuery } from '../lib/params';
import type { Metric, TrendResult } from '../lib/types';
import { TrendChart } from './trend-chart';

/** The trend widget: the chosen product (or the window's number one) per hour or day, with a moving average. */
export async function TrendSection(props: {
  productId: string | null;
  fallback: () => Promise<string | null>;
  interval: string;
  metric: Metric;
  /** The page's channel: the product's figures in it. */
  channel: ChannelFilter;
  /** The window the page shows: shaded on the chart. */
  shown: { start: string; end: string; label: string };
}) {
  const { data, logger } = dashboardContext();
  const productId = props.productId ?? (await props.fallback().catch(() => null));
  // Hours for the hour view, days for everything longer.
  const trendInterval = props.interval === 'hour' ? 'hour' : 'day';
  if (!productId) {
    return (
      <section className="panel" aria-labelledby="trend-heading">
        <h2 id="trend-heading">Trend</h2>
        <div className="state">
          <h3>No product to chart</h3>
          <p>This window has no sales, so there is no top product to follow. Choose a window with data, or a product in its table, to see its {trendInterval === 'hour' ? 'hourly' : 'daily'} trend.</p>
        </div>
      </section>
    );
  }
  let trend: TrendResult;
  try {
    trend = await data.fetchTrend(parseTrendQuery(data.registry, { productId, interval: trendInterval, metric: props.metric, channel: props.channel }));
  } catch (error) {
    if (!(error instanceof ParamError)) logger.error({ err: error }, 'trend failed');
    return (
      <section className="panel" aria-labelledby="trend-heading">
        <h2 id="trend-heading">Trend</h2>
        <div className="state error" role="alert">
          <h3>The trend could not be loaded</h3>
          <p>{error instanceof ParamError ? error.message : 'The error has been logged for the operators.'}</p>
        </div>
      </section>
    );
  }
  const known = trend.points.filter((p) => p.value !== null).length;
  return (
    <section className="panel" aria-labelledby="trend-heading" data-testid="trend">
      <h2 id="trend-heading">
        Trend: {trend.name ?? trend.productId} <span className="bound">({trend.category || 'no category'})</span>
        {trend.channel === 'all' ? null : <span data-testid="trend-channel"> · {CHANNEL_LABELS[trend.channel]}</span>}
      </h2>
      {known === 0 ? (
        <div className="state">
          <h3>No figures in this range</h3>
          <p>The product was not in the stored top 1000 of any {trendInterval} in the range{trend.channel === 'all' ? '' : ` for ${CHANNEL_LABELS[trend.channel]}`}.</p>
        </div>
      ) : (
        <>
          <TrendChart
            points={trend.points}
            metric={trend.metric}
            interval={trend.interval}
            timeZone={data.registry.timeZone}
            movingAverageWindows={trend.movingAverageWindows}
            shown={props.shown}
            download={{
              // Named after the newest window it shows.
              fileName: chartFileName('trend', trend.interval, trend.points[trend.points.length - 1]!.windowStart, data.registry.timeZone, [trend.productId, trend.metric, channelQualifier(trend.channel)]),
              title: `Trend of ${trend.name ?? trend.productId} · ${trend.metric} per ${trend.interval}${trend.channel === 'all' ? '' : ` · ${CHANNEL_LABELS[trend.channel]}`}`,
            }}
          />
          <p className="bound">
            {trend.points.length} {trendInterval}s; gaps are windows where the product was outside the stored top 1000 (figure unknown, not zero).
          </p>
        </>
      )}
    </section>
  );
}
