'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { formatClock, formatCount, formatFigure, formatShare } from '../lib/format';
import { movementLabel } from '../lib/ranking';
import type { Metric, TopResult, TopRow } from '../lib/types';
import type { MoversResult } from '../server/movers';
import { csvHref, liveApiHref, pageHref, type PageState } from '../lib/urls';
import { CHANNEL_LABELS } from '../lib/channels';
import { Ago } from './auto-refresh';
import { MOVERS_EVENT } from './rising-now-list';
import { TopChart } from './top-chart';
import { TopHeading } from './top-heading';

export interface LiveTopProps {
  initial: TopResult;
  state: PageState;
  /** Products rising now (the rows' badge). */
  rising: string[];
  /** The shown window was open when the page was made. */
  live: boolean;
  /** For a closed window on estimates: when its exact figures are expected (ISO), or null when unknown. */
  exactDue: string | null;
  everyMs: number;
  timeZone: string;
  /** The PNG's file name and title for the shown window. */
  chart: { fileName: string; title: string };
  serverNowMs: number;
}

/**
 * The top 10 widget in the browser: source and freshness, bar chart, table, totals, CSV link. While the
 * window is open, or closed but still on estimates, it asks `/api/live` every `everyMs` for the same list
 * and "Rising now" (one request, no page render) and redraws both (Rising now through MOVERS_EVENT); a
 * closed window stops once its exact figures arrive.
 */
export function LiveTop(props: LiveTopProps) {
  const { state, timeZone } = props;
  const router = useRouter();
  const [top, setTop] = useState(props.initial);
  const [risingIds, setRisingIds] = useState(props.rising);
  const [paused, setPaused] = useState(false);
  const inFlight = useRef(false);
  const awaitingExact = !props.live && top.source === 'speed';
  const arrived = !props.live && props.initial.source === 'speed' && top.source === 'batch';
  const refreshing = (props.live || awaitingExact) && !paused;

  useEffect(() => {
    if (!refreshing) return;
    const timer = setInterval(async () => {
      if (document.visibilityState !== 'visible' || inFlight.current) return;
      inFlight.current = true;
      try {
        const response = await fetch(liveApiHref(state, props.live ? null : props.initial.windowStart), { cache: 'no-store' });
        if (!response.ok) return; // keep the figures shown; the next tick asks again
        const next = (await response.json()) as { top: TopResult; movers: MoversResult; risingIds: string[] };
        // The current window has ended: the whole page moves to the next one (title, navigation, trend).
        if (next.top.windowStart !== props.initial.windowStart) return router.refresh();
        setTop(next.top);
        setRisingIds(next.risingIds);
        window.dispatchEvent(new CustomEvent(MOVERS_EVENT, { detail: next.movers.movers }));
      } catch {
        // offline for a moment: the next tick asks again
      } finally {
        inFlight.current = false;
      }
    }, props.everyMs);
    return () => clearInterval(timer);
  }, [refreshing, state, props.live, props.initial.windowStart, props.everyMs, router]);

  const rising = new Set(risingIds);
  return (
    <section className="panel top-panel" id="top-list" aria-labelledby="top-heading" data-testid="top-section" data-source={top.source}>
      <TopHeading metric={top.metric} category={top.category} channel={top.channel}>
        <Freshness top={top} timeZone={timeZone} serverNowMs={props.serverNowMs} />
      </TopHeading>
      {top.category && top.source === 'speed' ? (
        <p className="note" data-testid="speed-category-note">
          Live estimate: this per-category list is drawn from the speed layer&apos;s global candidates (its top 1000 by {top.metric}). A product
          of this category outside them is missing here; the exact per-category list arrives when the window is rolled up.
        </p>
      ) : null}
      {top.rows.length === 0 ? (
        <EmptyState top={top} live={props.live} />
      ) : (
        <div className="top-grid">
          <TopChart data={top.rows.map((r) => ({ label: r.name, value: r[top.metric] }))} metric={top.metric} download={props.chart} />
          <TopTable top={top} state={state} rising={rising} />
        </div>
      )}
      <div className="footer-row">
        <Totals top={top} />
        <span className="nav">
          {top.rows.length > 0 ? (
            <a className="button" href={csvHref(state, top.windowStart)} download data-testid="csv">
              Download CSV (full list, up to 1000)
            </a>
          ) : null}
          <RefreshStatus
            live={props.live}
            awaitingExact={awaitingExact}
            arrived={arrived}
            paused={paused}
            onPause={() => setPaused((p) => !p)}
            everyMs={props.everyMs}
            top={top}
            exactDue={props.exactDue}
            timeZone={timeZone}
            serverNowMs={props.serverNowMs}
          />
        </span>
      </div>
    </section>
  );
}

