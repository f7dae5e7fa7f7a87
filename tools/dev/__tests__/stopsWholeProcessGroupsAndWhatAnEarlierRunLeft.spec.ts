/**
 * npm start's process groups with real processes: an app that is a wrapper around a server (as the
 * dashboard's serve.ts around `next start`) is stopped with its server, port freed; a group recorded
 * by a launcher that was killed outright is found by the next start and stopped, and a pid file whose
 * process is gone, or now belongs to another program, is never taken for ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@hitboard/db';
import { waitFor } from '@hitboard/testkit';
import { groupMembers, PidFiles, stopGroup } from '../src/process-groups';

/** A wrapper (its own process group) that starts a server on `port` and, like a stubborn app, ignores SIGTERM. */
function startWrapper(port: number, marker: string): ChildProcess {
  const server = `require('net').createServer().listen(${port}, '127.0.0.1'); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)`;
  const wrapper = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(server)}, '${marker}'], { stdio: 'inherit' }); process.on('SIGTERM', () => process.exit(143)); setInterval(() => {}, 1000)`;
  return spawn(process.execPath, ['-e', wrapper, marker], { detached: true, stdio: 'ignore' });
}

const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });

describe('npm start process groups', () => {
  let dir: string;
  const started: ChildProcess[] = [];
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hb-pids-'))));
  afterAll(() => {
    for (const c of started) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops a wrapper with the server it started: the port is free afterwards', async () => {
    const port = await findFreePort();
    const app = startWrapper(port, 'hb-test-app-one');
    started.push(app);
    await waitFor('the port to be taken', () => portTaken(port), 20_000);
    expect(groupMembers(app.pid!)).toHaveLength(2);

    await stopGroup(app.pid!, 1_000); // the server ignores SIGTERM: SIGKILL after the grace period
    expect(groupMembers(app.pid!)).toEqual([]);
    expect(await portTaken(port)).toBe(false);
  });

  it('the next start finds what an earlier run left, and only that', async () => {
    const pids = new PidFiles(join(dir, 'pids'));
    const port = await findFreePort();
    const app = startWrapper(port, 'hb-test-app-two');
    started.push(app);
    await waitFor('the port to be taken', () => portTaken(port), 20_000);
    pids.record({ name: 'dashboard', pgid: app.pid!, marker: 'hb-test-app-two' });
    // The wrapper dies outright (as after a kill -9 of the launcher's exit handler): its server lives on in the group.
    process.kill(app.pid!, 'SIGKILL');
    await waitFor('one member left in the group', async () => groupMembers(app.pid!).length === 1, 20_000);

    pids.record({ name: 'gone', pgid: 2 ** 22 + 7, marker: 'x' }); // no such process
    pids.record({ name: 'reused', pgid: process.pid, marker: 'hb-test-not-us', single: true }); // a pid now someone else's

    const found = new PidFiles(join(dir, 'pids')).leftovers();
    expect(found).toEqual([{ name: 'dashboard', pgid: app.pid, marker: 'hb-test-app-two' }]);
    for (const g of found) await stopGroup(g.pgid, 1_000);
    expect(await portTaken(port)).toBe(false);
    expect(new PidFiles(join(dir, 'pids')).leftovers()).toEqual([]);
  });
});
