import { clock } from '@hitboard/runtime/clock';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { SECURITY_HEADERS } from '../security-headers';
import type { Credentials } from './credentials';
import type { SessionCookie, Subject } from './session-cookie';
import { AttemptLimit } from './attempt-limit';
import { signInPage } from './sign-in-page';

/** Why a request was refused (the label of dashboard_access_refused_total). */
export type RefusalReason = 'no-credentials' | 'bad-token' | 'bad-cookie' | 'bad-password' | 'cross-origin' | 'upgrade' | 'too-many-attempts';

export const SIGN_IN_PATH = '/auth/sign-in';
export const SIGN_OUT_PATH = '/auth/sign-out';
/** On the sign-in page's address: the browser came from a `?token=` link whose token is not (or no longer) listed. */
const BAD_LINK_PARAM = 'invalid-link';
const FORM_LIMIT_BYTES = 16 * 1024;
// Deliberately the same body whatever was wrong: a refusal says nothing about the data or the credentials.
const REFUSED_BODY = JSON.stringify({ error: 'sign-in required' });

/**
 * Every request to the dashboard's port passes here before Next sees it. Allowed: a listed API token as
 * `Authorization: Bearer`, or a valid session cookie. The gate itself answers the sign-in page and form,
 * sign-out, and `?token=…` links (as Jupyter prints them: the token becomes a session cookie and the
 * link redirects to itself without it). Anything else is refused: 401 for the API and anything that is
 * not a page load, a redirect to the sign-in page for pages.
 */
export class AccessGate {
  private readonly byClient: AttemptLimit;
  private readonly byName: AttemptLimit;

  constructor(
    private readonly o: {
      credentials: Credentials;
      cookie: SessionCookie;
      clock?: () => number;
      onRefused?: (reason: RefusalReason) => void;
      /** Failed sign-ins allowed per name (5) and per client address (20) within `windowMs` (15 min); more answer 429. */
      attempts?: { perName: number; perClient: number; windowMs: number };
    },
  ) {
    const attempts = o.attempts ?? { perName: 5, perClient: 20, windowMs: 15 * 60_000 };
    this.byName = new AttemptLimit({ max: attempts.perName, windowMs: attempts.windowMs });
    this.byClient = new AttemptLimit({ max: attempts.perClient, windowMs: attempts.windowMs });
  }