/** Every total says what it totals: the category's (what the shares are of) and the whole window's, or the channel's. */
function Totals({ top }: { top: TopResult }) {
  const unit = top.metric === 'units' ? 'units' : 'revenue';
  const channel = top.channel === 'all' ? null : CHANNEL_LABELS[top.channel];
  const all = top.totals ? (
    <>
      {formatFigure(top.totals.units, 'units')} units, {formatFigure(top.totals.revenue, 'revenue')}
      {top.totals.orders ? `, ${formatCount(top.totals.orders)} orders` : ''}
      {top.totals.products ? `, ${formatCount(top.totals.products)} products` : ''}
    </>
  ) : null;
  if (!top.category) {
    return (
      <span data-testid="totals">
        {all ? <>{channel ? `${channel} total in the window` : 'Window total, all categories'}: {all}</> : top.source === 'none' ? 'No totals: nothing recorded in this window' : 'Window totals not available yet (shares unknown)'}
        {top.rows.length > 0 && top.totals ? (
          <span className="bound" data-testid="share-note">
            {' '}
            · Share: of the window&apos;s total {unit}{channel ? ` in ${channel}` : ''}.
          </span>
        ) : null}
      </span>
    );
  }
  const c = top.categoryTotals;
  const estimate = top.source === 'speed';
  return (
    <span data-testid="totals">
      {c ? (
        <>
          {top.category} total{estimate ? ' (estimate, its products among the live candidates)' : c.complete ? '' : ` (its top ${formatCount(c.products)} products)`}:{' '}
          {formatFigure(c.units, 'units')} units, {formatFigure(c.revenue, 'revenue')}, {formatCount(c.products)} products
        </>
      ) : (
        `${top.category} total not available`
      )}
      {all ? <> · All categories: {all}</> : null}
      {c && top.rows.length > 0 ? (
        <span className="bound" data-testid="share-note">
          {' '}
          · Share of {top.category} total {unit}
          {estimate ? ': an estimate, of its products among the speed layer’s candidates' : c.complete ? ' (exact)' : ` in its top ${formatCount(c.products)}`}.
        </span>
      ) : null}
    </span>
  );
}

function RefreshStatus(props: {
  live: boolean;
  awaitingExact: boolean;
  arrived: boolean;
  paused: boolean;
  onPause: () => void;
  everyMs: number;
  top: TopResult;
  exactDue: string | null;
  timeZone: string;
  serverNowMs: number;
}) {
  const every = `${Math.round(props.everyMs / 1000)} s`;
  const pause = (
    <button className="button" type="button" aria-pressed={props.paused} onClick={props.onPause} data-testid="pause">
      {props.paused ? 'Resume' : 'Pause'}
    </button>
  );
  if (props.live) {
    return (
      <span data-testid="refresh-status" role="status">
        {props.paused ? 'Auto-refresh paused' : `Refreshing every ${every}`} {pause}
      </span>
    );
  }
  if (props.awaitingExact) {
    const due = props.exactDue ? formatClock(props.exactDue, props.timeZone) : null;
    const late = props.exactDue !== null && Date.parse(props.exactDue) < props.serverNowMs;
    return (
      <span data-testid="refresh-status" role="status">
        {due ? (late ? `Exact figures due ${due} (the rollup is late)` : `Exact figures due ${due}, when the rollup runs`) : 'Exact figures due when the rollup runs'}
        {props.paused ? '; checking paused ' : `; checking every ${every} until they arrive `}
        {pause}
      </span>
    );
  }
  if (props.arrived) {
    return (
      <span data-testid="refresh-status" role="status">
        Exact figures arrived{props.top.asOf ? ` (rolled up ${formatClock(props.top.asOf, props.timeZone)})` : ''}: refresh stopped
      </span>
    );
  }
  return (
    <span data-testid="refresh-status" role="status">
      {props.top.source === 'batch' ? 'Closed window, exact: nothing left to refresh' : 'Closed window: no refresh'}
    </span>
  );
}

function Freshness({ top, timeZone, serverNowMs }: { top: TopResult; timeZone: string; serverNowMs: number }) {
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
        {top.asOf ? <Ago iso={top.asOf} serverNowMs={serverNowMs} /> : null}
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
  const compared = top.rows.some((r) => r.movement.kind !== 'none');
  return (
    <div className="table-wrap">
      <table data-testid="top-table">
        <caption>
          {estimate ? 'Estimates: each figure is within ± its bound of the true value.' : 'Exact figures.'}{' '}
          {compared ? 'Movement is against the previous window.' : 'No movement: the previous window has no data to compare with.'} Select a product
          for its trend.
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
  const moveText = {
    new: 'new in this window',
    up: `up ${m.by} places`,
    down: `down ${m.by} places`,
    same: 'same place',
    none: 'no comparison: the previous window has no data',
  }[m.kind];
  return (
    <tr className={state.product === row.productId ? 'selected' : undefined} data-product-id={row.productId}>
      <td className="num">{row.rank}</td>
      <td className="name">
        {/* No prefetch: a live page must not cost a page render per row per refresh; a click costs one. */}
        <Link href={pageHref(state, { product: row.productId })} prefetch={false} scroll={false} aria-label={`${row.name}: show trend`}>
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
      <td className="num" data-testid="share">
        {formatShare(row.share)}
      </td>
      <td className={`num move-${m.kind}`}>
        <span aria-hidden>{movementLabel(m)}</span>
        <span className="sr-only">{moveText}</span>
      </td>
    </tr>
  );
}

function EmptyState({ top, live }: { top: TopResult; live: boolean }) {
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
