'use client';

import { clockStartedAt } from '@hitboard/runtime/clock';
import { useEffect, useState } from 'react';
import { formatAgo } from '../lib/format';

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
