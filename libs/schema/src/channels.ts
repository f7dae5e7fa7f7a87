import { CHANNELS, type Channel } from './sale-event';

/**
 * Where a figure is kept per sales channel (issue 27). The aggregator pre-sums per
 * (minute, product, channel); every layer keeps the overall figures (`CHANNEL_ALL`) next to the
 * per-channel ones, and the overall figure of a window is the sum over its channels.
 */

/** The overall figures, every channel together: the `channel` of overall rows in the serving tables. */
export const CHANNEL_ALL = 'all';

/** The channel of lake rows written before the lake kept one (files without a `channel` column read as this). */
export const CHANNEL_UNKNOWN = 'unknown';

/** Every channel a stored figure can belong to: the event's channels, and `unknown` for older lake files. */
export const STORED_CHANNELS = [...CHANNELS, CHANNEL_UNKNOWN] as const;
export type StoredChannel = (typeof STORED_CHANNELS)[number];

/** What a reader may ask for: one stored channel, or all of them. */
export type ChannelFilter = StoredChannel | typeof CHANNEL_ALL;

export const isStoredChannel = (value: string): value is StoredChannel => (STORED_CHANNELS as readonly string[]).includes(value);

export type { Channel };
