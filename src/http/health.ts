// /healthz says the process is alive; /readyz says whether it can take calls,
// with each dependency's state and a reason when it is not ready.
import { Router, type Request } from 'express';

export interface Check {
  name: string;
  /** Resolves with a short status text; throws (or resolves ok:false) when down. */
  run(): Promise<{ ok: boolean; detail: string }>;
  /** A check that may fail without the instance being unready (e.g. Asterisk, with Twilio as fallback). */
  optional?: boolean;
}

export async function readiness(checks: readonly Check[]) {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        const r = await withTimeout(c.run(), 2000);
        return { name: c.name, ok: r.ok, detail: r.detail, optional: c.optional ?? false };
      } catch (err) {
        return { name: c.name, ok: false, detail: (err as Error).message, optional: c.optional ?? false };
      }
    }),
  );
  const ready = results.every((r) => r.ok || r.optional);
  // What is failing without making the instance unready: alert on it, but keep sending calls.
  const degraded = results.filter((r) => !r.ok && r.optional).map((r) => r.name);
  return { ready, degraded, checks: Object.fromEntries(results.map((r) => [r.name, { ok: r.ok, detail: r.detail }])) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Whether a request from elsewhere may read the checks' details (a signed-in admin). */
export type DetailsViewer = (req: Request) => Promise<boolean>;

export function healthRouter(checks: () => readonly Check[], isShuttingDown: () => boolean, mayReadDetails?: DetailsViewer): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (req, res) => {
    const r = await readiness(checks());
    const ready = r.ready && !isShuttingDown();
    // The checks name hosts, ports and the public URL: only for this machine (the
    // operator, a sidecar, a TLS terminator's own probe). A load balancer elsewhere
    // needs the status code alone; a signed-in admin sees the details from anywhere.
    const details = isLoopback(req.ip ?? req.socket.remoteAddress ?? '') || ((await mayReadDetails?.(req)) ?? false);
    res
      .status(ready ? 200 : 503)
      .json(details ? { ready, shuttingDown: isShuttingDown(), degraded: r.degraded, checks: r.checks } : { ready, shuttingDown: isShuttingDown() });
  });
  return router;
}

/** 127.0.0.0/8, ::1, and IPv4 loopback as an IPv6-mapped address. */
export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
