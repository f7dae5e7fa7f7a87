import type { ChannelFilter } from '@hitboard/schema';

/**
 * How the page names a channel (client-safe: a type import only). `unknown` is offered too: sales
 * written to the lake before it kept a channel read as `unknown`, so in older windows the other
 * channels do not add up to the overall figures without it — hiding it would hide where they went.
 */
export const CHANNEL_LABELS: Readonly<Record<ChannelFilter, string>> = {
  all: 'All channels',
  web: 'Web',
  app: 'App',
  store: 'Store',
  marketplace: 'Marketplace',
  unknown: 'Unknown (older data)',
};

/** The picker's order: every channel together first, then the event's channels, `unknown` last. */
export const CHANNEL_CHOICES: readonly ChannelFilter[] = ['all', 'web', 'app', 'store', 'marketplace', 'unknown'];

/** A file name's or a title's qualifier: null for every channel together, so those names stay what they were. */
export const channelQualifier = (channel: ChannelFilter): string | null => (channel === 'all' ? null : channel);

/** "web " before what a share is of ("web window total"); nothing for every channel together. */
export const channelPrefix = (channel: ChannelFilter): string => (channel === 'all' ? '' : `${channel} `);
