// GET /metrics: the line's Prometheus metrics (src/metrics.ts). Counts only, no
// personal data; still, serve it on the internal network only (docs/operations.md).
import { Router } from 'express';
import type { Metrics } from '../metrics.ts';

export function metricsRouter(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.set('Cache-Control', 'no-store');
    res.send(await metrics.registry.metrics());
  });
  return router;
}
