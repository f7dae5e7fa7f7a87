/**
 * Webhooks against real local HTTP servers, as an attacker who controls a receiver (or a sale event) would
 * try them: a redirect is not followed (neither the body nor the webhook's headers go where it points, and
 * what the redirect target answers is never read), an answer's body never becomes the stored reason, a
 * name resolving to loopback is refused at connect time, and a URL's user info never reaches the reason.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhook, type DeliveryOptions } from '../src/webhook';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A server that answers every request with `answer` and records what reached it. */
async function server(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: string }) {
  const hits: Hit[] = [];
  const s: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () => new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    }),
  };
}

const options: DeliveryOptions = { timeoutMs: 5000, attempts: 3, baseDelayMs: 5, maxDelayMs: 20, idempotencyKey: 'hitboard-alert-1' };
const SECRET_HEADERS = { 'x-api-key': 'key-1234-secret' };

describe('a webhook receiver that answers with a redirect', () => {
  let internal: Awaited<ReturnType<typeof server>>;
  beforeEach(async () => {
    internal = await server(() => ({ status: 500, body: 'INTERNAL-ONLY: aws_secret=AKIAEXAMPLESECRET' }));
  });
  afterEach(() => internal.close());

  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status}: not followed, nothing reaches where it points, and the delivery fails at once saying why`, async () => {
      const receiver = await server(() => ({ status, headers: { location: `${internal.url}/steal` } }));
      try {
        const result = await deliverWebhook({ url: `${receiver.url}/hook`, headers: SECRET_HEADERS, allowPrivateAddress: true }, { text: 'alert' }, options);
        expect(result).toEqual({ ok: false, attempts: 1, status, reason: `POST http://127.0.0.1:${receiver.port}/…: HTTP ${status} (redirects are not followed)` });
        expect(receiver.hits).toHaveLength(1);
        expect(receiver.hits[0]!.headers['x-api-key']).toBe('key-1234-secret');
        expect(internal.hits).toEqual([]);
      } finally {
        await receiver.close();
      }
    });
  }

  it('an error answer: the reason keeps the status, never the body', async () => {
    const result = await deliverWebhook({ url: `${internal.url}/hook`, headers: {}, allowPrivateAddress: true }, { text: 'alert' }, options);
    expect(result).toEqual({ ok: false, attempts: 3, status: 500, reason: `POST http://127.0.0.1:${internal.port}/…: HTTP 500` });
    expect(JSON.stringify(result)).not.toMatch(/INTERNAL|aws_secret|AKIA/);
  });
});

describe('a webhook pointing inward', () => {
  it('is refused when its address is loopback, private or link-local and the webhook does not allow it: nothing is sent', async () => {
    const receiver = await server(() => ({ status: 200 }));
    try {
      // By address (checked before connecting) and by a name that resolves to loopback (checked in the connect's lookup).
      for (const url of [`${receiver.url}/hook`, `http://localhost:${receiver.port}/hook`]) {
        const result = await deliverWebhook({ url, headers: {} }, { text: 'alert' }, options);
        expect(result).toMatchObject({ ok: false, attempts: 1, status: null });
        expect((result as { reason: string }).reason).toMatch(/: (127\.0\.0\.1|localhost) resolves to (127\.0\.0\.1|::1), a loopback, private or link-local address \(refused unless the webhook sets "allowPrivateAddress": true\)$/);
      }
      expect(receiver.hits).toEqual([]);
      // Allowed by name in the rules file: delivered.
      expect(await deliverWebhook({ url: `http://localhost:${receiver.port}/hook`, headers: {}, allowPrivateAddress: true }, { text: 'alert' }, options)).toEqual({ ok: true, attempts: 1, status: 200 });
    } finally {
      await receiver.close();
    }
  });
});

describe('a webhook URL with user info', () => {
  it('never puts the user or password into the reason', async () => {
    const receiver = await server(() => ({ status: 200 }));
    const port = receiver.port;
    await receiver.close(); // nothing listens there now: the request fails
    const result = await deliverWebhook({ url: `http://hookuser:pa55-s3cret@127.0.0.1:${port}/T0/B0/xyz`, headers: {}, allowPrivateAddress: true }, { text: 'alert' }, { ...options, attempts: 1 });
    expect(result).toEqual({ ok: false, attempts: 1, status: null, reason: `POST http://127.0.0.1:${port}/…: ECONNREFUSED` });
  });
});
