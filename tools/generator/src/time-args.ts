/** The command-line forms of times and durations (--from, --to, --duration, --spike). */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** 90s, 10m, 2h, 3d → milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value} (use 90s, 10m, 2h or 3d)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/** ISO instant, now, now-6h, now+2h → epoch ms; `never` → Infinity. */
export function parseTime(value: string, nowMs: number): number {
  if (value === 'now') return nowMs;
  if (value === 'never') return Infinity;
  const relative = /^now([+-])(\d+(?:\.\d+)?[smhd])$/.exec(value);
  if (relative) return nowMs + (relative[1] === '-' ? -1 : 1) * parseDuration(relative[2]!);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${value} (use an ISO instant, now, or now-30m/now-6h/now-7d)`);
  return ms;
}
