// A load balancer of the tests' own: each HTTP request goes to the next instance in
// turn, so a call's webhooks alternate between instances as they can behind a real
// one. It forwards bodies and headers unchanged (Twilio's signature still checks).
import http from 'node:http';

export interface Balancer {
  /** http://127.0.0.1:<port>: point the simulated Twilio here. */
  readonly url: string;
  /** Which instance (by index) each request went to, in order. */
  readonly sentTo: number[];
  close(): Promise<void>;
}

export async function startBalancer(targets: readonly string[]): Promise<Balancer> {
  if (targets.length === 0) throw new Error('a balancer needs at least one instance');
  const sentTo: number[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next;
    next = (next + 1) % targets.length;
    sentTo.push(index);
    const target = new URL(req.url ?? '/', targets[index]);
    const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    sentTo,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
