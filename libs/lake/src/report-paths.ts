/**
 * Where scheduled reports (apps/notifier) land, relative to the lake root:
 * `reports/{report}/{report}-{localDate}.{csv|svg}`, e.g. `reports/daily/daily-2026-11-20.csv`.
 * Named by the window's first local day in the reporting zone (what a reader looks for), one file per
 * report and window, so a rebuilt report replaces its own files.
 */
export function reportFilePath(report: string, localDate: string, ext: 'csv' | 'svg'): string {
  // A day or longer: its first local day; shorter windows add their local start and offset (2026-11-20T1400+0530).
  if (!/^[a-z0-9_-]+$/i.test(report)) throw new Error(`report name ${JSON.stringify(report)} is not usable in a path`);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{4}[+-]\d{4})?$/.test(localDate)) throw new Error(`report date ${JSON.stringify(localDate)} is not YYYY-MM-DD[THHmm±HHMM]`);
  return `reports/${report}/${report}-${localDate}.${ext}`;
}
