export const dynamic = 'force-dynamic';

const BODY = JSON.stringify({ ok: true, what: 'a constant body: the framework floor /api/top is benchmarked against' });

/** Constant JSON, no database: the benchmark's baseline (what the framework alone costs per request). */
export function GET(): Response {
  return new Response(BODY, { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
}
