import { Client } from 'pg';
import { SERVING_CHANGES_CHANNEL, TABLES } from '@hitboard/schema';
import { waitFor } from '@hitboard/testkit';
import { runWindow } from '../src/rollup-task';
import { H, randomCells, scenario, setWatermark, writeFlush, type Scenario } from './support';

/**
 * A publish is announced to the serving side (the dashboard's cache) on SERVING_CHANGES_CHANNEL
 * when its transaction commits — the window it made visible, and nothing while it is uncommitted or
 * when it rolls back (migration 0014's triggers fire inside the publish transaction).
 */
describe('a publish announces its window', () => {
  let s: Scenario;
  let listener: Client;
  let heard: string[];
  beforeEach(async () => {
    s = await scenario('UTC');
    listener = new Client({ connectionString: s.db.url });
    await listener.connect();
    heard = [];
    listener.on('notification', (m) => m.channel === SERVING_CHANGES_CHANNEL && heard.push(m.payload ?? ''));
    await listener.query(`LISTEN ${SERVING_CHANGES_CHANNEL}`);
  });
  afterEach(async () => {
    await listener.end();
    await s.close();
  });

  const t0 = Date.parse('2026-02-14T05:00:00Z');
  let barriers = 0;
  /** Everything committed so far has been heard: notifications arrive in commit order, so wait for one sent now. Returns what was heard and forgets it. */
  async function drain(): Promise<string[]> {
    const marker = `barrier-${++barriers}`;
    await s.knex.raw('SELECT pg_notify(?, ?)', [SERVING_CHANGES_CHANNEL, marker]);
    await waitFor(marker, async () => heard.includes(marker) || undefined, 30_000);
    const got = heard.filter((p) => !p.startsWith('barrier-'));
    heard = [];
    return got;
  }

  it('once committed, and not when the publish rolls back', async () => {
    await writeFlush(s, randomCells(93, t0, t0 + H, 200, 20));
    await setWatermark(s, t0 + 2 * H);
    const w = s.registry.windowAt('hour', t0);
    const key = `hour|${w.start.getTime()}`;

    // The publish fails at its last statement: its batch rows never became visible, and nothing may say they did.
    await s.knex.raw(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`);
    await s.knex.raw(`CREATE TRIGGER refuse BEFORE DELETE ON ${TABLES.windowTotals} FOR EACH STATEMENT EXECUTE FUNCTION refuse()`);
    await drain();
    await expect(runWindow(s.deps, w, 'scheduled')).rejects.toThrow(/refused/);
    // Only the run row's own commits (running, then failed) are announced; the rolled-back publish is not.
    expect(await drain()).toEqual([key, key]);
    expect(await s.knex(TABLES.batchTable).where({ interval: 'hour', window_start: w.start }).count('* as n').first()).toEqual({ n: 0n });

    await s.knex.raw(`DROP TRIGGER refuse ON ${TABLES.windowTotals}`);
    const outcome = await runWindow(s.deps, w, 'scheduled');
    expect(outcome.status).toBe('succeeded');
    // One notification per distinct payload per transaction: the run row's insert, then the whole publish.
    expect(await drain()).toEqual([key, key]);
  });
});
