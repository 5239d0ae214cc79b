// The express application: health, Twilio webhooks, the console and its API.
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { errorHandler } from './errors.ts';
import { healthRouter, type Check, type DetailsViewer } from './health.ts';
import { metricsRouter } from './metrics.ts';
import type { Metrics } from '../metrics.ts';
import type { TrustProxy } from '../config.ts';
import { refuseNul } from './nul-guard.ts';

export interface AppDeps {
  logger: Logger;
  checks: () => readonly Check[];
  isShuttingDown: () => boolean;
  /** Who beyond this machine may read /readyz's details (a signed-in admin, from the console). */
  mayReadDetails?: DetailsViewer;
  /** /metrics, and the Twilio webhooks timed. */
  metrics?: Metrics;
  /** Whose X-Forwarded-For/-Proto to believe (TRUST_PROXY); default loopback, a TLS terminator on the same host. */
  trustProxy?: TrustProxy;
  /** Routers mounted in order, each at its path. */
  mounts: readonly { path: string; router: Router }[];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Security headers on every answer (HSTS, nosniff, no framing, a strict default CSP).
  // The console sets its own CSP after this, which replaces helmet's for its pages.
  app.use(helmet());
  // Only the configured proxies' X-Forwarded-Proto (Secure cookies) and X-Forwarded-For
  // (req.ip, the per-IP sign-in limit's key) are believed; anyone else's are ignored.
  app.set('trust proxy', deps.trustProxy ?? ['loopback']);
  app.use(healthRouter(deps.checks, deps.isShuttingDown, deps.mayReadDetails));
  if (deps.metrics) {
    app.use(metricsRouter(deps.metrics));
    app.use('/twilio', deps.metrics.webhookTimer());
  }
  // The address and query: bodies are checked after each router's own parser.
  app.use(refuseNul());
  for (const m of deps.mounts) app.use(m.path, m.router);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'not found' } });
  });
  app.use(errorHandler(deps.logger));
  return app;
}
