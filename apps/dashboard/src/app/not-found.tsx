import Link from 'next/link';

/** 404: a path the dashboard does not serve. */
export default function NotFound() {
  return (
    <main>
      <header className="top">
        <h1>hitboard</h1>
        <p>What sells most — live, and for any past window.</p>
      </header>
      <section className="panel state error" role="alert" data-testid="not-found">
        <h3>Not found</h3>
        <p>The dashboard has no page at this address.</p>
        <p>
          <Link className="button" href="/">
            Open the current hour
          </Link>
        </p>
      </section>
    </main>
  );
}
