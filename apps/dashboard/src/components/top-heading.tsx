import type { ReactNode } from 'react';

/** The title row of a top-10 panel (a window's or a range's): "Top 10 by units in Toys", then its badge. */
export function TopHeading({ metric, category, children }: { metric: 'units' | 'revenue'; category: string | null | undefined; children: ReactNode }) {
  return (
    <div className="window-title">
      <h2 id="top-heading">
        Top 10 by {metric}
        {category ? ` in ${category}` : ''}
      </h2>
      {children}
    </div>
  );
}
