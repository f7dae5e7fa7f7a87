/**
 * Issue 29: a stop is bounded whatever is unreachable. The real main.ts (a child process) is stopped
 * while Postgres hangs (its process stopped: a frozen proxy, connections and queries never answer)
 * and it holds records applied since its last checkpoint. It must exit 0 within its stop bound, say
 * that the last checkpoint was not written, give its shards back (leave the group), and the next start
 * must resume from the last committed checkpoint: every record counted once, as the truth says.
 */
import { startTcpProxy, waitFor, type AppProcess } from '@hitboard/testkit';
import { BROKERS, describeWithKafka, oneRecordFlushes, startStoppableMain, unique, unitsByWindow, unitsOf, useScenario, waitForCheckpoints } from './support';

describeWithKafka('a stop is bounded with Postgres gone', () => {
  const s = useScenario();
  const apps: AppProcess[] = [];
  afterEach(async () => void (await Promise.all(apps.splice(0).map((a) => a.stop()))));

  const records = oneRecordFlushes(40);

  it('SIGTERM with Postgres hanging: exits 0 within the bound, says the checkpoint was not written, leaves the group; the next start counts every record once', async () => {
    const topic = await s.topic(2);
    const group = unique('speed-stop');
    const direct = new URL(s.db.url);
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const start = (name: string, databaseUrl: string) =>
      // 30 s session: a member that did not leave would still be listed after the exit
      startStoppableMain(apps, name, { brokers: BROKERS, databaseUrl, topic, groupId: group, sessionTimeoutMs: 30_000 });
    const members = async () => {
      const admin = s.kafka.admin();
      await admin.connect();
      try {
        return (await admin.describeGroups([group])).groups[0]?.members.length ?? 0;
      } finally {
        await admin.disconnect();
      }
    };
    try {
      const first = start('stopped while Postgres hangs', Object.assign(new URL(s.db.url), { port: String(proxy.port) }).toString());
      await s.publish(topic, records.slice(0, 20));
      await waitForCheckpoints(s.db.knex, s.kafka, topic, 60_000);
      proxy.freeze();
      await s.publish(topic, records.slice(20));
      const opsPort = Number(/"opsPort":(\d+)/.exec(first.output())?.[1]);
      await waitFor('the second half to be applied (not checkpointed)', async () => {
        const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
        return [...text.matchAll(/^hitboard_speed_records_applied_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0) === records.length;
      });
      expect(await members()).toBe(1);

      await first.stop();
      expect(await first.finished()).toEqual({ code: 0, signal: null });
      expect(first.output()).not.toMatch(/stop bound reached/);
      expect(first.output()).toMatch(/last checkpoint not written/);
      expect(await members()).toBe(0);

      const next = start('next start', s.db.url);
      await waitForCheckpoints(s.db.knex, s.kafka, topic, 60_000);
      expect(await unitsByWindow(s.db.knex, 'hour')).toEqual({ '2026-11-22T07:00:00.000Z': unitsOf(records) });
      await next.stop();
      expect(await next.finished()).toEqual({ code: 0, signal: null });
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
