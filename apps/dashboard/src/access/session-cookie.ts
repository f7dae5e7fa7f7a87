import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who a request acts for: a signed-in user or an API token, by its name in the access file. */
export interface Subject {
  kind: 'user' | 'token';
  name: string;
}

/**
 * Sessions as signed cookies: `base64url(kind:name:expiresMs:binding).base64url(HMAC-SHA256)`, where `binding`
 * is a MAC of the credential the session was made from (the user's password hash, the token's SHA-256): a
 * changed password or a rotated token (same name) ends every session made from the old one at the next start. Nothing is kept
 * on the server, so any number of dashboard processes sharing DASHBOARD_SESSION_SECRET accept each
 * other's cookies, and a cookie made with another deployment's secret fails its signature. The cookie's
 * name also derives from the secret, so two deployments on one host (cookies ignore ports) do not
 * overwrite each other's session.
 */
export class SessionCookie {
  readonly name: string;
  private readonly key: Buffer;

  constructor(
    secret: string,
    readonly lifetimeMs: number,
  ) {
    // Separate keys per purpose from one secret, so the public cookie name reveals nothing about the signing key.
    this.key = createHmac('sha256', secret).update('hitboard session signing key v1').digest();
    this.name = `hitboard_session_${createHmac('sha256', secret).update('hitboard session cookie name v1').digest('hex').slice(0, 8)}`;
  }

  /** The cookie's value for `subject`, made from `credential` (its stored hash), valid until nowMs + lifetime. */
  sign(subject: Subject, credential: string, nowMs: number): string {
    const payload = Buffer.from(`${subject.kind}:${subject.name}:${nowMs + this.lifetimeMs}:${this.binding(subject, credential)}`, 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /**
   * The subject of a well-signed, unexpired value whose credential is still the one `credentialOf` gives
   * (null: the subject is no longer listed); null for anything else.
   */
  verify(value: string, nowMs: number, credentialOf: (subject: Subject) => string | null): Subject | null {
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const payload = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const m = /^(user|token):([^:]+):(\d+):([A-Za-z0-9_-]+)$/.exec(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!m || Number(m[3]) <= nowMs) return null;
    const subject = { kind: m[1] as Subject['kind'], name: m[2]! };
    const credential = credentialOf(subject);
    if (credential === null) return null;
    const expectedBinding = Buffer.from(this.binding(subject, credential));
    const bound = Buffer.from(m[4]!);
    return bound.length === expectedBinding.length && timingSafeEqual(bound, expectedBinding) ? subject : null;
  }

  /** `Set-Cookie` for a fresh session: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it). */
  setCookie(subject: Subject, credential: string, nowMs: number, secure: boolean): string {
    return `${this.name}=${this.sign(subject, credential, nowMs)}; Path=/; Max-Age=${Math.floor(this.lifetimeMs / 1000)}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  /** `Set-Cookie` that removes the session (sign-out). */
  clearCookie(secure: boolean): string {
    return `${this.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  /** This deployment's session cookie in a `Cookie` header, if any. */
  readFrom(cookieHeader: string | undefined): string | undefined {
    for (const part of (cookieHeader ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.name) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  /** Ties a session to its credential without putting the credential (or a plain hash of it) in the cookie. */
  private binding(subject: Subject, credential: string): string {
    return createHmac('sha256', this.key).update(`binding:${subject.kind}:${subject.name}:${credential}`).digest('base64url').slice(0, 22);
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
