import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword, newAccessToken, tokenSha256, type AccessFile } from '@hitboard/access';
import { AccessGate, localPath } from './access-gate';
import { Credentials } from './credentials';
import { SessionCookie } from './session-cookie';

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

/**
 * The gate in front of a real HTTP server (what passes it answers 200 "app"), with an access file of its own:
 * sessions against credential changes, and the sign-in form's attempt limit. The clock is injected.
 */
describe('AccessGate over HTTP', () => {
  const T0 = Date.parse('2026-12-02T10:00:00Z');
  const SECRET = 's'.repeat(32);
  let nowMs = T0;
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function serve(file: AccessFile, attempts?: { perName: number; perClient: number; windowMs: number }): Promise<string> {
    const gate = new AccessGate({ credentials: new Credentials(file), cookie: new SessionCookie(SECRET, 12 * 3_600_000), clock: () => nowMs, ...(attempts ? { attempts } : {}) });
    const server = createServer((req, res) => {
      void gate.handle(req, res).then((subject) => subject && res.end('app'));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const signIn = (base: string, name: string, password: string) =>
    fetch(`${base}/auth/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name, password, next: '/' }).toString() });
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;
  const api = async (base: string, cookie: string) => (await fetch(`${base}/api/top`, { headers: { cookie } })).status;

  it('a session ends when its user\'s password changes or its token is rotated (same name), as when it leaves the file', async () => {
    const token = newAccessToken();
    const before: AccessFile = { users: [{ name: 'ana', passwordHash: await hashPassword('old password 1') }], tokens: [{ name: 'ci', sha256: tokenSha256(token) }] };
    const a = await serve(before);
    const userCookie = cookieOf(await signIn(a, 'ana', 'old password 1'));
    const tokenCookie = cookieOf(await fetch(`${a}/?token=${token}`, { redirect: 'manual' }));
    expect([await api(a, userCookie), await api(a, tokenCookie)]).toEqual([200, 200]);

    // The same deployment (secret) restarted with the password changed and the token rotated.
    const after: AccessFile = { users: [{ name: 'ana', passwordHash: await hashPassword('new password 2') }], tokens: [{ name: 'ci', sha256: tokenSha256(newAccessToken()) }] };
    const b = await serve(after);
    expect([await api(b, userCookie), await api(b, tokenCookie)]).toEqual([401, 401]);
    // Unchanged credentials keep their sessions across the restart.
    const same = await serve(before);
    expect([await api(same, userCookie), await api(same, tokenCookie)]).toEqual([200, 200]);
  });

  it('a wrong ?token= link lands on the sign-in page saying the link was not valid, and signing in still goes back to the page', async () => {
    const base = await serve({ users: [{ name: 'ana', passwordHash: await hashPassword('right password') }], tokens: [{ name: 'ci', sha256: tokenSha256(newAccessToken()) }] });
    const link = await fetch(`${base}/?interval=day&token=${newAccessToken()}`, { redirect: 'manual' });
    expect(link.status).toBe(303);
    expect(link.headers.get('set-cookie')).toBeNull();
    const location = link.headers.get('location')!;
    expect(location).not.toContain('token');
    expect(new URL(location, base).searchParams.get('next')).toBe('/?interval=day');
    const page = await (await fetch(`${base}${location}`)).text();
    expect(page).toContain('That sign-in link is not valid (or has expired): sign in with your name and password.');
    expect(page).toContain('name="next" value="/?interval=day"');
    // Without a link the page says nothing of one.
    expect(await (await fetch(`${base}/auth/sign-in?next=%2F`)).text()).not.toContain('sign-in link is not valid');
  });

  it('sign-in attempts are limited per name and per client: 429 with Retry-After, before any password is hashed', async () => {
    nowMs = T0;
    const base = await serve({ users: [{ name: 'ana', passwordHash: await hashPassword('right password') }, { name: 'bo', passwordHash: await hashPassword('bo password 1') }], tokens: [] }, { perName: 3, perClient: 5, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await signIn(base, 'ana', `wrong ${i}`)).status).toBe(401);
    const limited = await signIn(base, 'ana', 'right password');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    // Another name from the same client still gets its tries, up to the client's limit.
    expect((await signIn(base, 'bo', 'wrong')).status).toBe(401);
    expect((await signIn(base, 'bo', 'wrong again')).status).toBe(401);
    expect((await signIn(base, 'bo', 'bo password 1')).status).toBe(429); // the client's 5 failures
    // Once the window has passed, the right password works.
    nowMs = T0 + 60_001;
    expect((await signIn(base, 'ana', 'right password')).status).toBe(303);
  });
});
