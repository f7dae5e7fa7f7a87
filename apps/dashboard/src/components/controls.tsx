'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition, type ReactNode } from 'react';
import { CHANNEL_CHOICES, CHANNEL_LABELS } from '../lib/channels';
import type { ChannelFilter } from '../lib/types';
import { pageHref, type PageState } from '../lib/urls';

/**
 * Interval, metric, category, channel and date pickers. Each change navigates (the URL is the state),
 * keeping the window or range shown. A category applies to every channel together only (a channel's
 * list is ranked within the channel, with no per-category ranks): picking a channel leaves the
 * category, and the category picker waits for "All channels".
 */
export function Controls(props: {
  state: PageState;
  intervals: { name: string }[];
  categories: string[];
  /** The date control's value: the shown window's start, local to the reporting zone (YYYY-MM-DDTHH:mm). */
  atLocal: string;
  timeZone: string;
  /** Recent windows that hold data (newest first), labelled for the reporting zone. */
  recent: { windowStart: string; label: string }[];
  /** The shown window's start (ISO). */
  shownStart: string;
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
        if (typeof at === 'string' && at) go(`${pageHref({ ...state, window: null, from: null, to: null })}&at=${encodeURIComponent(at)}`);
      }}
    >
      <label className="field">
        Interval
        <NavSelect name="interval" value={state.interval} onChoose={(v) => go(pageHref({ ...state, interval: v, window: null, from: null, to: null }))} testId="interval">
          {props.intervals.map((i) => (
            <option key={i.name} value={i.name}>
              {i.name}
            </option>
          ))}
        </NavSelect>
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
        Channel
        <NavSelect name="channel" value={state.channel} onChoose={(v) => go(pageHref({ ...state, channel: v as ChannelFilter, category: null }))} testId="channel">
          {CHANNEL_CHOICES.map((c) => (
            <option key={c} value={c}>
              {CHANNEL_LABELS[c]}
            </option>
          ))}
        </NavSelect>
      </label>

      <label className="field" title={state.channel === 'all' ? undefined : 'A category is ranked over all channels only'}>
        Category
        <NavSelect
          name="category"
          value={state.category ?? ''}
          onChoose={(v) => go(pageHref({ ...state, category: v || null, product: null }))}
          testId="category"
          disabled={state.channel !== 'all'}
        >
          <option value="">{state.channel === 'all' ? 'All categories' : 'All categories (with all channels only)'}</option>
          {props.categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </NavSelect>
      </label>

      <label className="field">
        Recent {state.interval}s with data
        <NavSelect
          name="recent"
          value={props.recent.some((w) => w.windowStart === props.shownStart) ? props.shownStart : ''}
          onChoose={(v) => v && go(pageHref({ ...state, window: v, from: null, to: null }))}
          testId="recent"
        >
          <option value="">{props.recent.length ? 'Choose a window…' : 'None yet'}</option>
          {props.recent.map((w) => (
            <option key={w.windowStart} value={w.windowStart}>
              {w.label}
            </option>
          ))}
        </NavSelect>
      </label>

      {/* The date control and its button wrap together, never the button alone. */}
      <span className="field-with-button">
        <label className="field">
          Window holding ({props.timeZone})
          <input type="datetime-local" name="at" defaultValue={props.atLocal} key={props.atLocal} data-testid="at" />
        </label>
        <button className="button" type="submit">
          Show
        </button>
      </span>
    </form>
  );
}

/** Keys that step a closed select's choice in Chromium (each step fires `change`). */
const STEP_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * A select that navigates on a choice, not on every step: a pick with the mouse (or from the open list)
 * navigates at once; arrow keys on the closed select only move the choice, and Enter or leaving the
 * control navigates to where they stopped (Day → Year no longer loads Week and Month on the way).
 */
function NavSelect(props: { name: string; value: string; onChoose: (value: string) => void; testId: string; disabled?: boolean; children: ReactNode }) {
  const [choice, setChoice] = useState(props.value);
  const stepping = useRef(false);
  const chosen = useRef(props.value); // what was last navigated to: a blur after a pick does not navigate again
  useEffect(() => {
    setChoice(props.value);
    chosen.current = props.value;
  }, [props.value]);
  const commit = (value: string) => {
    if (value === chosen.current) return;
    chosen.current = value;
    props.onChoose(value);
  };
  return (
    <select
      name={props.name}
      value={choice}
      disabled={props.disabled}
      data-testid={props.testId}
      onKeyDown={(e) => {
        // Alt+arrow, F4 and space open the list instead: a choice made there navigates at once.
        stepping.current = !e.altKey && !e.ctrlKey && !e.metaKey && (STEP_KEYS.has(e.key) || (e.key.length === 1 && e.key !== ' '));
        if (e.key === 'Enter') {
          e.preventDefault();
          commit(choice);
        }
      }}
      onChange={(e) => {
        setChoice(e.target.value);
        if (!stepping.current) commit(e.target.value);
        stepping.current = false;
      }}
      onBlur={() => commit(choice)}
    >
      {props.children}
    </select>
  );
}
