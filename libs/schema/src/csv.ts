/**
 * The project's one CSV writer (the dashboard's export, the notifier's reports): RFC 4180 (CRLF line ends,
 * fields quoted when they hold `"`, `,`, CR or LF), and formula-safe: a cell starting with = + - @ TAB or CR
 * is prefixed with `'`, so a spreadsheet shows the text instead of running it (`=HYPERLINK(…)` in a product
 * name). https://owasp.org/www-community/attacks/CSV_Injection
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Rows of cells (the first usually the header) as a CSV document, one CRLF after each row. */
export function csvText(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
