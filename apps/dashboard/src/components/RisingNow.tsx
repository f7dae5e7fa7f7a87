import Link from 'next/link';
import { dashboardContext } from '../server/context';
import { formatClock } from '../lib/format';
import type { MoverView, MoversResult } from '../server/movers';
import { pageHref, type PageState } from '../lib/urls';

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
        {state.window !== null || state.interval !== 'hour' ? ' — whatever window is shown beside it' : ''}.
      </p>
      {result.movers.length === 0 ? (
        <p className="note" data-testid="rising-empty">
          Nothing is selling unusually fast right now: every product is within its usual rate for this hour of the week (or too few sales to tell).
        </p>
      ) : (
        <ol className="movers" data-testid="movers-list">
          {result.movers.map((m) => (
            <MoverItem key={m.productId} mover={m} state={state} timeZone={tz} />
          ))}
        </ol>
      )}
      <p className="note">Units per hour now (at least, with 95 % confidence) against the usual for this time; a mover needs 10 orders and a factor of 3.</p>
    </section>
  );
}

function MoverItem({ mover: m, state, timeZone }: { mover: MoverView; state: PageState; timeZone: string }) {
  return (
    <li data-product-id={m.productId} data-testid="mover">
      <div className="mover-head">
        <Link href={pageHref(state, { product: m.productId, interval: 'hour', window: null })} prefetch={false} scroll={false} aria-label={`${m.name}: show trend`}>
          {m.name}
        </Link>
        <span className="factor" data-testid="mover-factor">
          {m.isNew ? <span className="badge new">new</span> : `×${m.factor! >= 10 ? Math.round(m.factor!) : m.factor!.toFixed(1)}`}
        </span>
      </div>
      <div className="mover-body">
        <Sparkline values={m.spark} />
        <span className="mover-figures">
          {Math.round(m.current)}/h (≥ {Math.round(m.currentLow)}) vs {m.usual < 1 ? m.usual.toFixed(1) : Math.round(m.usual)}/h usual · since{' '}
          <time dateTime={m.since}>{formatClock(m.since, timeZone)}</time>
        </span>
      </div>
    </li>
  );
}

/** Units per minute since the rise began, as a small inline SVG (no client code needed). */
function Sparkline({ values }: { values: number[] }) {
  const w = 90;
  const h = 24;
  if (values.length === 0) return <svg width={w} height={h} aria-hidden />;
  // A mover's first minute has one value: drawn as a level line, not a single (invisible) point.
  if (values.length === 1) values = [values[0]!, values[0]!];
  const max = Math.max(1, ...values);
  const step = w / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(' ');
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`units per minute: ${values.join(', ')}`} data-testid="sparkline">
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
