import { setTimeout as sleep } from 'node:timers/promises';
import { pollUntil } from '@hitboard/runtime';

/**
 * Polls `probe` until it returns a value other than `undefined` or `false`, and returns that value;
 * throws `timed out after … waiting for <what>` past `timeoutMs`. For scenario tests waiting on
 * another process or a broker (a ledger catching up, a checkpoint reaching the end of a topic).
 * The loop is libs/runtime's `pollUntil`, which the tools use too.
 */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 100): Promise<T> {
  return pollUntil(what, probe, { timeoutMs, everyMs });
}

/**
 * The opposite wait: `probe` must stay true for `forMs` (read every `everyMs`); throws `… stopped
 * holding after … ms: <what>` the first time it is not. For "nothing happens meanwhile" (a refused
 * partition consumes nothing, a member stays in its group): a blind sleep followed by one look would
 * miss a state that came and went, and would not say when it broke.
 */
export async function holdsFor(what: string, probe: () => Promise<boolean>, forMs: number, everyMs = 250): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (!(await probe())) throw new Error(`stopped holding after ${Math.round(performance.now() - started)} ms: ${what}`);
    if (performance.now() - started >= forMs) return;
    await sleep(everyMs);
  }
}
