import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntervalRegistry } from '@hitboard/time';
import { holdStatus, pageStatus, pageSearchParams } from './page-status';

const registry = IntervalRegistry.standard('UTC');
const status = (query: string, categories: string[] | null = ['Toys']) => pageStatus(new URL(`http://x${query}`), registry, async () => categories);

describe('pageStatus', () => {
  it('is 400 for a bad parameter, 404 for an unknown category, null for everything the page shows normally', async () => {
    expect(await status('/?interval=fortnight')).toBe(400);
    expect(await status('/?interval=day&interval=week')).toBe(400);
    expect(await status('/?interval=day&category=Gnomes')).toBe(404);
    expect(await status('/?interval=day&category=Toys')).toBeNull();
    expect(await status('/')).toBeNull();
    // A client-side navigation's own `_rsc` is Next's, not the page's parameter.
    expect(await status('/?interval=day&_rsc=1x2y')).toBeNull();
    // Not the page: its routes judge their own parameters.
    expect(await status('/api/top?interval=fortnight')).toBeNull();
    // The catalog could not be read: the page decides (as it does when its own read fails).
    expect(await status('/?interval=day&category=Gnomes', null)).toBeNull();
  });

  it('hands the page its query as Next does: a repeated name is an array', () => {
    expect(pageSearchParams(new URLSearchParams('interval=day&k=1&k=2&_rsc=a'))).toEqual({ interval: 'day', k: ['1', '2'] });
  });
});

describe('holdStatus', () => {
  it('turns the 200 a renderer writes (implicitly, too) into the held status, and leaves its other statuses', async () => {
    const server: Server = createServer((req, res) => {
      holdStatus(res, 404);
      if (req.url === '/error') res.statusCode = 500;
      res.end('body'); // the implicit header: Node calls writeHead(res.statusCode)
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/error`)).status).toBe(500);
    } finally {
      server.close();
    }
  });
});
