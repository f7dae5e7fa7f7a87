'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { pageHref, type PageState } from '../lib/urls';

/**
 * The range picker beside the interval picker: from and to, typed or chosen, local to the reporting
 * zone at the hour. Showing a range puts it in the URL (`from`, `to`), so a link keeps it.
 */
export function RangePicker(props: { state: PageState; fromLocal: string; toLocal: string; timeZone: string; active: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const { state } = props;
  return (
    <form
      className="controls range-picker"
      style={{ marginTop: 12 }}
      aria-busy={pending}
      aria-label="Choose a range"
      data-testid="range-picker"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const from = form.get('from');
        const to = form.get('to');
        if (typeof from !== 'string' || typeof to !== 'string' || !from || !to) return;
        startTransition(() => router.push(pageHref({ ...state, window: null, product: null, from, to }), { scroll: false }));
      }}
    >
      <label className="field">
        Range from ({props.timeZone})
        <input type="datetime-local" name="from" step={3600} defaultValue={props.fromLocal} key={`from:${props.fromLocal}`} data-testid="range-from" />
      </label>
      <label className="field">
        to
        <input type="datetime-local" name="to" step={3600} defaultValue={props.toLocal} key={`to:${props.toLocal}`} data-testid="range-to" />
      </label>
      <button className="button" type="submit" data-testid="range-show">
        Show range
      </button>
      {props.active ? (
        <Link className="button" href={pageHref({ ...state, from: null, to: null })} scroll={false} data-testid="range-clear">
          Back to windows
        </Link>
      ) : null}
    </form>
  );
}
