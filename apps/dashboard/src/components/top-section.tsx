import { clock } from '@hitboard/runtime/clock';
import Link from 'next/link';
import { dashboardContext } from '../server/context';
import { chartFileName } from '../lib/chart-file-name';
import { formatClock, formatCount, formatFigure, formatShare, formatWindow } from '../lib/format';
import { movementLabel } from '../lib/ranking';
import type { TopQuery } from '../lib/params';
import type { Metric, TopResult, TopRow } from '../lib/types';
import { csvHref, pageHref, type PageState } from '../lib/urls';
import { Ago, AutoRefresh } from './auto-refresh';
import { TopChart } from './top-chart';

/** How often a live window re-renders (the API's live responses are cacheable for as long). */
export const REFRESH_MS = 5000;

/** The top 10 widget: source and freshness, bar chart, table, CSV link. */
export async function TopSection({ query, state }: { query: TopQuery; state: PageState }) {
  const { data, logger, movers } = dashboardContext();
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
  const live = data.isLive({ interval: top.interval, start: new Date(top.windowStart), end: new Date(top.windowEnd) });
  const tz = data.registry.timeZone;
  const metricName = top.metric === 'units' ? 'units' : 'revenue';

  return (
    <section className="panel top-panel" id="top-list" aria-labelledby="top-heading" data-testid="top-section" data-source={top.source}>
      <div className="window-title">
        <h2 id="top-heading">
          Top 10 by {metricName}
          {top.category ? ` in ${top.category}` : ''}
        </h2>
        <Freshness top={top} timeZone={tz} />
      </div>
      {top.category && top.source === 'speed' ? (
        <p className="note" data-testid="speed-category-note">
          Live estimate: this per-category list is drawn from the speed layer&apos;s global candidates (its top 1000 by {metricName}). A product
          of this category outside them is missing here; the exact per-category list arrives when the window is rolled up.
        </p>
      ) : null}
      {top.rows.length === 0 ? (
        <EmptyState top={top} live={live} />
      ) : (
        <div className="top-grid">
          <TopChart
            data={top.rows.map((r) => ({ label: r.name, value: r[top.metric] }))}
            metric={top.metric}
            download={{
              fileName: chartFileName('top10', top.interval, top.windowStart, tz, [top.metric, top.category]),
              title: `Top 10 by ${metricName}${top.category ? ` in ${top.category}` : ''} · ${formatWindow(top.windowStart, top.windowEnd, top.interval, tz)}${top.source === 'speed' ? ' (estimate)' : ''}`,
            }}
          />
          <TopTable top={top} state={state} rising={await rising} />
        </div>
      )}
      <div className="footer-row">
        <span>
          {top.totals ? (
            <>
              Window total: {formatFigure(top.totals.units, 'units')} units, {formatFigure(top.totals.revenue, 'revenue')}
              {top.totals.orders ? `, ${formatCount(top.totals.orders)} orders` : ''}
              {top.totals.products ? `, ${formatCount(top.totals.products)} products` : ''}
            </>
          ) : (
            'Window totals not available yet (shares unknown)'
          )}
        </span>
        <span className="nav">
          <a className="button" href={csvHref(state, top.windowStart)} download data-testid="csv">
            Download CSV (full list, up to 1000)
          </a>
          <AutoRefresh live={live} everyMs={REFRESH_MS} />
        </span>
      </div>
    </section>
  );
}

function Freshness({ top, timeZone }: { top: TopResult; timeZone: string }) {
  if (top.source === 'batch') {
    return (
      <span className="badge batch" data-testid="freshness">
        Exact{top.asOf ? `, rolled up ${formatClock(top.asOf, timeZone)}` : ''}
      </span>
    );
  }
  if (top.source === 'speed') {
    return (
      <span className="badge speed" data-testid="freshness">
        Estimate ± bound{top.asOf ? ', updated ' : ''}
        {top.asOf ? <Ago iso={top.asOf} serverNowMs={clock.now()} /> : null}
      </span>
    );
  }
  return (
    <span className="badge none" data-testid="freshness">
      No data
    </span>
  );
}

function TopTable({ top, state, rising }: { top: TopResult; state: PageState; rising: Set<string> }) {
  const estimate = top.source === 'speed';
  return (
    <div className="table-wrap">
      <table data-testid="top-table">
        <caption>
          {estimate ? 'Estimates: each figure is within ± its bound of the true value.' : 'Exact figures.'} Movement is against the previous
          window. Select a product for its trend.
        </caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">Product</th>
            <th scope="col" className="hide-narrow">
              Category
            </th>
            <th scope="col" className="num">
              {top.metric === 'units' ? 'Units' : 'Revenue'}
            </th>
            <th scope="col" className="num">
              Share
            </th>
            <th scope="col" className="num">
              Move
            </th>
          </tr>
        </thead>
        <tbody>
          {top.rows.map((r) => (
            <Row key={r.productId} row={r} metric={top.metric} estimate={estimate} state={state} rising={rising.has(r.productId)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Row({ row, metric, estimate, state, rising }: { row: TopRow; metric: Metric; estimate: boolean; state: PageState; rising: boolean }) {
  const m = row.movement;
  const moveText = { new: 'new in this window', up: `up ${m.by} places`, down: `down ${m.by} places`, same: 'same place' }[m.kind];
  return (
    <tr className={state.product === row.productId ? 'selected' : undefined} data-product-id={row.productId}>
      <td className="num">{row.rank}</td>
      <td className="name">
        <Link href={pageHref(state, { product: row.productId })} scroll={false} aria-label={`${row.name}: show trend`}>
          {row.name}
        </Link>
        {rising ? (
          <span className="badge rising" data-testid="rising-badge" title="Selling well above its usual rate for this time (see Rising now)">
            ↑ rising
          </span>
        ) : null}
      </td>
      <td className="hide-narrow">{row.category || '—'}</td>
      <td className="num" data-testid="figure">
        {formatFigure(row[metric], metric)}
        {estimate ? <span className="bound"> ± {formatFigure(row.errorBound, metric)}</span> : null}
      </td>
      <td className="num">{formatShare(row.share)}</td>
      <td className={`num move-${m.kind}`}>
        <span aria-hidden>{movementLabel(m)}</span>
        <span className="sr-only">{moveText}</span>
      </td>
    </tr>
  );
}

async function EmptyState({ top, live }: { top: TopResult; live: boolean }) {
  return (
    <div className="state" data-testid="empty">
      <h3>{top.category ? `No ${top.category} sales in this window` : 'No sales in this window'}</h3>
      <p>
        {live
          ? 'Nothing has been recorded for the current window yet. Live estimates appear within seconds of the first sales.'
          : 'No figures are stored for this window: no sales were recorded, or its data is past retention.'}
      </p>
    </div>
  );
}
