// What the console and its API need from the running line, in one place, so the
// tests can build them around a real database with their own clock.
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Db } from '../../store/db.ts';
import type { LiveStore } from '../../store/live/live-store.ts';
import type { SessionPolicy } from '../../store/sessions.ts';

export interface SignInLimits {
  /** Sign-in attempts for one email address in one window (a right password clears them). */
  perEmail: number;
  /** Sign-in attempts from one IP address in one window. */
  perIp: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perEmail: 5, perIp: 30, windowMs: 15 * 60 * 1000 };

export interface ConsoleDeps {
  db: Db;
  live: LiveStore;
  config: Config;
  logger: Logger;
  now: () => Date;
  sessionPolicy: SessionPolicy;
  signInLimits: SignInLimits;
}
