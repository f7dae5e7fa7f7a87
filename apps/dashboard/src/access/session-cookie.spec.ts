import { SessionCookie } from './session-cookie';

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-12-02T10:00:00Z');
const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(32);
/** The credential the sessions are made from (a user's password hash, a token's SHA-256), as the access file lists it. */
const CRED = 'scrypt$32768$8$1$salt$hash';
const same = () => CRED;

describe('SessionCookie', () => {
  const cookie = new SessionCookie(SECRET_A, 12 * HOUR_MS);

  it('gives back the subject of a value it signed, until it expires', () => {
    const value = cookie.sign({ kind: 'user', name: 'ana' }, CRED, T0);
    expect(cookie.verify(value, T0, same)).toEqual({ kind: 'user', name: 'ana' });
    expect(cookie.verify(value, T0 + 12 * HOUR_MS - 1, same)).toEqual({ kind: 'user', name: 'ana' });
    expect(cookie.verify(value, T0 + 12 * HOUR_MS, same)).toBeNull();
    expect(cookie.verify(cookie.sign({ kind: 'token', name: 'ci' }, CRED, T0), T0, same)).toEqual({ kind: 'token', name: 'ci' });
  });

  it('refuses any change to the value, and values signed with another secret', () => {
    const value = cookie.sign({ kind: 'user', name: 'ana' }, CRED, T0);
    const [payload, mac] = value.split('.') as [string, string];
    const other = new SessionCookie(SECRET_B, 12 * HOUR_MS);
    // The same subject and expiry, re-encoded with a longer life: the signature no longer fits.
    const extended = Buffer.from(`user:ana:${T0 + 1000 * HOUR_MS}:${Buffer.from(payload, 'base64url').toString().split(':')[3]}`).toString('base64url');
    for (const bad of [`${extended}.${mac}`, `${payload}.`, `.${mac}`, payload, `${payload}.${mac}x`, other.sign({ kind: 'user', name: 'ana' }, CRED, T0), '']) {
      expect(cookie.verify(bad, T0, same)).toBeNull();
    }
    expect(other.name).not.toBe(cookie.name);
  });

  it('reads its own cookie from a Cookie header, and sets it HttpOnly and SameSite=Lax', () => {
    const value = cookie.sign({ kind: 'user', name: 'ana' }, CRED, T0);
    expect(cookie.readFrom(`theme=dark; ${cookie.name}=${value}; x=1`)).toBe(value);
    expect(cookie.readFrom('theme=dark')).toBeUndefined();
    expect(cookie.setCookie({ kind: 'user', name: 'ana' }, CRED, T0, false)).toBe(`${cookie.name}=${value}; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax`);
    expect(cookie.setCookie({ kind: 'user', name: 'ana' }, CRED, T0, true)).toMatch(/; Secure$/);
    expect(cookie.clearCookie(false)).toBe(`${cookie.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  });

  it('is bound to the credential it was made from: a changed password or rotated token ends it, as does leaving the file', () => {
    const value = cookie.sign({ kind: 'user', name: 'ana' }, CRED, T0);
    expect(cookie.verify(value, T0, () => CRED)).toEqual({ kind: 'user', name: 'ana' });
    expect(cookie.verify(value, T0, () => 'scrypt$32768$8$1$salt$otherhash')).toBeNull();
    expect(cookie.verify(value, T0, () => null)).toBeNull();
    // Nothing of the credential is readable in the cookie.
    expect(Buffer.from(value.split('.')[0]!, 'base64url').toString()).not.toContain('hash');
  });
});
