import { validateSaleEvent, type RejectionReason, type SaleEvent, type ValidatorOptions } from '@hitboard/schema';

export type RowReason = RejectionReason | 'malformed_row' | 'duplicate_event_id';

export type RowVerdict = { ok: true; event: SaleEvent; occurredAtMs: number } | { ok: false; reason: RowReason; field?: string; message: string };

const NUMERIC = ['quantity', 'unit_price_cents', 'lat', 'lon'] as const;
const NUMBER_TEXT = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * A CSV row arrives as text in every column: numbers written as numbers become numbers, empty
 * optional coordinates are absent, and anything else is left as it is for the validator to refuse
 * with its reason (a quantity of "two" is wrong_type, as it would be on Kafka).
 */
export function fromCsvText(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    // An empty cell is how CSV says "no value": a missing field (or an absent optional coordinate).
    if (value === null || value === '') continue;
    out[key] = (NUMERIC as readonly string[]).includes(key) && typeof value === 'string' && NUMBER_TEXT.test(value) ? Number(value) : value;
  }
  return out;
}

/**
 * Checks one row with the schema's own validator (the same decisions the aggregator makes on
 * Kafka), plus one check a file allows: an event_id already seen earlier in the file is refused
 * (the aggregator would drop it only within its dedupe window).
 */
export function checkRow(json: string, options: { format: 'csv' | 'ndjson' | 'parquet'; seen: Set<string>; validator?: ValidatorOptions; nowMs: number }): RowVerdict {
  // NDJSON lines go to the validator as they are (it measures and parses them, as on Kafka).
  let input: unknown = json;
  if (options.format === 'csv') {
    try {
      input = fromCsvText(JSON.parse(json) as Record<string, unknown>);
    } catch (err) {
      return { ok: false, reason: 'malformed_row', message: (err as Error).message };
    }
  } else if (options.format === 'parquet') {
    // Parquet rows come as DuckDB JSON where a NULL coordinate is `null`: an absent optional field.
    try {
      const parsed = JSON.parse(json) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const o = parsed as Record<string, unknown>;
        for (const k of ['lat', 'lon']) if (o[k] === null) delete o[k];
        input = o;
      }
    } catch {
      // not JSON: the validator says so (invalid_json)
    }
  }
  const result = validateSaleEvent(input, options.validator, options.nowMs);
  if (!result.ok) return { ok: false, reason: result.rejection.reason, ...(result.rejection.field ? { field: result.rejection.field } : {}), message: result.rejection.message };
  if (options.seen.has(result.event.event_id)) return { ok: false, reason: 'duplicate_event_id', field: 'event_id', message: `event_id ${result.event.event_id} appears earlier in the file` };
  options.seen.add(result.event.event_id);
  return result;
}
