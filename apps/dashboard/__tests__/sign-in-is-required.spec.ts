/**
 * Access, over real HTTP against the built dashboard started by its documented command (src/serve.ts):
 * without credentials every route the build serves is refused (401 for the API, a redirect to the
 * sign-in page for pages) and the answer holds nothing; a listed Bearer token, a `?token=` link and the
 * sign-in form (scrypt) let in; a wrong, tampered, expired or other deployment's cookie or token does
 * not; health and metrics answer on the ops port only, without sign-in.
 * The build is the one the browser test uses (support/build.ts).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { tokenSha256 } from '@hitboard/access';
import { chosenClockEnv } from '@hitboard/runtime/clock';
import { IntervalRegistry } from '@hitboard/time';
import { TABLES } from '@hitboard/schema';
import { freshDatabase, TEST_READER_PASSWORD, waitFor, type FreshDatabase } from '@hitboard/testkit';
import { SessionCookie } from '../src/access/session-cookie';
import { distDir } from '../src/serve';
import { ensureTestBuild } from './support/build';
import { seedDemoWorld } from './support/demo-world';
import { startDashboard, type RunningDashboard } from './support/server';

jest.setTimeout(15 * 60_000);

const registry = IntervalRegistry.standard('UTC');
const REFUSED = { error: 'sign-in required' };
const HOUR_MS = 3_600_000;
/** The instant the world is seeded for and both servers' clocks start at: the hour asked for is current on them at any real time. */
const NOW_MS = Date.parse('2026-11-18T10:05:00Z');
/** The servers' clock (HITBOARD_CLOCK_START), for cookies signed as they would sign them. */
let serverClock: ReturnType<typeof chosenClockEnv>;

let db: FreshDatabase;
let a: RunningDashboard | undefined;
let b: RunningDashboard | undefined;
/** Every path the build serves (pages and API), from its own route manifest: a route added later is covered by itself. */
let routes: string[] = [];

beforeAll(async () => {
  await ensureTestBuild();
  routes = Object.values(JSON.parse(readFileSync(path.join(distDir(), 'app-path-routes-manifest.json'), 'utf8')) as Record<string, string>);
  db = await freshDatabase();
  await seedDemoWorld(db.knex, registry, NOW_MS);
  serverClock = chosenClockEnv(new Date(NOW_MS).toISOString());
  // Two deployments of one database: each its own secret, user and token.
  a = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, DASHBOARD_CACHE_MS: '0', ...serverClock.env });
  b = await startDashboard({ DATABASE_URL: db.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, DASHBOARD_CACHE_MS: '0', ...serverClock.env });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return get(url, { 'content-type': 'application/x-www-form-urlencoded', ...headers }, { method: 'POST', body: new URLSearchParams(form).toString() });
}

/** `name=value` of the Set-Cookie of an answer (what a browser would send back). */
function cookieOf(answer: Answer): string {
  const set = answer.headers.get('set-cookie');
  if (!set) throw new Error(`no Set-Cookie (status ${answer.status}): ${answer.text.slice(0, 200)}`);
  return set.split(';')[0]!;
}

const hourNow = () => registry.windowAt('hour', NOW_MS).start.toISOString();
const topUrl = (base: string) => `${base}/api/top?interval=hour&window=${encodeURIComponent(hourNow())}&k=10`;

