/** What a top-K list is ranked by: the same strings as `Metric` in `@hitboard/schema`. */
export type TopKMetric = 'units' | 'revenue';
export const TOPK_METRICS: readonly TopKMetric[] = ['units', 'revenue'];
