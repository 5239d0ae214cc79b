// Signing in and out, and changing one's password. The sign-in form has no session
// yet, so its CSRF token rides in a short-lived cookie of its own (double submit);
// every later form uses the session's synchroniser token.
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { audit } from '../../store/audit.ts';
import { createSession, endSession, endUserSessions } from '../../store/sessions.ts';
import { setPassword, verifyPassword, MIN_PASSWORD_LENGTH } from '../../store/users.ts';
import { ValidationError } from '../../store/errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { announceSessionChange } from '../console/events.ts';
import { toDocument } from '../console/html.ts';
import { passwordPage, signInPage } from '../console/pages/sign-in.ts';
import { clearCookie, readCookie, SESSION_COOKIE, setCookie, SIGN_IN_COOKIE } from './cookies.ts';
import { sameToken } from './csrf.ts';
import { countSignIn, signedIn } from './rate-limit.ts';
import { actorOf, authOf, requireAuth } from './session.ts';
import { hasNul } from '../../domain/input-rules.ts';

const signInForm = z.object({
  _csrf: z.string().max(100),
  email: z.string().trim().max(254),
  password: z.string().min(1).max(200),
  next: z.string().max(500).optional(),
});

const passwordForm = z.object({
  current: z.string().min(1).max(200),
  password: z.string().max(200),
  confirm: z.string().max(200),
});

/** Only a path inside the console: never another site, never `//host`. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/console\/[A-Za-z0-9/_.%?=&-]*$/.test(next) || next.startsWith('//')) return '/console/now';
  return next.startsWith('/console/sign-') ? '/console/now' : next;
}

/** The connection's address, or the client's as a proxy named in TRUST_PROXY reports it (express's req.ip). */
function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function renderSignIn(req: Request, res: Response, status: number, opts: { email?: string; next?: string; error?: string | null }): void {
  const csrf = randomBytes(24).toString('base64url');
  setCookie(req, res, SIGN_IN_COOKIE, csrf, { maxAgeSeconds: 3600, path: '/console/sign-in', sameSite: 'Strict' });
  res.status(status).type('html').send(toDocument(signInPage({ csrf, ...opts })));
}

/** GET and POST /console/sign-in: mounted before the session CSRF check. */
export function signInRouter(deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/sign-in', (req, res) => {
    if (authOf(req)) {
      res.redirect(303, '/console/now');
      return;
    }
    renderSignIn(req, res, 200, { next: safeNext(req.query.next) });
  });

  router.post('/sign-in', async (req, res) => {
    const parsed = signInForm.safeParse(req.body ?? {});
    if (!parsed.success || !sameToken(parsed.data._csrf, readCookie(req, SIGN_IN_COOKIE))) {
      renderSignIn(req, res, 403, { error: 'The sign-in form had expired. Please try again.' });
      return;
    }
    const { email, password } = parsed.data;
    const next = safeNext(parsed.data.next);
    if (hasNul(email)) {
      renderSignIn(req, res, 400, { next, error: 'That email address cannot be right: it holds a NUL character.' });
      return;
    }
    const verdict = await countSignIn(deps.live, deps.signInLimits, email, clientIp(req));
    if (!verdict.allowed) {
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
      deps.logger.warn({ ip: clientIp(req) }, 'console sign-in rate limited');
      renderSignIn(req, res, 429, { email, next, error: `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` });
      return;
    }
    const user = await verifyPassword(deps.db, email, password);
    if (!user) {
      deps.logger.info({ ip: clientIp(req) }, 'console sign-in refused');
      renderSignIn(req, res, 401, { email, next, error: 'That email and password do not match an account.' });
      return;
    }
    await signedIn(deps.live, email);
    const at = deps.now();
    const session = await createSession(deps.db, { userId: user.id, at, ip: clientIp(req), userAgent: req.get('user-agent') ?? null }, deps.sessionPolicy);
    await audit(deps.db, { actor: `user:${user.id}`, action: 'user.signed-in', entity: 'user', entityId: user.id, detail: { ip: clientIp(req) }, at });
    clearCookie(req, res, SIGN_IN_COOKIE, '/console/sign-in');
    // No Max-Age: the cookie ends with the browser; the server ends the session itself.
    setCookie(req, res, SESSION_COOKIE, session.token, { sameSite: 'Lax' });
    res.redirect(303, user.mustChangePassword ? '/console/account' : next);
  });
  return router;
}

/** Sign-out and the account page: after the session CSRF check. */
export function accountRouter(deps: ConsoleDeps): Router {
  const router = Router();
  router.post('/sign-out', async (req, res) => {
    const auth = authOf(req);
    if (auth) {
      await endSession(deps.db, auth.sessionId);
      await audit(deps.db, { actor: actorOf(auth), action: 'user.signed-out', entity: 'user', entityId: auth.user.id, detail: {} });
      await announceSessionChange(deps.live, auth.user.id, deps.logger);
    }
    clearCookie(req, res, SESSION_COOKIE);
    res.redirect(303, '/console/sign-in');
  });

  router.get('/account', (req, res) => {
    const auth = requireAuth(req);
    res.type('html').send(toDocument(passwordPage(auth)));
  });

  router.post('/account/password', async (req, res) => {
    const auth = requireAuth(req);
    const fail = (status: number, error: string) => res.status(status).type('html').send(toDocument(passwordPage(auth, { error })));
    const parsed = passwordForm.safeParse(req.body ?? {});
    if (!parsed.success) return fail(422, 'Fill in every field.');
    const { current, password, confirm } = parsed.data;
    const verdict = await countSignIn(deps.live, deps.signInLimits, auth.user.email, clientIp(req));
    if (!verdict.allowed) {
      res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      return fail(429, 'Too many attempts. Try again later.');
    }
    if (!(await verifyPassword(deps.db, auth.user.email, current))) return fail(422, 'Your current password is not right.');
    if (password !== confirm) return fail(422, 'The two new passwords are not the same.');
    if (password === current) return fail(422, 'Choose a password different from the current one.');
    if (password.length < MIN_PASSWORD_LENGTH) return fail(422, `The new password must be at least ${MIN_PASSWORD_LENGTH} characters.`);
    const at = deps.now();
    try {
      await deps.db.tx(async (tx) => {
        await setPassword(tx, auth.user.id, password, at);
        await endUserSessions(tx, auth.user.id, auth.sessionId);
        await audit(tx, { actor: actorOf(auth), action: 'user.password-changed', entity: 'user', entityId: auth.user.id, detail: {}, at });
      });
    } catch (err) {
      if (err instanceof ValidationError) return fail(422, err.message);
      throw err;
    }
    // The user's other sessions ended: so do their live pages.
    await announceSessionChange(deps.live, auth.user.id, deps.logger);
    await signedIn(deps.live, auth.user.email);
    if (auth.user.mustChangePassword) {
      res.redirect(303, '/console/now');
      return;
    }
    res.type('html').send(toDocument(passwordPage({ ...auth, user: { ...auth.user, mustChangePassword: false } }, { done: true })));
  });
  return router;
}
