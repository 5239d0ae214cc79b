// /api: the console's JSON API. Every route needs a signed-in user with the right
// role, every change the session's CSRF token, every input a zod schema; errors are
// { "error": { "code", "message" } } with the right status.
import express, { Router, type ErrorRequestHandler } from 'express';
import { NotFoundError } from '../../store/errors.ts';
import { EVERYONE, requireRole } from '../auth/guards.ts';
import { requireCsrf } from '../auth/csrf.ts';
import { loadSession } from '../auth/session.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { securityHeaders } from '../console/headers.ts';
import { announcementRoutes } from './announcements.ts';
import { callRoutes } from './calls.ts';
import { closureRoutes } from './closures.ts';
import { lineNumberRoutes } from './line-numbers.ts';
import { nowRoutes } from './now.ts';
import { openApiDocument } from './openapi.ts';
import { mountRoutes, type ApiRoute } from './route-table.ts';
import { rotaRoutes } from './rota.ts';
import { searchRoutes } from './search.ts';
import { trendRoutes } from './trends.ts';
import { creditRoutes } from './credits.ts';
import { ownershipRoutes } from './ownership.ts';
import { ticketListRoutes } from './ticket-list.ts';
import { ticketRoutes } from './tickets.ts';
import { reportRoutes } from './reports.ts';
import { TicketConflictError } from '../../tickets/errors.ts';
import { userRoutes } from './users.ts';
import { refuseNul } from '../nul-guard.ts';

/** Every documented route, in the order the document lists them. */
export function apiRoutes(): ApiRoute[] {
  return [...nowRoutes, ...searchRoutes, ...callRoutes, ...ticketListRoutes, ...ownershipRoutes, ...ticketRoutes, ...rotaRoutes, ...closureRoutes, ...lineNumberRoutes, ...userRoutes, ...reportRoutes, ...trendRoutes, ...creditRoutes, ...announcementRoutes];
}

/** Every route is a table entry (nothing mounted beside them), so the document describes all of /api. */
export function apiRouter(deps: ConsoleDeps, extra: { routes?: readonly ApiRoute[] } = {}): Router {
  const routes = [...apiRoutes(), ...(extra.routes ?? [])];
  const router = Router();
  router.use(securityHeaders());
  router.use(express.json({ limit: '32kb' }));
  router.use(refuseNul());
  router.use(loadSession(deps));
  router.use(requireCsrf());

  const document = openApiDocument(routes, { title: 'Support Line console API', version: '1' });
  router.get('/openapi.json', (req, res) => {
    requireRole(req, EVERYONE);
    res.json(document);
  });
  mountRoutes(router, routes, deps);

  router.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such API route' } });
  });
  // The store says "not found" in its own words, HTTP says 404; a refused ticket
  // action keeps its own code (illegal_transition, already_done) on the 409.
  const domainErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (err instanceof NotFoundError) {
      res.status(404).json({ error: { code: 'not_found', message: err.message } });
      return;
    }
    if (err instanceof TicketConflictError) {
      res.status(409).json({ error: { code: err.code, message: err.message } });
      return;
    }
    next(err);
  };
  router.use(domainErrors);
  return router;
}
