// The console's JSON API alone (apiRouter, the route table, sign-in, roles and CSRF)
// over a test's own database and clock, with users signed in through real sessions:
// for API tests that need neither the whole line nor its demo data.
import express, { type Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config.ts';
import { apiRouter } from '../../src/http/api/router.ts';
import { DEFAULT_SIGN_IN_LIMITS, type ConsoleDeps } from '../../src/http/console/deps.ts';
import { errorHandler } from '../../src/http/errors.ts';
import type { Db } from '../../src/store/db.ts';
import type { LiveStore } from '../../src/store/live/live-store.ts';
import { createSession } from '../../src/store/sessions.ts';
import { addUser, setPassword, type Role } from '../../src/store/users.ts';
import { SESSION_COOKIE } from '../../src/http/auth/cookies.ts';
import { PIN_KEY, REDIS_URL } from './env.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;
/** Sessions that outlive any clock a test sets (sessions are tested in api-auth). */
const LONG_SESSIONS = { idleMs: 50 * YEAR_MS, absoluteMs: 50 * YEAR_MS };
const SIGNED_IN_AT = new Date('2020-01-01T00:00:00Z');

export interface ApiUser {
  id: string;
  /** `user:<id>`, as the audit log and ticket trail name them. */
  actor: string;
  get(path: string): request.Test;
  /** With the session's CSRF token; the caller sends the body. */
  post(path: string): request.Test;
}

export interface ApiApp {
  app: Express;
  deps: ConsoleDeps;
  /** A new signed-in user of that role (an engineer may be linked to an engineer). */
  signIn(role: Role, engineerId?: string): Promise<ApiUser>;
}

export function apiApp(db: Db, clock: () => Date): ApiApp {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://unused', PIN_KEY, REDIS_URL, LOG_LEVEL: 'silent' });
  const logger = pino({ level: 'silent' });
  // The live store feeds only /api/now's live calls, which these tests do not ask for.
  const deps: ConsoleDeps = { db, live: null as unknown as LiveStore, config, logger, now: clock, sessionPolicy: LONG_SESSIONS, signInLimits: DEFAULT_SIGN_IN_LIMITS };
  const app = express();
  app.use('/api', apiRouter(deps));
  app.use(errorHandler(logger));
  let n = 0;
  return {
    app,
    deps,
    async signIn(role, engineerId) {
      n += 1;
      const { user } = await addUser(db, { email: `${role}${n}.${Date.now()}@example.com`, name: `${role} ${n}`, role, ...(engineerId ? { engineerId } : {}) });
      await setPassword(db, user.id, 'a long test password', SIGNED_IN_AT);
      const session = await createSession(db, { userId: user.id, at: SIGNED_IN_AT, ip: null, userAgent: null }, LONG_SESSIONS);
      const cookie = `${SESSION_COOKIE}=${session.token}`;
      return {
        id: user.id,
        actor: `user:${user.id}`,
        get: (path) => request(app).get(path).set('cookie', cookie),
        post: (path) => request(app).post(path).set('cookie', cookie).set('x-csrf-token', session.csrfToken),
      };
    },
  };
}
