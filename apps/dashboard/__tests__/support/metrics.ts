/** Reads the dashboard's own request counts from its ops port (`dashboard_request_seconds_count{route,status}`). */

/** Requests served since start, per route label (all statuses summed). */
export async function requestsByRoute(opsBase: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${opsBase}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^dashboard_request_seconds_count\{([^}]*)\} (\d+)/.exec(line);
    if (!m) continue;
    const route = /route="([^"]*)"/.exec(m[1]!)?.[1] ?? '';
    counts.set(route, (counts.get(route) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** What `after` adds to `before`, per route; routes with no new requests left out. */
export function requestsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const added: Record<string, number> = {};
  for (const [route, n] of after) {
    const more = n - (before.get(route) ?? 0);
    if (more > 0) added[route] = more;
  }
  return added;
}
