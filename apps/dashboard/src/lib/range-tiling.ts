import type { IntervalRegistry } from '@hitboard/time';

/**
 * How a range is answered from rollups: pure window arithmetic over the interval registry, no I/O.
 *
 * A range [from, to) aligned to the base interval's windows (the hour, in the reporting zone) is
 * tiled by the fewest windows of the *tile chain*: the longest `rolledUpFrom` chain that ends at the
 * base interval (standard registry: year → month → day → hour). Along one chain every window is
 * tiled exactly by its children, so the greedy rule — whole windows of the coarsest interval that fit,
 * then the two leftover edges with the next finer one, down to hours — is minimal (replacing any set
 * of tiles that fill a coarser window by that window only lowers the count). ISO weeks are no part of
 * the chain: a week straddles months, so it never nests with the calendar's other intervals.
 */
export interface RangeTile {
  interval: string;
  startMs: number;
  endMs: number;
}

/** The tile chain, coarsest first, ending at `base`: the longest chain of intervals each rolled up from the next. */
export function tileChain(registry: IntervalRegistry, base = 'hour'): string[] {
  registry.get(base);
  let best: string[] = [base];
  for (const spec of registry.all()) {
    const chain: string[] = [];
    for (let name: string | null = spec.name; name !== null; name = registry.get(name).rolledUpFrom) {
      chain.push(name);
      if (name === base) break;
    }
    if (chain[chain.length - 1] === base && chain.length > best.length) best = chain;
  }
  return best;
}

/** Whether `ms` starts a window of `interval` in the registry's zone. */
export function isWindowStart(registry: IntervalRegistry, interval: string, ms: number): boolean {
  return registry.windowAt(interval, ms).start.getTime() === ms;
}

/**
 * The fewest windows of the chain that tile [fromMs, toMs) exactly, in time order. `fromMs` and
 * `toMs` must start windows of the chain's last (finest) interval; an empty range has no tiles.
 */
export function tileRange(registry: IntervalRegistry, fromMs: number, toMs: number, chain: readonly string[] = tileChain(registry)): RangeTile[] {
  const finest = chain[chain.length - 1]!;
  if (!isWindowStart(registry, finest, fromMs) || !isWindowStart(registry, finest, toMs)) {
    throw new Error(`range ${new Date(fromMs).toISOString()}–${new Date(toMs).toISOString()} is not aligned to ${finest} windows in ${registry.timeZone}`);
  }
  const tiles: RangeTile[] = [];
  tileLevel(registry, chain, 0, fromMs, toMs, tiles);
  return tiles;
}

function tileLevel(registry: IntervalRegistry, chain: readonly string[], level: number, fromMs: number, toMs: number, out: RangeTile[]): void {
  if (fromMs >= toMs) return;
  const interval = chain[level]!;
  let w = registry.windowAt(interval, fromMs);
  if (w.start.getTime() < fromMs) w = registry.next(w);
  // The finest level always fits: both ends are its window starts.
  if (w.end.getTime() > toMs) return tileLevel(registry, chain, level + 1, fromMs, toMs, out);
  tileLevel(registry, chain, level + 1, fromMs, w.start.getTime(), out);
  let endMs = w.start.getTime();
  for (; w.end.getTime() <= toMs; w = registry.next(w)) {
    out.push({ interval, startMs: w.start.getTime(), endMs: w.end.getTime() });
    endMs = w.end.getTime();
  }
  tileLevel(registry, chain, level + 1, endMs, toMs, out);
}

/** The next finer chain interval's windows that tile `tile` (empty for the finest). */
export function tileChildren(registry: IntervalRegistry, chain: readonly string[], tile: RangeTile): RangeTile[] {
  const level = chain.indexOf(tile.interval);
  if (level < 0) throw new Error(`${tile.interval} is not in the tile chain ${chain.join(' → ')}`);
  if (level === chain.length - 1) return [];
  return registry.windowsBetween(chain[level + 1]!, tile.startMs, tile.endMs).map((w) => ({ interval: w.interval, startMs: w.start.getTime(), endMs: w.end.getTime() }));
}

/** What the batch layer says of one window: built (a succeeded run), by which run, when, and whether late data is rebuilding it. */
export interface BuiltWindow {
  runId: string;
  builtAtMs: number;
  dirty: boolean;
}

export type BuiltTile = RangeTile & BuiltWindow;

export const tileKey = (t: { interval: string; startMs: number }): string => `${t.interval}|${t.startMs}`;

/**
 * One step of fitting tiles to what is built: built tiles are kept; an unbuilt tile is replaced by its
 * children (to look up next), and an unbuilt tile of the finest interval is left to the speed layer.
 * The shell repeats this with the children until none are left (at most the chain's length times).
 */
export function splitUnbuilt(
  registry: IntervalRegistry,
  chain: readonly string[],
  tiles: readonly RangeTile[],
  built: ReadonlyMap<string, BuiltWindow>,
): { exact: BuiltTile[]; children: RangeTile[]; unbuilt: RangeTile[] } {
  const exact: BuiltTile[] = [];
  const children: RangeTile[] = [];
  const unbuilt: RangeTile[] = [];
  for (const tile of tiles) {
    const b = built.get(tileKey(tile));
    if (b) exact.push({ ...tile, ...b });
    else if (tile.interval === chain[chain.length - 1]) unbuilt.push(tile);
    else children.push(...tileChildren(registry, chain, tile));
  }
  return { exact, children, unbuilt };
}

/** Consecutive tiles joined into [startMs, endMs) spans: how the answer says which hours are which. */
export function spans(tiles: readonly RangeTile[]): { startMs: number; endMs: number }[] {
  const sorted = [...tiles].sort((a, b) => a.startMs - b.startMs);
  const out: { startMs: number; endMs: number }[] = [];
  for (const t of sorted) {
    const last = out[out.length - 1];
    if (last && last.endMs === t.startMs) last.endMs = t.endMs;
    else out.push({ startMs: t.startMs, endMs: t.endMs });
  }
  return out;
}

/**
 * The range of the same length right before [fromMs, toMs): [from − length, from), its start moved back
 * to the finest window holding it (a no-op wherever hours are whole hours of UTC, as in every zone but
 * Lord Howe's half-hour DST), so the previous range is aligned and tiled like the range itself.
 */
export function previousRange(registry: IntervalRegistry, fromMs: number, toMs: number, finest = 'hour'): { fromMs: number; toMs: number } {
  return { fromMs: registry.windowAt(finest, fromMs - (toMs - fromMs)).start.getTime(), toMs: fromMs };
}
