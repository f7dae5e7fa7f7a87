import Link from 'next/link';
import { Suspense } from 'react';
import { DateTime } from 'luxon';
import { dashboardContext } from '../server/context';
import { ParamError, parsePageQuery, parsePageRange, type PageQuery, type RangeQuery } from '../lib/params';
import { formatRange, formatWindow, formatWindowShort } from '../lib/format';
import type { PageState } from '../lib/urls';
import { pageHref } from '../lib/urls';
import { Controls } from '../components/controls';
import { PageRefused } from '../components/page-refused';
import { TopSection } from '../components/top-section';
import { RisingNow } from '../components/RisingNow';
import { TrendSection } from '../components/trend-section';
import { RangePicker } from '../components/range-picker';
import { RangeSection } from '../components/range-section';

// Every request reads the database at request time (never at build time).
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

export default async function Page({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { data, logger, config } = dashboardContext();
  const raw = await searchParams;
  let query: PageQuery;
  let range: RangeQuery | null;
  try {
    query = parsePageQuery(data.registry, raw);
    range = parsePageRange(data.registry, query, config.DASHBOARD_MAX_RANGE_DAYS);
  } catch (error) {
    if (!(error instanceof ParamError)) throw error;
    return (
      <main>
        <Header />
        <PageRefused title="That link has a bad parameter">
          <p>{error.message}</p>
        </PageRefused>
      </main>
    );
  }

  const registry = data.registry;
  const window = query.windowStart ? registry.windowStartingAt(query.interval, query.windowStart) : data.currentWindow(query.interval);
  const current = data.currentWindow(query.interval);
  const isCurrent = window.start.getTime() === current.start.getTime();
  const previous = registry.previous(window);
  const next = registry.next(window);
  const state: PageState = {
    interval: query.interval,
    window: isCurrent ? null : window.start.toISOString(),
    metric: query.metric,
    category: query.category,
    channel: query.channel,
    product: query.product,
    from: query.range?.fromParam ?? null,
    to: query.range?.toParam ?? null,
  };
  const categories = await data.fetchCategories().catch((error: unknown) => {
    logger.error({ err: error }, 'categories failed');
    return [] as string[];
  });
  if (query.category !== null && !categories.includes(query.category)) {
    return (
      <main>
        <Header />
        <section className="panel state error" role="alert">
          <h3>Unknown category</h3>
          <p>{JSON.stringify(query.category)} is not a category of the catalog.</p>
          <p>
            <Link className="button" href={pageHref({ ...state, category: null })}>
              Show all categories
            </Link>
          </p>
        </section>
      </main>
    );
  }
  const recent = await data
    .fetchWindows({ interval: query.interval, limit: 48 })
    .then((r) =>
      r.windows.map((w) => ({
        windowStart: w.windowStart,
        label: `${formatWindowShort(w.windowStart, w.windowEnd, query.interval, registry.timeZone)}${w.source === 'batch' ? '' : ' (estimate)'}`,
      })),
    )
    .catch((error: unknown) => {
      logger.error({ err: error }, 'windows list failed');
      return [];
    });
  const topQuery = { ...query, windowStart: window.start };
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: registry.timeZone }).toFormat("yyyy-MM-dd'T'HH:mm");
  const atLocal = local(window.start);
  const rangePicker = (
    <RangePicker
      state={state}
      fromLocal={local(range ? range.from : window.start)}
      toLocal={local(range ? range.to : window.end)}
      timeZone={registry.timeZone}
      active={range !== null}
    />
  );
  // The interval picker and the range picker, above a window and above a range alike.
  const controls = (shownStart: string) => (
    <>
      <Controls
        state={state}
        intervals={data.fetchIntervals().intervals}
        categories={categories}
        atLocal={atLocal}
        timeZone={registry.timeZone}
        recent={recent}
        shownStart={shownStart}
      />
      {rangePicker}
    </>
  );
  if (range !== null) {
    return (
      <main>
        <Header />
        <section className="panel" aria-label="Choose what to show">
          {controls('')}
          <div className="window-title" style={{ marginTop: 12 }}>
            <h2 data-testid="window-label">{formatRange(range.from.toISOString(), range.to.toISOString(), registry.timeZone)}</h2>
          </div>
        </section>
        <Suspense key={`range:${pageHref(state)}`} fallback={<Skeleton label="Loading the range" height={420} />}>
          <RangeSection query={range} state={state} />
        </Suspense>
      </main>
    );
  }

  return (
    <main>
      <Header />
      <section className="panel" aria-label="Choose what to show">
        {controls(window.start.toISOString())}
        <div className="window-title" style={{ marginTop: 12 }}>
          <h2 data-testid="window-label">
            {formatWindow(window.start.toISOString(), window.end.toISOString(), window.interval, registry.timeZone)}
            {isCurrent ? ' (current)' : ''}
          </h2>
          <nav className="nav" aria-label="Windows">
            <Link className="button" href={pageHref(state, { window: previous.start.toISOString() })} scroll={false} data-testid="previous">
              ← Previous {query.interval}
            </Link>
            <Link
              className="button"
              href={pageHref(state, { window: next.start.getTime() >= current.start.getTime() ? null : next.start.toISOString() })}
              aria-disabled={isCurrent}
              tabIndex={isCurrent ? -1 : undefined}
              scroll={false}
              data-testid="next"
            >
              Next {query.interval} →
            </Link>
            {isCurrent ? null : (
              <Link className="button" href={pageHref(state, { window: null })} scroll={false}>
                Current
              </Link>
            )}
          </nav>
        </div>
      </section>
      <div className="top-and-movers">
        <Suspense key={`top:${pageHref(state)}`} fallback={<Skeleton label="Loading the top list" height={420} />}>
          <TopSection query={topQuery} state={state} />
        </Suspense>
        <Suspense key={`movers:${pageHref(state)}`} fallback={<Skeleton label="Loading what is rising" height={420} />}>
          <RisingNow state={state} />
        </Suspense>
      </div>
      <Suspense key={`trend:${pageHref(state)}`} fallback={<Skeleton label="Loading the trend" height={320} />}>
        <TrendSection
          productId={query.product}
          fallback={async () => (await data.fetchTop(topQuery)).rows[0]?.productId ?? null}
          interval={query.interval}
          metric={query.metric}
          channel={query.channel}
          shown={{
            start: window.start.toISOString(),
            end: window.end.toISOString(),
            label: formatWindow(window.start.toISOString(), window.end.toISOString(), window.interval, registry.timeZone),
          }}
        />
      </Suspense>
    </main>
  );
}

function Header() {
  return (
    <header className="top">
      <h1>hitboard</h1>
      <p>What sells most — live, and for any past window.</p>
      {/* Answered by the access gate in front of Next (src/access): a POST, so no link elsewhere signs anyone out. */}
      <form className="sign-out" method="post" action="/auth/sign-out">
        <button type="submit" className="link-button" data-testid="sign-out">
          Sign out
        </button>
      </form>
    </header>
  );
}

function Skeleton({ label, height }: { label: string; height: number }) {
  return (
    <section className="panel" aria-busy="true" aria-label={label}>
      <div className="skeleton" style={{ height: 24, width: '40%', marginBottom: 12 }} />
      <div className="skeleton" style={{ height }} />
    </section>
  );
}
