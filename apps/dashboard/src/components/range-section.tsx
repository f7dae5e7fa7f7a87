import { DateTime } from 'luxon';
import { dashboardContext } from '../server/context';
import { rangeFileName } from '../lib/chart-file-name';
import { CHANNEL_LABELS, channelQualifier } from '../lib/channels';
import { formatCount, formatFigure, formatRange, formatShare } from '../lib/format';
import type { RangeQuery } from '../lib/params';
import { movementLabel } from '../lib/ranking';
import type { HourSpan, RangeResult } from '../lib/types';
import { rangeCsvHref, type PageState } from '../lib/urls';
import { TopChart } from './top-chart';
import { TopHeading } from './top-heading';

/** The top 10 of a range: exact from built tiles, the unbuilt hours estimated (and said so), compared with the range of the same length before it. */
export async function RangeSection({ query, state }: { query: RangeQuery; state: PageState }) {
  const { ranges, logger, data } = dashboardContext();
  const tz = data.registry.timeZone;
  let r: RangeResult;
  try {
    r = await ranges.fetchRange(query);
  } catch (error) {
    logger.error({ err: error }, 'range top list failed');
    return (
      <section className="panel" id="top-list" aria-labelledby="top-heading">
        <h2 id="top-heading">Top 10</h2>
        <div className="state error" role="alert">
          <h3>The range could not be loaded</h3>
          <p>The database or the lake did not answer as expected. The error has been logged for the operators.</p>
        </div>
      </section>
    );
  }
  const title = `Top 10 by ${r.metric}${r.category ? ` in ${r.category}` : ''}${r.channel === 'all' ? '' : ` · ${CHANNEL_LABELS[r.channel]}`} · ${formatRange(r.from, r.to, tz)}`;
  const spans = (list: HourSpan[]) => list.map((s) => formatRange(s.from, s.to, tz)).join('; ');
  return (
    <section className="panel top-panel" id="top-list" aria-labelledby="top-heading" data-testid="range-section" data-source={r.source}>
      <TopHeading metric={r.metric} category={r.category} channel={r.channel}>
        <span className={`badge ${r.exact ? 'exact' : 'estimate'}`} data-testid="range-source">
          {r.source === 'none' ? 'No data' : r.exact ? 'Exact' : r.estimateBound ? 'Partly estimated' : r.rebuilding ? 'Exact, being rebuilt' : 'Exact where built'}
        </span>
      </TopHeading>
      <p className="note" data-testid="range-hours">
        {r.hours.exact.length > 0 ? <>Exact for {spans(r.hours.exact)} ({r.tiles.length} rolled-up windows). </> : null}
        {r.hours.estimate.length > 0 ? (
          <>
            Estimated for {spans(r.hours.estimate)} (not rolled up yet; each figure within ± {formatFigure(r.estimateBound?.[r.metric] ?? '0', r.metric)}).{' '}
          </>
        ) : null}
        {r.hours.missing.length > 0 ? <>No data yet for {spans(r.hours.missing)}. </> : null}
      </p>
      {r.rebuilding ? (
        <p className="note" role="status" data-testid="range-rebuilding">
          Late data arrived for{' '}
          {r.tiles
            .filter((t) => t.rebuilding)
            .map((t) => `${t.interval} ${DateTime.fromISO(t.windowStart, { zone: tz }).toFormat('yyyy-MM-dd HH:mm')}`)
            .join(', ')}
          : it is being rebuilt, and these figures will change.
        </p>
      ) : null}
      {r.rows.length === 0 ? (
        <div className="state empty" data-testid="range-empty">
          <h3>No sales in this range yet</h3>
        </div>
      ) : (
        <div className="top-grid">
          <TopChart data={r.rows.map((row) => ({ label: row.name, value: row[r.metric] }))} metric={r.metric} download={{ fileName: rangeFileName('top10', r.from, r.to, tz, [r.metric, r.category, channelQualifier(r.channel)], 'png'), title }} />
          <div className="table-wrap">
            <table data-testid="range-table">
              <caption>
                {r.estimateBound ? 'Partly estimated figures.' : 'Exact figures.'} Movement is against {formatRange(r.previous.from, r.previous.to, tz)}, the range of the same length
                before.
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num">#</th>
                  <th scope="col">Product</th>
                  <th scope="col" className="hide-narrow">Category</th>
                  <th scope="col" className="num">{r.metric === 'units' ? 'Units' : 'Revenue'}</th>
                  <th scope="col" className="num">Share</th>
                  <th scope="col" className="num">Move</th>
                </tr>
              </thead>
              <tbody>
                {r.rows.map((row) => (
                  <tr key={row.productId} data-product-id={row.productId}>
                    <td className="num">{row.rank}</td>
                    <td className="name">{row.name}</td>
                    <td className="hide-narrow">{row.category}</td>
                    <td className="num" data-testid="range-figure">
                      {formatFigure(row[r.metric], r.metric)}
                      {row.errorBound !== '0' ? <span className="bound"> ± {formatFigure(row.errorBound, r.metric)}</span> : null}
                    </td>
                    <td className="num">{formatShare(row.share)}</td>
                    <td className="num" data-testid="range-move">{movementLabel(row.movement)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
      <div className="footer-row">
        <span data-testid="range-totals">
          {r.totals ? <>{r.channel === 'all' ? 'Range total' : `${CHANNEL_LABELS[r.channel]} total in the range`}: {formatCount(r.totals.units)} units · {formatFigure(r.totals.revenue, 'revenue')}</> : 'No totals yet'}
        </span>
        {r.rows.length > 0 ? (
          <a className="button" href={rangeCsvHref(state, r.from, r.to)} download data-testid="range-csv">
            Download CSV (full list, up to 1000)
          </a>
        ) : null}
      </div>
    </section>
  );
}
