import type { ChannelFilter, Metric } from './types';

/** The page's URL state as plain strings, shared by server links and client controls. */
export interface PageState {
  interval: string;
  window: string | null;
  metric: Metric;
  category: string | null;
  /** Whose sales: 'all' (left out of links, as before channels) or one channel. */
  channel: ChannelFilter;
  product: string | null;
  /** A range [from, to) instead of a window: both set, as typed (local YYYY-MM-DDTHH:mm) or ISO instants. */
  from?: string | null;
  to?: string | null;
}

export function searchOf(state: PageState, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  params.set('interval', state.interval);
  if (state.window) params.set('window', state.window);
  if (state.metric !== 'units') params.set('metric', state.metric);
  if (state.category) params.set('category', state.category);
  if (state.channel !== 'all') params.set('channel', state.channel);
  if (state.product) params.set('product', state.product);
  if (state.from && state.to) {
    params.set('from', state.from);
    params.set('to', state.to);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return params.toString();
}

export function pageHref(state: PageState, patch: Partial<PageState> = {}): string {
  return `/?${searchOf({ ...state, ...patch })}`;
}

/** The list's filters every API link carries (the page's category and channel). */
function filters(params: URLSearchParams, state: PageState): URLSearchParams {
  if (state.category) params.set('category', state.category);
  if (state.channel !== 'all') params.set('channel', state.channel);
  return params;
}

/** The CSV of the full list for the state's window (explicit window, so a download is what was on screen). */
export function csvHref(state: PageState, windowStart: string): string {
  const params = filters(new URLSearchParams({ interval: state.interval, window: windowStart, metric: state.metric }), state);
  return `/api/top.csv?${params.toString()}`;
}

/** What a page's refresh asks for (`/api/live`: the top 10 and Rising now); `windowStart` null = the current window. */
export function liveApiHref(state: PageState, windowStart: string | null): string {
  const params = filters(new URLSearchParams({ interval: state.interval, metric: state.metric, k: '10' }), state);
  if (windowStart) params.set('window', windowStart);
  return `/api/live?${params.toString()}`;
}

/** The CSV of a range's full list (up to 1000 rows), with its ends as ISO instants. */
export function rangeCsvHref(state: PageState, fromIso: string, toIso: string): string {
  const params = filters(new URLSearchParams({ from: fromIso, to: toIso, metric: state.metric }), state);
  return `/api/top.csv?${params.toString()}`;
}
