'use client';

import { useEffect, useState } from 'react';
import { formatAgo } from '../lib/format';

/** "3 s ago", kept current every second. The first render uses the server's clock, so hydration matches. */
export function Ago({ iso, serverNowMs }: { iso: string; serverNowMs: number }) {
  const [now, setNow] = useState(serverNowMs);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return <time dateTime={iso}>{formatAgo(iso, now)}</time>;
}
