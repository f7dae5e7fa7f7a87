import { getEventListeners } from 'node:events';
import { Counter } from 'prom-client';
import { createMetricsRegistry, startOpsServer } from './ops-server';
import { HitboardError } from '@hitboard/errors';
import { NotRetriableError, retry, sleep } from './retry';

describe('startOpsServer', () => {
  it('serves /metrics and /healthz', async () => {
    const registry = createMetricsRegistry('test');
    new Counter({ name: 'hitboard_things_total', help: 'things', registers: [registry] }).inc(3);
    let ok = true;
    const server = await startOpsServer({ port: 0, registry, health: () => ({ ok, lag: 7 }) });
    try {
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(metrics).toContain('hitboard_things_total{app="test"} 3');
      const healthy = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect([healthy.status, await healthy.json()]).toEqual([200, { ok: true, lag: 7 }]);
      ok = false;
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});

describe('retry', () => {
  it('retries until success and reports each retry', async () => {
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'done';
      },
      { baseDelayMs: 1, onRetry: (_e, attempt) => seen.push(attempt) },
    );
    expect([result, seen]).toEqual(['done', [1, 2]]);
  });

  it('gives up after the allowed attempts with the last error', async () => {
    await expect(retry(async (a) => Promise.reject(new Error(`fail ${a}`)), { attempts: 2, baseDelayMs: 1 })).rejects.toThrow('fail 2');
  });

  it('stops at once on an error that cannot pass, and says why', async () => {
    let calls = 0;
    const refused = new HitboardError('value refused by Postgres', { retriable: false });
    const failure = retry(
      async () => {
        calls++;
        throw refused;
      },
      { baseDelayMs: 1 },
    );
    await expect(failure).rejects.toThrow(NotRetriableError);
    await expect(failure).rejects.toMatchObject({ cause: refused, message: expect.stringContaining('value refused by Postgres') });
    expect(calls).toBe(1);
  });

  it('keeps retrying an error that says it may pass', async () => {
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 3) throw new HitboardError('connection refused', { retriable: true });
        return calls;
      },
      { baseDelayMs: 1 },
    );
    expect(result).toBe(3);
  });
});

describe('sleep', () => {
  it('resolves early on abort and leaves no listener behind when it times out', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const started = performance.now();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await pending;
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});
