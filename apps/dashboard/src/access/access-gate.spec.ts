import { localPath } from './access-gate';

describe('localPath (where sign-in sends the browser back to)', () => {
  it('keeps a path on this site, with its query', () => {
    expect(localPath('/?interval=week&metric=revenue')).toBe('/?interval=week&metric=revenue');
    expect(localPath('/api/top?interval=hour')).toBe('/api/top?interval=hour');
  });

  it('sends anything that a browser would read as another site to /', () => {
    // Browsers drop tab, CR and LF anywhere in a URL and read `\` as `/`: `/<TAB>/evil.example` is `//evil.example`.
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '\t//evil.example', '/\\/evil.example', 'evil.example', '', null, undefined]) {
      expect([bad, localPath(bad)]).toEqual([bad, '/']);
    }
  });

  it('never returns a value a header cannot carry, nor the auth pages', () => {
    expect(localPath('/a\nb')).toBe('/ab');
    expect(localPath('/auth/sign-in')).toBe('/');
    expect(localPath('/auth/sign-out')).toBe('/');
    expect(localPath('/\t/auth/x')).toBe('/');
    for (const path of ['/a\nb', '/x y', '/ü', '/\u0000']) expect(localPath(path)).toMatch(/^\/[\x21-\x7e]*$/);
  });
});
