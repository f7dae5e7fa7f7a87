'use client';

import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { pageHref, type PageState } from '../lib/urls';

/** Interval, metric, category and date pickers. Each change navigates (the URL is the state). */
export function Controls(props: {
  state: PageState;
  intervals: { name: string }[];
  categories: string[];
  /** The date control's value: the shown window's start, local to the reporting zone (YYYY-MM-DDTHH:mm). */
  atLocal: string;
  timeZone: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const go = (href: string) => startTransition(() => router.push(href, { scroll: false }));
  const { state } = props;

  return (
    <form
      className="controls"
      aria-busy={pending}
      onSubmit={(e) => {
        e.preventDefault();
        const at = new FormData(e.currentTarget).get('at');
        if (typeof at === 'string' && at) go(`${pageHref({ ...state, window: null })}&at=${encodeURIComponent(at)}`);
      }}
    >
      <label className="field">
        Interval
        <select
          name="interval"
          value={state.interval}
          onChange={(e) => go(pageHref({ ...state, interval: e.target.value, window: null }))}
          data-testid="interval"
        >
          {props.intervals.map((i) => (
            <option key={i.name} value={i.name}>
              {i.name}
            </option>
          ))}
        </select>
      </label>

      <div className="field" role="group" aria-label="Rank by">
        <span aria-hidden>Rank by</span>
        <span className="segmented">
          {(['units', 'revenue'] as const).map((m) => (
            <button
              key={m}
              type="button"
              aria-pressed={state.metric === m}
              data-testid={`metric-${m}`}
              onClick={() => go(pageHref({ ...state, metric: m }))}
            >
              {m === 'units' ? 'Units' : 'Revenue'}
            </button>
          ))}
        </span>
      </div>

      <label className="field">
        Category
        <select
          name="category"
          value={state.category ?? ''}
          onChange={(e) => go(pageHref({ ...state, category: e.target.value || null, product: null }))}
          data-testid="category"
        >
          <option value="">All categories</option>
          {props.categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>

      <label className="field">
        Window holding ({props.timeZone})
        <input type="datetime-local" name="at" defaultValue={props.atLocal} key={props.atLocal} data-testid="at" />
      </label>
      <button className="button" type="submit">
        Show
      </button>
    </form>
  );
}
