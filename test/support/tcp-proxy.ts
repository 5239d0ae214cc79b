// A TCP proxy of the tests' own, put between the line and Postgres or Redis, so a
// test can take a server away from the line for real — every connection reset,
// new ones refused — without touching the machine's shared servers.
import net from 'node:net';

export interface TcpProxy {
  /** The loopback port the line connects to. */
  readonly port: number;
  /** Connections currently piped through. */
  readonly connections: number;
  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string;
  /** Resets every connection and refuses new ones (the port stops listening). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;

  function listen(onPort: number): Promise<void> {
    const s = net.createServer((client) => {
      const upstream = net.connect(target.port, host);
      sockets.add(client);
      sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', drop);
      upstream.on('error', drop);
      client.on('close', drop);
      upstream.on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(onPort, '127.0.0.1', () => {
        s.off('error', reject);
        server = s;
        const address = s.address();
        port = typeof address === 'object' && address ? address.port : onPort;
        resolve();
      });
    });
  }

  async function stopListening(): Promise<void> {
    const s = server;
    server = null;
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await listen(0);

  return {
    get port() {
      return port;
    },
    get connections() {
      return sockets.size / 2;
    },
    url(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut: stopListening,
    async restore() {
      if (server) return;
      // The port was ours a moment ago; on a busy machine retry briefly if the kernel is slow to free it.
      for (let attempt = 0; ; attempt += 1) {
        try {
          await listen(port);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    close: stopListening,
  };
}
