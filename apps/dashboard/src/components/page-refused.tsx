import Link from 'next/link';
import type { ReactNode } from 'react';

/** A page the dashboard cannot show for this address: what is wrong with it, and the way back to the current hour. */
export function PageRefused({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return (
    <section className="panel state error" role="alert" data-testid={testId}>
      <h3>{title}</h3>
      {children}
      <p>
        <Link className="button" href="/">
          Open the current hour
        </Link>
      </p>
    </section>
  );
}
