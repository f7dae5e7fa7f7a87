'use client';

/** The page-level error state: nothing about the cause reaches the browser (the server logged it). */
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main>
      <section className="panel state error" role="alert">
        <h3>Something went wrong loading the dashboard</h3>
        <p>The error has been logged. The database may be unreachable or the configuration incomplete.</p>
        <p>
          <button className="button" type="button" onClick={reset}>
            Try again
          </button>
        </p>
      </section>
    </main>
  );
}
