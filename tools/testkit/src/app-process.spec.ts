import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess } from './app-process';

describe('startAppProcess', () => {
  it("finds the ops port a chatty process announced long before it is asked, and a line it printed", async () => {
    const entry = join(tmpdir(), `testkit-chatty-${process.pid}.ts`);
    writeFileSync(entry, `console.log(JSON.stringify({ opsPort: 4321, msg: 'ops server listening' }));\nfor (let i = 0; i < 50; i++) console.log('line ' + i);\n`);
    const app = startAppProcess({ name: 'chatty', cwd: __dirname, args: [entry], env: process.env, keepLines: 10 });
    await app.succeeded();
    expect(app.lines()).toHaveLength(10);
    expect(await app.opsPort(1000)).toBe(4321);
    expect(await app.lineMatching('line 45', 1000)).toBe('line 45');
    await expect(app.ready(1000)).rejects.toThrow(/chatty exited .* before it printed ops server listening/);
  });
});
