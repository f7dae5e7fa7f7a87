'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { formatClock } from '../lib/format';
import type { MoverView } from '../server/movers';
import { pageHref, type PageState } from '../lib/urls';

/** The event LiveTop sends with each refresh's movers (one request refreshes both widgets). */
export const MOVERS_EVENT = 'hitboard:movers';

/** "Rising now"'s list: the movers read with the page, replaced by each refresh's. */
export function RisingNowList({ initial, state, timeZone }: { initial: MoverView[]; state: PageState; timeZone: string }) {
  const [movers, setMovers] = useState(initial);
  useEffect(() => {
    const update = (e: Event) => setMovers((e as CustomEvent<MoverView[]>).detail);
    window.addEventListener(MOVERS_EVENT, update);
    return () => window.removeEventListener(MOVERS_EVENT, update);
  }, []);
  if (movers.length === 0) {
    return (
      <p className="note" data-testid="rising-empty">
        Nothing is selling unusually fast right now: every product is within its usual rate for this hour of the week (or too few sales to tell).
      </p>
    );
  }
  return (
    <ol className="movers" data-testid="movers-list">
      {movers.map((m) => (
        <MoverItem key={m.productId} mover={m} state={state} timeZone={timeZone} />
      ))}
    </ol>
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

/** Units per minute since the rise began, as a small inline SVG . */
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
