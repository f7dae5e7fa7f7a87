'use client';

import { clockStartedAt } from '@hitboard/runtime/clock';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { formatAgo } from '../lib/format';

/**
 * Re-renders the page's server components every `everyMs` while a live window is shown and the
 * tab is visible; pausable. A refresh goes through the same data module (and its cache) as a load.
 */
export function AutoRefresh({ live, everyMs }: { live: boolean; everyMs: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (!live || paused) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') router.refresh();
    }, everyMs);
    return () => clearInterval(timer);
  }, [live, paused, everyMs, router]);

  if (!live) return <span>Closed window: no auto-refresh</span>;
  return (
    <span>
      {paused ? 'Auto-refresh paused' : `Refreshing every ${Math.round(everyMs / 1000)} s`}{' '}
      <button className="button" type="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)} data-testid="pause">
        {paused ? 'Resume' : 'Pause'}
      </button>
    </span>
  );
}

/** "3 s ago", kept current every second. The first render uses the server's clock, so hydration matches. */
export function Ago({ iso, serverNowMs }: { iso: string; serverNowMs: number }) {
  const [now, setNow] = useState(serverNowMs);
  useEffect(() => {
    // The server's clock running on in the browser: "ago" never mixes the browser's time of day with the server's.
    const serverClock = clockStartedAt(serverNowMs);
    const timer = setInterval(() => setNow(serverClock.now()), 1000);
    return () => clearInterval(timer);
  }, [serverNowMs]);
  return <time dateTime={iso}>{formatAgo(iso, now)}</time>;
}
