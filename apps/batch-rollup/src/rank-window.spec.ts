import { TOP_N_STORED } from '@hitboard/schema';
import { rankChannelWindow, rankWindow } from './rank-window';
import { columnsOf, EMPTY_RANKED_WINDOW, expectedRankedChannels, expectedRankedWindow, productSums, tieHeavyCells } from './testing/tie-heavy-windows';

/**
 * rankWindow replaced four DuckDB `row_number()` windows: it must store the same rows with the same
 * ranks, ties broken by product_id in byte order, on windows larger than TOP_N_STORED with many ties.
 * The expected answer is the test kit's statement of that rule (ranksBy), not a copy of the engine's
 * DuckDB query: rollup-engine.spec.ts pits the real query against rank-window.ts.
 */
describe('rankWindow', () => {
  it.each([
    [1, 50],
    [2, 2500],
  ])('stores the rows, ranks and totals of ranking by metric, ties by product_id in byte order (seed %i, %i products)', (seed, n) => {
    const products = tieHeavyCells(seed, n, 2 * n, () => 'web');
    const ranked = rankWindow(columnsOf(products));
    expect(ranked).toEqual(expectedRankedWindow(products));
    if (n > TOP_N_STORED) expect(ranked.top.some((r) => r.rankUnits === null)).toBe(true); // the cut-off was exercised
  });

  it('gives zero totals and no rows for an empty window', () => {
    expect(rankWindow(columnsOf([]))).toEqual(EMPTY_RANKED_WINDOW);
  });

  it('per channel: ranks within the channel by the same rule, overall as rankWindow of the per-product sums', () => {
    const channels = ['app', 'marketplace', 'unknown', 'web'];
    // 3000 (product, channel) cells over 1500 products: web alone passes the 1000 cut.
    const cells = tieHeavyCells(3, 3000, 1500, (next) => (next() < 0.6 ? 'web' : channels[Math.floor(next() * 3)]!));
    const { channels: byChannel, ...overall } = rankChannelWindow(columnsOf(cells));
    expect(overall).toEqual(rankWindow(columnsOf(productSums(cells))));
    expect(byChannel).toEqual(expectedRankedChannels(cells));
    expect(byChannel.find((ch) => ch.channel === 'web')!.top.some((r) => r.rankUnits === null)).toBe(true); // the cut was exercised
  });
});
