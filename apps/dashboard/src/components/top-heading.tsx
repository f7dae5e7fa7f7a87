import type { ReactNode } from 'react';
import type { ChannelFilter } from '@hitboard/schema';
import { CHANNEL_LABELS } from '../lib/channels';

/** The title row of a top-10 panel (a window's or a range's): "Top 10 by units in Toys" or "Top 10 by units · Web", then its badge. */
export function TopHeading({ metric, category, channel, children }: { metric: 'units' | 'revenue'; category: string | null | undefined; channel: ChannelFilter; children: ReactNode }) {
  return (
    <div className="window-title">
      <h2 id="top-heading" data-channel={channel}>
        Top 10 by {metric}
        {category ? ` in ${category}` : ''}
        {channel === 'all' ? '' : ` · ${CHANNEL_LABELS[channel]}`}
      </h2>
      {children}
    </div>
  );
}
