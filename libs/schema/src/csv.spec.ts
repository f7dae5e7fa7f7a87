import { csvCell, csvText } from './csv';

describe('the CSV writer', () => {
  it('quotes what RFC 4180 needs quoted and defuses formulas', () => {
    expect(['plain', 'a,b', 'say "hi"', 'line\nbreak', '', '=1+1', '-2', '+x', '@SUM(A1)', '\tx', '=HYPERLINK("u")'].map(csvCell)).toEqual([
      'plain', '"a,b"', '"say ""hi"""', '"line\nbreak"', '', "'=1+1", "'-2", "'+x", "'@SUM(A1)", "'\tx", `"'=HYPERLINK(""u"")"`,
    ]);
    expect(csvText([['a', 'b'], ['=x', 'y,z']])).toBe(`a,b\r\n'=x,"y,z"\r\n`);
  });
});
