import type { ImportSummary } from './importer';

const dollars = (cents: bigint) => `$${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** The summary an operator reads at the end of an import. */
export function formatSummary(s: ImportSummary, path: string, rejectsPath: string): string {
  if (s.outcome === 'skipped') {
    return [
      `${path}: already imported${s.previouslyFinishedAt ? ` on ${s.previouslyFinishedAt.toISOString()}` : ''} (sha256 ${s.sha256.slice(0, 12)}…, ${s.rowsSent} rows sent, ${s.rowsRejected} refused): skipped.`,
      'Use --force to send it again (the aggregator still drops event ids it saw within its dedupe window).',
    ].join('\n');
  }
  const reasons = Object.entries(s.rejectsByReason).map(([r, n]) => `${r} ${n}`).join(', ');
  return [
    `${path} (${s.format}, sha256 ${s.sha256.slice(0, 12)}…): ${s.outcome}${s.resumedFromRow > 0 ? ` from row ${s.resumedFromRow}` : ''}`,
    `  rows read      ${s.rowsRead}`,
    `  sent to Kafka  ${s.rowsSent}${s.rowsSentNow !== s.rowsSent ? ` (${s.rowsSentNow} by this run)` : ''}: ${s.units} units, ${dollars(s.revenueCents)}`,
    `  event times    ${iso(s.firstEventMs)} … ${iso(s.lastEventMs)}`,
    `  refused        ${s.rowsRejected}${reasons ? ` (${reasons}) → ${rejectsPath}` : ''}`,
    'The aggregator writes these to the lake as it consumes them; the batch layer rebuilds the windows they fall in.',
  ].join('\n');
}
