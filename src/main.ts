// npm start: the support line on whatever the environment gives it, embedded
// defaults for the rest (PGlite for Postgres, an in-process live store, no Asterisk).
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { installSafetyNet } from './safety-net.ts';
import { openLine, serve, type Line } from './runtime.ts';
import { seedDemo } from './store/seed-demo.ts';
import { startCarriers } from './carriers/start.ts';
import { startSlaWorkers } from './tickets/start.ts';
import { retentionComponent } from './workers/retention.ts';
import { consoleComponent } from './http/console/component.ts';
import { DEMO_ADMIN_EMAIL, ensureDemoAdmin } from './store/users.ts';
import { effectiveTier } from './domain/contracts.ts';
import { DateTime } from 'luxon';
import { loadEnvFile } from './env-file.ts';
import { terminalLogStream } from './log-terminal.ts';

async function start(): Promise<void> {
  let config;
  try {
    const envFile = loadEnvFile();
    if (envFile === 'loaded') process.stdout.write('Read settings from .env (the environment wins where both set one)\n');
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  // Human-readable lines on a terminal, JSON lines for a log collector.
  const logger = createLogger(config.LOG_LEVEL, await terminalLogStream(process.stdout));
  // From here on a forgotten rejection is logged and counted, never the end of the process.
  let countRejection = (): void => {};
  installSafetyNet(logger, () => countRejection());
  logger.info(
    {
      database: config.DATABASE_URL ? 'postgres (DATABASE_URL)' : `embedded PGlite in ${config.PGLITE_DIR}`,
      liveStore: config.REDIS_URL ? 'redis (REDIS_URL)' : 'in-process',
    },
    'starting support line',
  );
  const line: Line = await openLine(config, { logger, ...(config.TEST_CLOCK_START ? { clock: runningFrom(new Date(config.TEST_CLOCK_START)) } : {}) });
  countRejection = () => line.metrics.unhandledRejection();
  let adminPassword: string | null = null;
  if (!config.DATABASE_URL) {
    const seeded = await seedDemo(line.db, line.clock());
    if (seeded.created) printDemo(seeded, line.clock());
    adminPassword = await ensureDemoAdmin(line.db);
  }
  await startCarriers(line);
  startSlaWorkers(line);
  line.components.push(consoleComponent(line));
  line.components.push(retentionComponent(line));
  await serve(line);
  logger.info({ url: line.url }, `support line listening on ${line.url}`);
  process.stdout.write(`\nSupport Line is listening on ${line.url}  (health: ${line.url}/healthz)\n\n`);
  if (adminPassword) {
    // Printed once, never logged: the first sign-in replaces it.
    process.stdout.write(
      `Console: ${line.url}/console/  sign in as ${DEMO_ADMIN_EMAIL} with the one-time password\n\n    ${adminPassword}\n\n` +
        'It is shown only now; you will choose your own password at first sign-in.\n' +
        'Add more users with: support-line users add --role supervisor --email someone@example.com\n\n',
    );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new calls, finishing work in hand');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    line.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** A clock that starts at `start` and runs at the monotonic clock's pace (TEST_CLOCK_START). */
function runningFrom(start: Date): () => Date {
  const t0 = performance.now();
  return () => new Date(start.getTime() + (performance.now() - t0));
}

function printDemo(seeded: Awaited<ReturnType<typeof seedDemo>>, now: Date): void {
  // The tier the line treats each caller as having today, not the contract's label.
  const today = DateTime.fromJSDate(now, { zone: 'Europe/London' }).toISODate()!;
  const rows = seeded.accounts.map((a) => {
    const tier = effectiveTier(a.status, [{ tier: a.tier, startsOn: a.startsOn, endsOn: a.endsOn }], today);
    const why = a.status !== 'active' ? `  (${a.tier} contract, account ${a.status})` : tier !== a.tier ? `  (${a.tier} contract ended ${a.endsOn ?? ''})` : '';
    return `  ${a.number}  ${tier.padEnd(4)}  PIN ${a.pin}  ${a.phones[0] ?? ''}  ${a.name}${why}`;
  });
  const numbers = seeded.numbers.map((n) => `  ${n.number}  ${n.profile.padEnd(8)}  ${n.label}`);
  process.stdout.write(`\nDemo data seeded (first run). Accounts you can ring as (tier as the line treats them today):\n${rows.join('\n')}\n`);
  if (numbers.length > 0) process.stdout.write(`The line's numbers (ring one as the number dialled):\n${numbers.join('\n')}\n`);
}

start().catch((err: unknown) => {
  process.stderr.write(`support line failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