  /** The request's subject when it may go on to the app; null when the gate has answered it. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<Subject | null> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const method = req.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    const secure = Boolean((req.socket as TLSSocket).encrypted) || req.headers['x-forwarded-proto'] === 'https';

    if (url.pathname === SIGN_IN_PATH) return this.signIn(req, res, url, secure);
    if (url.pathname === SIGN_OUT_PATH) return this.signOut(req, res, secure);

    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      // A credential that is given must be good: a tool with a stale token fails loudly, even beside a cookie.
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const subject = bearer ? this.o.credentials.token(bearer[1]!) : null;
      return subject ?? this.refuse(res, 'bad-token', url, isRead);
    }

    const token = url.searchParams.get('token');
    if (token !== null && isRead) {
      url.searchParams.delete('token');
      const subject = this.o.credentials.token(token);
      // A page link with a wrong token says so on the sign-in page (a stale `npm start` link is the usual cause).
      if (!subject) return this.refuse(res, 'bad-token', url, isRead, { badLink: true });
      this.answer(res, 303, { location: localPath(`${url.pathname}${url.search}`), 'set-cookie': this.o.cookie.setCookie(subject, this.o.credentials.credentialOf(subject)!, this.now(), secure) });
      return null;
    }

    const cookie = this.o.cookie.readFrom(req.headers.cookie);
    if (cookie !== undefined) {
      const subject = this.o.cookie.verify(cookie, this.now(), (s) => this.o.credentials.credentialOf(s));
      if (subject) return subject;
      return this.refuse(res, 'bad-cookie', url, isRead);
    }
    return this.refuse(res, 'no-credentials', url, isRead);
  }

  private async signIn(req: IncomingMessage, res: ServerResponse, url: URL, secure: boolean): Promise<null> {
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      const said = { signedOut: url.searchParams.has('signed-out'), badLink: url.searchParams.has(BAD_LINK_PARAM) };
      this.page(res, 200, signInPage({ next: localPath(url.searchParams.get('next')), failed: false, ...said }));
      return null;
    }
    if (method !== 'POST') return this.methodNotAllowed(res, 'GET, POST');
    if (crossOrigin(req)) return this.forbidden(res);
    const form = await readForm(req);
    if (!form) {
      this.answer(res, 413, { 'content-type': 'text/plain; charset=utf-8' }, 'form too large\n');
      return null;
    }
    const next = localPath(form.get('next'));
    const name = form.get('name') ?? '';
    // Counted before the scrypt runs: a limited client or name costs nothing (and learns nothing: the same 429 either way).
    const keys = [`client:${req.socket.remoteAddress ?? ''}`, `name:${name}`];
    const now = this.now();
    const waitMs = Math.max(this.byClient.retryAfterMs(keys[0]!, now), this.byName.retryAfterMs(keys[1]!, now));
    if (waitMs > 0) {
      this.o.onRefused?.('too-many-attempts');
      this.answer(res, 429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(Math.ceil(waitMs / 1000)) }, 'too many sign-in attempts: try again later\n');
      return null;
    }
    const subject = await this.o.credentials.password(name, form.get('password') ?? '');
    if (!subject) {
      this.byClient.fail(keys[0]!, now);
      this.byName.fail(keys[1]!, now);
      this.o.onRefused?.('bad-password');
      this.page(res, 401, signInPage({ next, failed: true }));
      return null;
    }
    this.byName.clear(keys[1]!);
    this.answer(res, 303, { location: next, 'set-cookie': this.o.cookie.setCookie(subject, this.o.credentials.credentialOf(subject)!, this.now(), secure) });
    return null;
  }

  private signOut(req: IncomingMessage, res: ServerResponse, secure: boolean): null {
    if (req.method !== 'POST') return this.methodNotAllowed(res, 'POST');
    if (crossOrigin(req)) return this.forbidden(res);
    // The cookie is stateless: sign-out removes it from this browser (a copied cookie lives until it expires).
    this.answer(res, 303, { location: `${SIGN_IN_PATH}?signed-out`, 'set-cookie': this.o.cookie.clearCookie(secure) });
    return null;
  }

  private refuse(res: ServerResponse, reason: RefusalReason, url: URL, isRead: boolean, say: { badLink?: boolean } = {}): null {
    this.o.onRefused?.(reason);
    const isPageLoad = isRead && !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/_next/');
    if (isPageLoad) {
      const next = `next=${encodeURIComponent(localPath(`${url.pathname}${url.search}`))}`;
      this.answer(res, 303, { location: `${SIGN_IN_PATH}?${next}${say.badLink ? `&${BAD_LINK_PARAM}` : ''}` });
    } else {
      this.answer(res, 401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="hitboard"' }, REFUSED_BODY);
    }
    return null;
  }

  private forbidden(res: ServerResponse): null {
    this.o.onRefused?.('cross-origin');
    this.answer(res, 403, { 'content-type': 'text/plain; charset=utf-8' }, 'cross-origin form refused\n');
    return null;
  }

  private methodNotAllowed(res: ServerResponse, allow: string): null {
    this.answer(res, 405, { allow, 'content-type': 'text/plain; charset=utf-8' }, 'method not allowed\n');
    return null;
  }

  private page(res: ServerResponse, status: number, html: string): void {
    this.answer(res, status, { 'content-type': 'text/html; charset=utf-8' }, html);
  }

  private answer(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
    for (const { key, value } of SECURITY_HEADERS) res.setHeader(key, value);
    res.writeHead(status, { 'cache-control': 'no-store', ...headers });
    res.end(body);
  }

  private now(): number {
    return (this.o.clock ?? clock.now)();
  }
}

const SITE = 'http://dashboard.invalid';

/**
 * A path on this site to go back to after signing in; anything else (another host, `//evil`, `/\t/evil`,
 * the auth pages) is `/`. Judged after the URL parser's own normalisation (it drops tabs and newlines and
 * reads `\` as `/`, as browsers do), and the normalised form is what is returned, so the Location header
 * says exactly what was checked.
 */
export function localPath(candidate: string | null | undefined): string {
  if (!candidate || !candidate.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(candidate, SITE);
  } catch {
    return '/';
  }
  if (url.origin !== SITE) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/auth/')) return '/';
  return path;
}

/** A form posted from another site (its Origin names another host): refused, so no page elsewhere signs a browser in or out. */
function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
