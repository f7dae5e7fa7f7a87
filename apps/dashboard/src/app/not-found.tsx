import { PageRefused } from '../components/page-refused';

/** 404: a path the dashboard does not serve. */
export default function NotFound() {
  return (
    <main>
      <header className="top">
        <h1>hitboard</h1>
        <p>What sells most — live, and for any past window.</p>
      </header>
      <PageRefused title="Not found" testId="not-found">
        <p>The dashboard has no page at this address.</p>
      </PageRefused>
    </main>
  );
}
