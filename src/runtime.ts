// Wires one running support line from a configuration: database, live store, the
// call service, the HTTP app and the carriers. `npm start`, the tests and the
// benchmarks all build the line through here.
import type { Server } from 'node:http';
import type { Express, Request, Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createCallService, type CallService } from './calls/call-service.ts';
import { pgCallRecords } from './calls/pg-records.ts';
import type { CallRecords } from './calls/records.ts';
import { createApp } from './http/app.ts';
import type { Check } from './http/health.ts';
import { openDb, type Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { usePinKeys } from './store/pin-hash.ts';
import { loadPinKeys } from './store/pin-key.ts';
import type { LiveStore } from './store/live/live-store.ts';
import { guardStores, openLiveStoreTolerant, type GuardOptions, type Resilience } from './resilience/stores.ts';
import { createMetrics, type CarrierStatus, type Metrics } from './metrics.ts';
import { routingFromConfig } from './notify/channels.ts';
import { shutdownGate } from './resilience/shutdown-gate.ts';

export interface LineOptions {
  logger: Logger;
  clock?: () => Date;
  /** Swap the call records (tests, degraded modes). */
  records?: (db: Db) => CallRecords;
  /** Degraded-mode timings (tests shorten them). */
  resilience?: GuardOptions['tuning'];
}

/** A part of the line with its own lifecycle (a carrier, a worker). */
export interface Component {
  name: string;
  checks?: () => Check[];
  router?: { path: string; router: Router };
  /** A carrier's connection, for metrics (the Asterisk carrier). */
  carrierStatus?: () => CarrierStatus;
  /** True for a request whose sender may read /readyz's details (the console: a signed-in admin). */
  readinessViewer?: (req: Request) => Promise<boolean>;
  stop(): Promise<void>;
}

export interface Line {
  config: Config;
  logger: Logger;
  /** The line's one clock: the carriers, the console and the workers read time here (tests inject it). */
  clock: () => Date;
  db: Db;
  live: LiveStore;
  /** The degraded modes around Postgres and Redis (src/resilience/). */
  resilience: Resilience;
  metrics: Metrics;
  calls: CallService;
  components: Component[];
  server: Server | null;
  url: string;
  shuttingDown: boolean;
  stop(): Promise<void>;
}

export async function openLine(config: Config, opts: LineOptions): Promise<Line> {
  const logger = opts.logger;
  const clock = opts.clock ?? (() => new Date());
  usePinKeys(await loadPinKeys(config));
  const db = await openDb({
    url: config.DATABASE_URL,
    dataDir: config.PGLITE_DIR,
    onIdleError: (err) => logger.warn({ err }, 'postgres connection dropped'),
  });
  const { applied } = await migrate(db);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  const { live: rawLive, unreachable: redisUnreachable } = await openLiveStoreTolerant(
    {
      redisUrl: config.REDIS_URL,
      prefix: config.REDIS_PREFIX,
      // Redis retries every second or two while down; the live store logs the outage once.
      onError: (err) => logger.debug({ err }, 'live store error'),
    },
    logger,
  );
  const metrics = createMetrics();
  const { records, live, resilience } = await guardStores({
    db,
    live: rawLive,
    redisUnreachable,
    config,
    logger,
    recordsOn: opts.records ?? ((on) => pgCallRecords(on, { division: config.OFFICE_DIVISION, routing: routingFromConfig(config) })),
    onRecordsEvent: metrics.resilienceEvent,
    clock,
    ...(opts.resilience ? { tuning: opts.resilience } : {}),
  }).catch(async (err: unknown) => {
    await rawLive.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  });
  const calls = createCallService({
    records: metrics.observe(records),
    live,
    logger,
    clock,
    config: {
      division: config.OFFICE_DIVISION,
      ringSeconds: config.ESCALATION_RING_SECONDS,
      rounds: config.ESCALATION_ROUNDS,
      deskRingSeconds: config.DESK_OVERFLOW_SECONDS,
      recordingRetentionDays: config.RECORDING_RETENTION_DAYS,
    },
  });

  const line: Line = {
    config,
    logger,
    clock,
    db,
    live,
    resilience,
    metrics,
    calls,
    components: [],
    server: null,
    url: '',
    shuttingDown: false,
    async stop() {
      // In order: stop taking calls, let the load balancer see it, finish what is in hand,
      // flush the outbox, close the connections.
      line.shuttingDown = true;
      const drainMs = config.SHUTDOWN_DRAIN_SECONDS * 1000;
      if (line.server && drainMs > 0) {
        logger.info({ drainMs }, 'draining: /readyz says 503 and new calls get the safe route');
        await new Promise((resolve) => setTimeout(resolve, drainMs));
      }
      if (line.server) await new Promise<void>((resolve) => line.server?.close(() => resolve()));
      for (const c of [...line.components].reverse()) {
        await c.stop().catch((err: unknown) => logger.warn({ err, component: c.name }, 'component did not stop cleanly'));
      }
      await calls.close();
      await resilience.close();
      await live.close();
      await db.close();
    },
  };
  metrics.watch({
    resilience: () => line.resilience,
    asterisk: () => line.components.find((c) => c.carrierStatus)?.carrierStatus?.() ?? null,
  });
  return line;
}

/** Core checks every instance reports on /readyz. */
export function coreChecks(line: Line): Check[] {
  // Postgres, the live store and the outbox, with what each degraded mode means.
  return line.resilience.checks();
}

/** The HTTP app with the components' routers and checks. */
export function buildApp(line: Line): Express {
  return createApp({
    logger: line.logger,
    checks: () => [...coreChecks(line), ...line.components.flatMap((c) => c.checks?.() ?? [])],
    isShuttingDown: () => line.shuttingDown,
    mayReadDetails: async (req) => {
      for (const c of line.components) if (c.readinessViewer && (await c.readinessViewer(req))) return true;
      return false;
    },
    trustProxy: line.config.TRUST_PROXY,
    metrics: line.metrics,
    mounts: [
      // First: while shutting down, a new Twilio call gets the safe route.
      { path: '/twilio', router: shutdownGate(line.config, () => line.shuttingDown, line.logger) },
      ...line.components.flatMap((c) => (c.router ? [c.router] : [])),
    ],
  });
}

/** Listens on config.HOST:PORT (PORT 0 picks a free port); sets line.url. */
export async function serve(line: Line): Promise<void> {
  const app = buildApp(line);
  await new Promise<void>((resolve, reject) => {
    // Express 5 hands a listen error (a port in use) to this callback: it must not read as success.
    const server = app.listen(line.config.PORT, line.config.HOST, (err?: Error) => (err ? reject(listenError(err, line.config.HOST, line.config.PORT)) : resolve()));
    line.server = server;
  });
  const address = line.server?.address();
  const port = typeof address === 'object' && address ? address.port : line.config.PORT;
  line.url = `http://localhost:${port}`;
}

/** One clear line for the usual reasons a server cannot listen. */
function listenError(err: Error, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`port ${port} on ${host} is already in use (another support line, or another program); stop it or set PORT to a free port`);
  if (code === 'EACCES') return new Error(`no permission to listen on port ${port} on ${host}; use a port above 1023 or set PORT`);
  if (code === 'EADDRNOTAVAIL') return new Error(`${host} is not an address of this machine; set HOST`);
  return err;
}
