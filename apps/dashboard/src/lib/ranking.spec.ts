import { closedMovingAverage, movement, movingAverage, share, toCsv } from './ranking';
import type { TopRow } from './types';

describe('movement', () => {
  it('is new without a previous rank, up/down by the difference, same otherwise', () => {
    expect(movement(3, undefined)).toEqual({ kind: 'new', by: null });
    expect(movement(3, null)).toEqual({ kind: 'new', by: null });
    expect(movement(1, 4)).toEqual({ kind: 'up', by: 3 });
    expect(movement(5, 2)).toEqual({ kind: 'down', by: 3 });
    expect(movement(2, 2)).toEqual({ kind: 'same', by: 0 });
    // Against a previous window with no data at all there is no comparison, not ten NEWs.
    expect(movement(3, undefined, false)).toEqual({ kind: 'none', by: null });
  });
});

describe('share', () => {
  it('is the fraction of the total, exact past 2^53, null when the total is unknown or zero', () => {
    expect(share(25n, 100n)).toBe(0.25);
    expect(share(2n ** 60n, 2n ** 62n)).toBe(0.25);
    expect(share(1n, null)).toBeNull();
    expect(share(0n, 0n)).toBeNull();
  });
});

describe('movingAverage', () => {
  it('averages the known values of the trailing windows, skipping gaps', () => {
    expect(movingAverage([10n, null, 20n, 30n], 2)).toEqual([10, 10, 20, 25]);
    expect(movingAverage([null, null], 3)).toEqual([null, null]);
  });
});

describe('toCsv', () => {
  const row = (patch: Partial<TopRow>): TopRow => ({
    rank: 1,
    productId: 'P1',
    name: 'Ball',
    category: 'Toys',
    units: '5',
    revenue: '500',
    errorBound: '0',
    share: 0.5,
    movement: { kind: 'up', by: 2 },
    ...patch,
  });
  it('quotes commas and quotes, and defuses spreadsheet formulas', () => {
    const csv = toCsv([row({}), row({ rank: 2, name: 'Say "hi", now', movement: { kind: 'new', by: null } }), row({ rank: 3, name: '=HYPERLINK("x")', share: null })], {
      source: 'exact',
      shareOf: 'window total',
    });
    expect(csv.split('\r\n')).toEqual([
      'rank,product_id,name,category,units,revenue_cents,error_bound,source,share,share_of,movement,previous_rank',
      '1,P1,Ball,Toys,5,500,0,exact,0.5,window total,up,3',
      '2,P1,"Say ""hi"", now",Toys,5,500,0,exact,0.5,window total,new,',
      `3,P1,"'=HYPERLINK(""x"")",Toys,5,500,0,exact,,,up,5`,
      '',
    ]);
  });
});

describe('closedMovingAverage', () => {
  it('leaves the open window (a partial figure) out of the average, and gives it none', () => {
    expect(closedMovingAverage([10n, 20n, 3n], [false, false, true], 2)).toEqual([10, 15, null]);
    expect(movingAverage([10n, 20n, 3n], 2)).toEqual([10, 15, 11.5]); // what the chart drew before: a drop at the end
  });
});
