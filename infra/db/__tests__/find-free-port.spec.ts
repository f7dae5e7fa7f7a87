/**
 * findFreePort picks listening ports below the kernel's ephemeral range: a port from that range can be
 * handed to an outgoing connection between the pick and the listen (a broker's controller port was lost
 * that way in CI), which no caller can guard against.
 */
import { createServer } from 'node:net';
import { ephemeralPortsStart, findFreePort } from '../src/embedded-postgres';

describe('findFreePort', () => {
  it('gives ports below the ephemeral range that can be listened on', async () => {
    const start = ephemeralPortsStart();
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(start);
    }
    // Each can be listened on (the pick did not leave it bound).
    for (const port of ports.slice(0, 3)) {
      await new Promise<void>((resolve, reject) => {
        const server = createServer().once('error', reject);
        server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
      });
    }
  });

  it('reads the range the kernel uses', () => {
    expect(ephemeralPortsStart()).toBeGreaterThan(1024);
  });
});
