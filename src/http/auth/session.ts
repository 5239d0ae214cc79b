// Who is asking: the session cookie resolved against the sessions table, once per
// request, kept beside the request for the guards and handlers.
import type { Request, RequestHandler } from 'express';
import { resumeSession, type SessionUser } from '../../store/sessions.ts';
import { HttpError } from '../errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { readCookie, SESSION_COOKIE } from './cookies.ts';

const sessions = new WeakMap<Request, SessionUser>();

/** Resolves the session cookie (if any); never rejects a request by itself. */
export function loadSession(deps: ConsoleDeps): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) {
      const session = await resumeSession(deps.db, token, deps.now(), deps.sessionPolicy);
      if (session) sessions.set(req, session);
    }
    next();
  };
}

/** The signed-in user, or null. */
export function authOf(req: Request): SessionUser | null {
  return sessions.get(req) ?? null;
}

/** The signed-in user; a 401 when there is none. */
export function requireAuth(req: Request): SessionUser {
  const auth = sessions.get(req);
  if (!auth) throw new HttpError(401, 'unauthenticated', 'sign in first');
  return auth;
}

/** How the audit log names a console user. */
export function actorOf(auth: SessionUser): string {
  return `user:${auth.user.id}`;
}
