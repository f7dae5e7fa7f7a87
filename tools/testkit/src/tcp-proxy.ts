/**
 * A TCP proxy in front of a real server (Postgres, say) that a test can freeze: what an app sees when
 * the server's process is stopped (SIGSTOP) or the network drops its packets. Frozen, new connections
 * are accepted and never answered and open ones carry nothing either way: every wait hangs, nothing
 * is refused (refusals are the easy case; the aggregator's specs switch a database off for those).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Stops carrying bytes (both ways, new connections too) until `thaw()`. */
  freeze(): void;
  thaw(): void;
  /** Closes every connection and the listener. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let frozen = false;
  /** Bytes that arrived while frozen, in order, with where they go: delivered on thaw. */
  let held: Array<[Socket, Buffer]> = [];
  const sockets = new Set<Socket>();
  const carry = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (frozen) held.push([to, chunk]);
      else to.write(chunk);
    });
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) sockets.add(s);
    carry(client, upstream);
    carry(upstream, client);
    const end = () => {
      for (const s of [client, upstream]) {
        sockets.delete(s);
        s.destroy();
      }
    };
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      const pending = held;
      held = [];
      for (const [to, chunk] of pending) if (!to.destroyed) to.write(chunk);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
