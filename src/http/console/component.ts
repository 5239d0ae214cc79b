// The console as a component of the running line: /console (pages, assets, the
// event stream) and /api (the JSON API: every route in its route table, behind the
// same sign-in, roles and CSRF check).
import { Router } from 'express';
import type { Component, Line } from '../../runtime.ts';
import { DEFAULT_SESSION_POLICY, purgeExpiredSessions, type SessionPolicy } from '../../store/sessions.ts';
import { apiRouter } from '../api/router.ts';
import { DEFAULT_SIGN_IN_LIMITS, type ConsoleDeps, type SignInLimits } from './deps.ts';
import { EventHub } from './events.ts';
import { consoleRouter } from './router.ts';
import { readCookie, SESSION_COOKIE } from '../auth/cookies.ts';
import { resumeSession } from '../../store/sessions.ts';

export interface ConsoleOptions {
  clock?: () => Date;
  sessionPolicy?: SessionPolicy;
  signInLimits?: SignInLimits;
  /** How often live streams are pinged and their sessions checked (default 20 s). */
  heartbeatMs?: number;
}

const PURGE_EVERY_MS = 60 * 60 * 1000;

export function consoleComponent(line: Line, opts: ConsoleOptions = {}): Component {
  const deps: ConsoleDeps = {
    db: line.db,
    live: line.live,
    config: line.config,
    logger: line.logger.child({ component: 'console' }),
    now: opts.clock ?? line.clock,
    sessionPolicy: opts.sessionPolicy ?? DEFAULT_SESSION_POLICY,
    signInLimits: opts.signInLimits ?? DEFAULT_SIGN_IN_LIMITS,
  };
  const hub = new EventHub({
    db: line.db,
    live: line.live,
    logger: deps.logger,
    isShuttingDown: () => line.shuttingDown,
    now: deps.now,
    heartbeatMs: opts.heartbeatMs,
  });
  // Subscribe now, so the first browser to connect misses nothing published after start.
  hub.start().catch((err: unknown) => deps.logger.warn({ err }, 'console could not subscribe to live calls'));

  const router = Router();
  router.get('/', (_req, res) => res.redirect(303, '/console/'));
  router.use('/console', consoleRouter(deps, hub));
  router.use('/api', apiRouter(deps));

  const purge = setInterval(() => {
    purgeExpiredSessions(line.db, deps.now()).catch((err: unknown) => deps.logger.warn({ err }, 'expired sessions not purged'));
  }, PURGE_EVERY_MS);
  purge.unref();

  return {
    name: 'console',
    // A signed-in admin may read /readyz's details from anywhere, not only from this machine.
    readinessViewer: async (req) => {
      const token = readCookie(req, SESSION_COOKIE);
      const session = token ? await resumeSession(line.db, token, deps.now(), deps.sessionPolicy) : null;
      return session?.user.role === 'admin';
    },
    router: { path: '/', router },
    checks: () => [
      {
        name: 'console',
        optional: true,
        async run() {
          return { ok: true, detail: `${hub.size} live page${hub.size === 1 ? '' : 's'} connected` };
        },
      },
    ],
    async stop() {
      clearInterval(purge);
      await hub.stop();
    },
  };
}
