// /console: the supervisor console's pages, assets and event stream. Order matters:
// security headers, static assets (no session needed), form bodies, the session,
// the sign-in form (its own CSRF token), then the session's CSRF check before any
// other state change, then the pages; errors become pages a person can act on.
import { fileURLToPath } from 'node:url';
import express, { Router, type ErrorRequestHandler } from 'express';
import { ConflictError, InputError, NotFoundError, ValidationError } from '../../store/errors.ts';
import { requireCsrf } from '../auth/csrf.ts';
import { accountRouter, signInRouter } from '../auth/router.ts';
import { authOf, loadSession } from '../auth/session.ts';
import { HttpError } from '../errors.ts';
import type { ConsoleDeps } from './deps.ts';
import type { EventHub } from './events.ts';
import { securityHeaders } from './headers.ts';
import { toDocument } from './html.ts';
import { errorPage } from './pages/errors.ts';
import { adminPages } from './routes/admin.ts';
import { callPages } from './routes/calls.ts';
import { ticketPages } from './routes/tickets.ts';
import { refuseNul } from '../nul-guard.ts';

export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

export function consoleRouter(deps: ConsoleDeps, hub: EventHub): Router {
  const router = Router();
  router.use('/assets', securityHeaders({ cache: true }), express.static(ASSETS_DIR, { index: false, maxAge: '1h', fallthrough: false }));
  router.use(securityHeaders());
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  router.use(refuseNul());
  router.use(loadSession(deps));
  router.get('/', (req, res) => res.redirect(303, authOf(req) ? '/console/now' : '/console/sign-in'));
  router.use(signInRouter(deps));
  router.use(requireCsrf());
  router.use(accountRouter(deps));
  router.use(callPages(deps, hub));
  router.use(ticketPages(deps));
  router.use(adminPages(deps));

  router.use((req, res) => {
    res.status(404).type('html').send(toDocument(errorPage(authOf(req), 404, 'There is no such page in the console.')));
  });
  router.use(consoleErrors(deps));
  return router;
}

function consoleErrors(deps: ConsoleDeps): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const auth = authOf(req);
    const show = (status: number, message: string) => res.status(status).type('html').send(toDocument(errorPage(auth, status, message)));
    if (err instanceof HttpError) {
      if (err.status === 401) {
        // Pages send people to sign in and back; the event stream just says no.
        if (req.path === '/events') {
          res.status(401).json({ error: { code: err.code, message: err.message } });
          return;
        }
        const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
        res.redirect(303, `/console/sign-in${next}`);
        return;
      }
      if (err.code === 'password_change_required') {
        res.redirect(303, '/console/account');
        return;
      }
      if (err.code === 'csrf') {
        show(403, 'This form had expired or did not come from the console. Go back, reload the page and try again.');
        return;
      }
      show(err.status, err.message);
      return;
    }
    if (err instanceof NotFoundError) return void show(404, err.message);
    if (err instanceof InputError) return void show(400, err.message);
    if (err instanceof ValidationError) return void show(422, err.message);
    if (err instanceof ConflictError) return void show(409, err.message);
    const e = err as { type?: string; status?: unknown };
    if (e.type === 'entity.too.large') return void show(413, 'That form was too large.');
    if (e.type === 'entity.parse.failed' || e.type === 'parameters.too.many') return void show(400, 'That form could not be read.');
    // express.static's own errors (a missing asset) carry their status.
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return void show(e.status, 'That could not be found.');
    deps.logger.error({ err, path: req.path }, 'console page failed');
    show(500, 'Something went wrong on our side. It has been logged; try again in a moment.');
  };
}
