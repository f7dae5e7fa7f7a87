/**
 * Breaks a label into lines no wider than `maxWidthPx`, at spaces where it can, inside a word only when
 * the word alone is wider than a line. Nothing is dropped: joined with spaces, the lines give the label
 * back (a word wider than a line is split without a space). `measure` returns a string's width in px
 * (the browser's canvas, or an estimate on the server).
 */
export function wrapLabel(text: string, maxWidthPx: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const joined = line ? `${line} ${word}` : word;
    if (measure(joined) <= maxWidthPx) {
      line = joined;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    // A word wider than a whole line is cut where it must be.
    let rest = word;
    while (measure(rest) > maxWidthPx && rest.length > 1) {
      let cut = rest.length - 1;
      while (cut > 1 && measure(rest.slice(0, cut)) > maxWidthPx) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/** A width estimate for when no canvas is at hand (server render): about 0.6 em per character. */
export const estimateWidth = (fontSizePx: number) => (s: string) => s.length * fontSizePx * 0.6;
