import { setTimeout as sleep } from 'node:timers/promises';
import { signalProcessGroup, spawnProcess } from './app-process';

const node = (name: string, script: string) => spawnProcess({ name, command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: process.env });

describe('spawnProcess', () => {
  it('keeps a line written in two chunks whole, and says how it exited', async () => {
    const p = node('printer', `process.stdout.write('{"a":'); setTimeout(() => { process.stdout.write('1}\\nnext\\n'); process.exit(3); }, 50);`);
    expect(await p.finished()).toEqual({ code: 3, signal: null });
    expect(p.lines()).toEqual(['{"a":1}', 'next']);
    await expect(p.succeeded()).rejects.toThrow(/printer exited with 3/);
  });

  it('stop: SIGTERM, then SIGKILL after the grace for a process that ignores it', async () => {
    const p = node('stubborn', `process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000);`);
    await waitForLine(p.lines, 'up');
    const started = performance.now();
    expect(await p.stop(300)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(p.lines()).toContain('ignored');
  });

  it('stop reaches what the process started: nothing of its group is left', async () => {
    const child = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)`;
    const p = node('wrapper', `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'ignore' }); process.on('SIGTERM', () => process.exit(0)); console.log('up'); setInterval(() => {}, 1000);`);
    await waitForLine(p.lines, 'up');
    expect(await p.stop(300)).toEqual({ code: 0, signal: null });
    expect(signalProcessGroup(p.pid, 0)).toBe(false);
  });
});

async function waitForLine(lines: () => readonly string[], line: string): Promise<void> {
  for (let i = 0; i < 100 && !lines().includes(line); i++) await sleep(50);
}
