import { estimateWidth, wrapLabel } from './wrap-label';

const sevenPx = (s: string) => s.length * 7;

describe('wrapLabel', () => {
  it('keeps a label that fits on one line', () => {
    expect(wrapLabel('Kite', 100, sevenPx)).toEqual(['Kite']);
  });

  it('breaks at spaces and drops nothing', () => {
    const name = 'Compact Face Cream 50 ml for Sensitive Skin – Mechanical Keyboard';
    const lines = wrapLabel(name, 140, sevenPx);
    expect(lines.join(' ')).toBe(name);
    expect(lines.every((l) => sevenPx(l) <= 140)).toBe(true);
    expect(lines).toEqual(['Compact Face Cream', '50 ml for Sensitive', 'Skin – Mechanical', 'Keyboard']);
  });

  it('cuts a word wider than a line, and only such a word', () => {
    expect(wrapLabel('A Supercalifragilistic toy', 70, sevenPx)).toEqual(['A', 'Supercalif', 'ragilistic', 'toy']);
  });

  it('estimates widths from the font size when no canvas measures them', () => {
    expect(estimateWidth(10)('abcde')).toBe(30);
  });
});
