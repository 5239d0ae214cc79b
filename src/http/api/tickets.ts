// The tickets API for engineers and supervisors (mounted at /api):
//   GET  /tickets/due?within=2h            running timers due within the window
//   GET  /tickets/:ref                     a ticket with its timers, trail, tasks, notifications
//   POST /tickets/:ref/:action             acknowledge | wait | resume | onsite-decided | onsite |
//                                          resolve | close | reopen | note | adr-done   { note? }
//   POST /complaints                       { accountNumber, summary }
//   GET  /notifications?undelivered=true   the outbox, latest first
//   POST /notifications/:id/ack            stop an alert repeating
//   GET  /feed?limit=&before=              the console's feed
//   GET  /tasks                            tasks not yet done (the ADR notices)
// Sign-in is the console's: whoever it puts in res.locals.user is the actor, else `api`.
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { Division } from '../../domain/calendar/bank-holidays.ts';
import type { TicketAction } from '../../domain/tickets/lifecycle.ts';
import type { AlertRouting } from '../../notify/outbox.ts';
import type { Db } from '../../store/db.ts';
import { NotFoundError } from '../../store/errors.ts';
import { listFeed, listNotifications } from '../../store/notifications.ts';
import { openTasks } from '../../store/ticket-lifecycle.ts';
import { raiseComplaint } from '../../tickets/complaints.ts';
import { dueWithin, parseWindow, showTicket } from '../../tickets/queries.ts';
import { TicketConflictError } from '../../tickets/errors.ts';
import { acknowledgeAlert, addNote, applyAction, recordAdrNotice } from '../../tickets/service.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { isRowId } from '../../domain/input-rules.ts';
import { refuseNul } from '../nul-guard.ts';

export interface TicketsRouterDeps {
  db: Db;
  division: Division;
  routing: AlertRouting;
  clock?: () => Date;
}

/** URL words for the lifecycle actions. */
export const ACTION_PATHS: Readonly<Record<string, TicketAction>> = {
  acknowledge: 'acknowledge',
  wait: 'wait',
  resume: 'resume',
  'onsite-decided': 'decide_onsite',
  onsite: 'arrive_onsite',
  resolve: 'resolve',
  close: 'close',
  reopen: 'reopen',
};

const REFERENCE = /^[0-9]{1,12}$/;

const noteBody = z.object({ note: z.string().trim().min(1).max(4000).optional() }).strict();
const requiredNote = z.object({ note: z.string().trim().min(1).max(4000) }).strict();
const complaintBody = z
  .object({
    accountNumber: z.string().regex(/^[0-9]{1,12}$/, 'an account number is 1 to 12 digits'),
    summary: z.string().trim().min(1).max(4000),
  })
  .strict();

export function ticketsRouter(deps: TicketsRouterDeps): Router {
  const clock = deps.clock ?? (() => new Date());
  const router = Router();
  router.use(express.json({ limit: '16kb' }));
  router.use(refuseNul());

  router.get('/tickets/due', async (req, res) => {
    const within = typeof req.query['within'] === 'string' ? req.query['within'] : '2h';
    const ms = parseWindow(within);
    if (ms === null) throw invalid('within must be minutes, hours or days, e.g. 90m, 2h, 1d (at most 31d)');
    const now = clock();
    res.json({ at: now.toISOString(), within, timers: await dueWithin(deps.db, now, ms) });
  });

  router.get('/tickets/:ref', async (req, res) => {
    const ticket = await showTicket(deps.db, reference(req.params['ref']));
    if (!ticket) throw notFound(`ticket ${req.params['ref']} not found`);
    res.json(ticket);
  });

  router.post('/tickets/:ref/:action', async (req, res) => {
    const ref = reference(req.params['ref']);
    const word = req.params['action'] ?? '';
    const input = { reference: ref, actor: actorOf(res), at: clock() };
    if (word === 'note') {
      const { note } = parse(requiredNote, req.body);
      await addNote(deps, { ...input, note });
      res.status(201).json({ reference: ref, noted: true });
      return;
    }
    const { note } = parse(noteBody, req.body ?? {});
    if (word === 'adr-done') {
      res.json(await recordAdrNotice(deps, { ...input, note }));
      return;
    }
    const action = Object.hasOwn(ACTION_PATHS, word) ? ACTION_PATHS[word] : undefined;
    if (!action) throw notFound(`no ticket action "${word}"`);
    res.json(await applyAction(deps, action, { ...input, note }));
  });

  router.post('/complaints', async (req, res) => {
    const body = parse(complaintBody, req.body);
    const created = await raiseComplaint(deps, { ...body, actor: actorOf(res), channel: channelOf(res), at: clock() });
    res.status(201).json(created);
  });

  router.get('/notifications', async (req, res) => {
    const ticket = typeof req.query['ticket'] === 'string' ? reference(req.query['ticket']) : null;
    let ticketId: string | undefined;
    if (ticket) {
      const found = await showTicket(deps.db, ticket);
      if (!found) throw notFound(`ticket ${ticket} not found`);
      ticketId = found.id;
    }
    res.json(
      await listNotifications(deps.db, {
        undelivered: req.query['undelivered'] === 'true',
        ...(ticketId ? { ticketId } : {}),
        limit: limitOf(req.query['limit'], 100),
      }),
    );
  });

  router.post('/notifications/:id/ack', async (req, res) => {
    const id = req.params['id'] ?? '';
    if (!isRowId(id)) throw notFound(`notification ${id} not found`);
    const acknowledged = await acknowledgeAlert(deps, { id, actor: actorOf(res), at: clock() });
    res.json({ id, acknowledged: acknowledged.map((n) => n.id) });
  });

  router.get('/feed', async (req, res) => {
    const raw = req.query['before'];
    if (raw !== undefined && (typeof raw !== 'string' || !isRowId(raw))) throw badRequest('before: must be the id of a feed entry');
    const before = raw;
    res.json(await listFeed(deps.db, { limit: limitOf(req.query['limit'], 50), ...(before ? { beforeId: before } : {}) }));
  });

  router.get('/tasks', async (_req, res) => {
    res.json(await openTasks(deps.db));
  });

  // The store says "not found" in its own words, HTTP says 404; a refused action
  // keeps its own code (illegal_transition, already_done) on the 409.
  router.use((err: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    if (err instanceof NotFoundError) next(notFound(err.message));
    else if (err instanceof TicketConflictError) next(new HttpError(409, err.code, err.message));
    else next(err);
  });
  return router;
}

/** `user:<id>` when the console signed someone in, else `api`. */
export function actorOf(res: Response): string {
  const user = res.locals['user'] as { id?: unknown } | undefined;
  const id = user?.id;
  return typeof id === 'string' || typeof id === 'number' ? `user:${id}` : 'api';
}

const channelOf = (res: Response): 'console' | 'api' => (res.locals['user'] ? 'console' : 'api');

function reference(value: unknown): string {
  if (typeof value !== 'string' || !REFERENCE.test(value)) throw notFound(`ticket ${String(value)} not found`);
  return value;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw invalid(`${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}

function limitOf(value: unknown, fallback: number): number {
  if (typeof value !== 'string' || !/^[0-9]{1,4}$/.test(value)) return fallback;
  return Number(value);
}

const invalid = (message: string) => new HttpError(422, 'invalid', message);