describe('without credentials', () => {
  it('every route answers 401 (API) or a redirect to sign-in (pages), and the answer holds nothing', async () => {
    expect(routes).toEqual(expect.arrayContaining(['/', '/api/top', '/api/top.csv', '/api/movers']));
    const paths = [...routes.filter((r) => !r.startsWith('/_')).map((r) => (r === '/api/top.csv' ? `${r}?interval=hour` : r)), '/api/no-such-route', '/_next/static/chunks/x.js', '/api/healthz', '/api/metrics'];
    for (const p of paths) {
      const answer = await get(`${a!.base}${p}`);
      const isPage = !p.startsWith('/api/') && !p.startsWith('/_next/');
      if (isPage) {
        expect([p, answer.status]).toEqual([p, 303]);
        expect(answer.headers.get('location')).toBe(`/auth/sign-in?next=${encodeURIComponent(p)}`);
        expect(answer.text).toBe('');
      } else {
        expect([p, answer.status]).toEqual([p, 401]);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="hitboard"');
        expect(JSON.parse(answer.text)).toEqual(REFUSED);
      }
      expect(answer.headers.get('set-cookie')).toBeNull();
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
    }
    // Writes too.
    expect((await get(`${a!.base}/api/top?interval=hour`, {}, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('the sign-in page is the one thing served: a form, with no data', async () => {
    const page = await get(`${a!.base}/auth/sign-in?next=${encodeURIComponent('/?interval=day')}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<form method="post" action="\/auth\/sign-in">/);
    expect(page.text).toContain('value="/?interval=day"');
    expect(page.text).not.toMatch(/Trail Runner|Chef Knife|P0001/);
  });
});

/** Sends a raw upgrade request and collects what comes back; `closed` turns true when the server closes the socket. */
function upgrade(base: string, path: string, headers: Record<string, string> = {}) {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  const state = { answer: '', closed: false };
  socket.on('data', (c: Buffer) => (state.answer += c.toString('utf8')));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => undefined);
  const lines = [`GET ${path} HTTP/1.1`, `host: ${url.host}`, 'connection: Upgrade', 'upgrade: websocket', 'sec-websocket-version: 13', 'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return { state, destroy: () => socket.destroy() };
}

describe('upgrade requests (WebSocket)', () => {
  it('are answered and closed at once, with or without credentials, even after Next has served a signed-in request', async () => {
    // Next hooks its own upgrade handler onto the server at the first request it handles: make sure one ran.
    expect((await get(topUrl(a!.base), a!.auth)).status).toBe(200);
    const tries = [
      upgrade(a!.base, '/_next/webpack-hmr'),
      upgrade(a!.base, '/api/no-such-socket'),
      upgrade(a!.base, '/'),
      upgrade(a!.base, '/_next/webpack-hmr', a!.auth),
    ];
    try {
      await waitFor('every upgrade socket to be closed by the dashboard', async () => tries.every((t) => t.state.closed), 15_000);
      for (const t of tries) {
        expect(t.state.answer).toMatch(/^HTTP\/1\.1 404 /);
        expect(t.state.answer).not.toMatch(/101 Switching/);
      }
    } finally {
      for (const t of tries) t.destroy();
    }
  });
});

describe('an API token', () => {
  it('as Bearer: the API, the CSV and the page answer', async () => {
    const top = await get(topUrl(a!.base), a!.auth);
    expect(top.status).toBe(200);
    expect(JSON.parse(top.text).rows).toHaveLength(10);
    expect((await get(`${a!.base}/api/top.csv?interval=hour`, a!.auth)).text).toMatch(/^rank,product_id/);
    const page = await get(`${a!.base}/?interval=hour`, a!.auth);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="top-table"');
  });

  it('a wrong or malformed Bearer is a 401, even beside a good cookie', async () => {
    const cookie = cookieOf(await get(`${a!.base}/?token=${a!.access.token}`));
    expect((await get(topUrl(a!.base), { cookie })).status).toBe(200);
    for (const authorization of [`Bearer ${a!.access.token}x`, `Bearer ${b!.access.token}`, 'Bearer', `Basic ${a!.access.token}`]) {
      const answer = await get(topUrl(a!.base), { authorization, cookie });
      expect([authorization, answer.status]).toEqual([authorization, 401]);
      expect(JSON.parse(answer.text)).toEqual(REFUSED);
    }
  });

  it('as a ?token= link (what npm start prints): becomes an HttpOnly, SameSite=Lax session cookie and redirects to the same page without it', async () => {
    const link = await get(`${a!.base}/?interval=day&token=${encodeURIComponent(a!.access.token)}&metric=revenue`);
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/?interval=day&metric=revenue');
    expect(link.headers.get('set-cookie')).toMatch(/^hitboard_session_[0-9a-f]{8}=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    const cookie = cookieOf(link);
    expect((await get(`${a!.base}/?interval=day&metric=revenue`, { cookie })).status).toBe(200);
    expect((await get(topUrl(a!.base), { cookie })).status).toBe(200);

    const bad = await get(`${a!.base}/?interval=day&token=${encodeURIComponent(`${a!.access.token}x`)}`);
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toBe(`/auth/sign-in?next=${encodeURIComponent('/?interval=day')}&invalid-link`);
    expect((await get(`${a!.base}${bad.headers.get('location')}`)).text).toContain('That sign-in link is not valid (or has expired)');
    expect(bad.headers.get('set-cookie')).toBeNull();
  });
});

describe('the sign-in form', () => {
  it('checks the password against its scrypt hash; a session follows, and signing out ends it in the browser', async () => {
    const { name, password } = a!.access.user;
    for (const [user, pw] of [[name, `${password}x`], [name, ''], ['nobody', password], [name.toUpperCase(), password]] as const) {
      const refused = await post(`${a!.base}/auth/sign-in`, { name: user, password: pw, next: '/?interval=week' });
      expect([user, pw, refused.status]).toEqual([user, pw, 401]);
      expect(refused.text).toMatch(/Wrong name or password/);
      expect(refused.headers.get('set-cookie')).toBeNull();
    }
    const signedIn = await post(`${a!.base}/auth/sign-in`, { name, password, next: '/?interval=week' });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/?interval=week');
    const cookie = cookieOf(signedIn);
    expect((await get(`${a!.base}/?interval=week`, { cookie })).status).toBe(200);
    expect((await get(topUrl(a!.base), { cookie })).status).toBe(200);

    // Never sent elsewhere after signing in.
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '\t//evil.example']) {
      const answer = await post(`${a!.base}/auth/sign-in`, { name, password, next });
      expect([next, answer.status, answer.headers.get('location')]).toEqual([next, 303, '/']);
    }
    // A form posted from another site is refused.
    expect((await post(`${a!.base}/auth/sign-in`, { name, password, next: '/' }, { origin: 'https://evil.example' })).status).toBe(403);

    const signedOut = await post(`${a!.base}/auth/sign-out`, {}, { cookie });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toBe('/auth/sign-in?signed-out');
    expect(signedOut.headers.get('set-cookie')).toMatch(/^hitboard_session_[0-9a-f]{8}=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax$/);
  });
});

describe('a session cookie', () => {
  it('tampered, expired, for someone not listed, or signed with another secret: refused', async () => {
    const good = cookieOf(await get(`${a!.base}/?token=${a!.access.token}`));
    const [cookieName, value] = [good.slice(0, good.indexOf('=')), good.slice(good.indexOf('=') + 1)];
    const [payload, mac] = value.split('.') as [string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    // As the deployment signs a session of its API token (named "tests", bound to the token's SHA-256).
    const forged = (secret: string, name: string, nowMs: number) => new SessionCookie(secret, 12 * HOUR_MS).sign({ kind: 'token', name }, tokenSha256(a!.access.token), nowMs);
    const now = serverClock.clock.now();
    const refusedValues: Record<string, string> = {
      'payload changed': `${flip(payload, 2)}.${mac}`,
      'signature changed': `${payload}.${flip(mac, 5)}`,
      'signature cut': `${payload}.${mac.slice(0, 20)}`,
      'no signature': payload,
      'signed by this deployment, expired': forged(a!.access.sessionSecret, 'tests', now - 13 * HOUR_MS),
      'signed by this deployment for a user not listed': forged(a!.access.sessionSecret, 'mallory', now),
      'signed with another secret': forged(b!.access.sessionSecret, 'tests', now),
    };
    expect((await get(topUrl(a!.base), { cookie: `${cookieName}=${forged(a!.access.sessionSecret, 'tests', now)}` })).status).toBe(200);
    for (const [what, bad] of Object.entries(refusedValues)) {
      const api = await get(topUrl(a!.base), { cookie: `${cookieName}=${bad}` });
      expect([what, api.status, api.text]).toEqual([what, 401, JSON.stringify(REFUSED)]);
      const page = await get(`${a!.base}/`, { cookie: `${cookieName}=${bad}` });
      expect([what, page.status]).toEqual([what, 303]);
    }
  });

  it('and a token of one deployment does not open another', async () => {
    // b is the same database, another secret and other credentials.
    const aCookie = cookieOf(await get(`${a!.base}/?token=${a!.access.token}`));
    const bCookieName = cookieOf(await get(`${b!.base}/?token=${b!.access.token}`)).split('=')[0]!;
    expect(bCookieName).not.toBe(aCookie.split('=')[0]);
    expect((await get(topUrl(b!.base), b!.auth)).status).toBe(200);
    expect((await get(topUrl(b!.base), a!.auth)).status).toBe(401);
    expect((await get(`${b!.base}/?token=${a!.access.token}`)).headers.get('set-cookie')).toBeNull();
    // a's cookie as it is, and under b's name: b does not accept it.
    expect((await get(topUrl(b!.base), { cookie: aCookie })).status).toBe(401);
    expect((await get(topUrl(b!.base), { cookie: `${bCookieName}=${aCookie.slice(aCookie.indexOf('=') + 1)}` })).status).toBe(401);
  });
});

describe('the ops port', () => {
  it('serves /healthz and /metrics without sign-in, and nothing else; the app port does not serve them', async () => {
    await get(topUrl(a!.base), a!.auth);
    await get(`${a!.base}/api/top?interval=hour&k=nope`, a!.auth);
    const health = await get(`${a!.opsBase}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ ok: true });
    const metrics = await get(`${a!.opsBase}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/dashboard_request_seconds_count\{app="dashboard",route="\/api\/top",status="200"\} [1-9]/);
    expect(metrics.text).toMatch(/dashboard_request_seconds_count\{app="dashboard",route="\/api\/top",status="400"\} [1-9]/);
    expect(metrics.text).toMatch(/dashboard_access_refused_total\{reason="no-credentials",app="dashboard"\} [1-9]/);
    expect(metrics.text).toMatch(/dashboard_access_refused_total\{reason="bad-cookie",app="dashboard"\} [1-9]/);
    expect((await get(`${a!.opsBase}/api/top?interval=hour`)).status).toBe(404);
    expect((await get(`${a!.base}/healthz`)).status).toBe(303); // a page path on the app port: sign in first
    expect((await get(`${a!.base}/metrics`)).status).toBe(303);
  });

  it('/healthz is 503 when its reporting zone is not the one the deployment recorded', async () => {
    const other = await freshDatabase();
    try {
      await other.knex(TABLES.deploymentSettings).insert({ name: 'REPORTING_TIME_ZONE', value: 'Asia/Kolkata', recorded_by: 'batch-rollup' });
      const utc = await startDashboard({ DATABASE_URL: other.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, REPORTING_TIME_ZONE: 'UTC' }, { untilHealthy: false });
      try {
        const health = await get(`${utc.opsBase}/healthz`);
        expect(health.status).toBe(503);
        expect(JSON.parse(health.text)).toEqual({ ok: false, error: expect.stringMatching(/REPORTING_TIME_ZONE is "UTC" here but "Asia\/Kolkata" in deployment_settings \(recorded by batch-rollup/) });
      } finally {
        await utc.stop();
      }
      const kolkata = await startDashboard({ DATABASE_URL: other.url, HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD, REPORTING_TIME_ZONE: 'Asia/Kolkata' });
      try {
        expect((await get(`${kolkata.opsBase}/healthz`)).status).toBe(200);
      } finally {
        await kolkata.stop();
      }
    } finally {
      await other.drop();
    }
  });

  it('/healthz is 503 when the reader cannot query the database', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/hitboard_no_such_database';
    const away = await startDashboard({ DATABASE_URL: missing.toString(), HITBOARD_READER_PASSWORD: TEST_READER_PASSWORD }, { untilHealthy: false });
    try {
      const health = await get(`${away.opsBase}/healthz`);
      expect(health.status).toBe(503);
      expect(JSON.parse(health.text)).toEqual({ ok: false, database: 'unreachable' });
      // And the API behind the gate answers the generic 500, no SQL, no database name.
      const top = await get(topUrl(away.base), away.auth);
      expect(top.status).toBe(500);
      expect(top.text).not.toMatch(/hitboard_no_such_database|select/i);
    } finally {
      await away.stop();
    }
  });
});
