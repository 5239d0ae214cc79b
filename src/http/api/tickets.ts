// The ticket service's routes in the route table (under /api):
//   GET  /tickets/due?within=2h            running timers due within the window (supervisors)
//   GET  /tickets/{ref}                    a ticket with its timers, trail, tasks, notifications
//   POST /tickets/{ref}/{action}           acknowledge | wait | resume | onsite-decided | onsite |
//                                          resolve | close | reopen | note | adr-done   { note? }
//   POST /complaints                       { accountNumber, summary }
//   GET  /notifications?undelivered=true   the outbox, latest first
//   POST /notifications/{id}/ack           stop an alert repeating
//   GET  /feed?limit=&before=              the console's feed
//   GET  /tasks                            tasks not yet done (the ADR notices)
// Supervisors may do all of it; an engineer only sees and acts on the tickets that are
// theirs (requireTicketVisible). A bad reference is 404, as a ticket that is not there.
import { z } from 'zod';
import type { TicketAction } from '../../domain/tickets/lifecycle.ts';
import { isRowId } from '../../domain/input-rules.ts';
import { listFeed, listNotifications } from '../../store/notifications.ts';
import { openTasks } from '../../store/ticket-lifecycle.ts';
import { raiseComplaint } from '../../tickets/complaints.ts';
import { dueWithin, parseWindow, showTicket } from '../../tickets/queries.ts';
import { acknowledgeAlert, addNote, applyAction, recordAdrNotice } from '../../tickets/service.ts';
import { EVERYONE, SUPERVISORS } from '../auth/guards.ts';
import { actorOf } from '../auth/session.ts';
import { HttpError, notFound } from '../errors.ts';
import { requireTicketVisible, ticketDepsOf } from './ownership.ts';
import { route, type ApiRoute } from './route-table.ts';

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
const date = z.string().describe('ISO 8601 instant');
const note = z.string().trim().min(1).max(4000);
// Checked in the handler, so that a malformed reference is a 404 like a missing ticket.
const refParam = z.object({ ref: z.string().describe('A ticket reference: 1 to 12 digits') });

function reference(value: string): string {
  if (!REFERENCE.test(value)) throw notFound(`ticket ${value} not found`);
  return value;
}

const invalid = (message: string) => new HttpError(422, 'invalid', message);

function limitOf(value: string | undefined, fallback: number): number {
  return value !== undefined && /^[0-9]{1,4}$/.test(value) ? Number(value) : fallback;
}

const timerChange = z.object({
  target: z.string(),
  effect: z.string(),
  state: z.string(),
  dueAt: date.nullable(),
});
const actionResult = z.object({ reference: z.string(), from: z.string(), status: z.string(), timers: z.array(timerChange) });

const notification = z.looseObject({
  id: z.string(),
  eventKey: z.string(),
  kind: z.string(),
  ticketId: z.string().nullable(),
  channel: z.enum(['sms', 'webhook', 'feed']),
  recipient: z.string(),
  payload: z.record(z.string(), z.unknown()),
  state: z.enum(['pending', 'sent', 'failed']),
  attempts: z.number(),
  nextAttemptAt: date.nullable(),
  sentAt: date.nullable(),
  acknowledgedAt: date.nullable(),
  acknowledgedBy: z.string().nullable(),
  createdAt: date,
});
const task = z.object({
  id: z.string(),
  ticketId: z.string(),
  kind: z.string(),
  title: z.string(),
  createdAt: date,
  doneAt: date.nullable(),
  doneBy: z.string().nullable(),
});
const ticketView = z.looseObject({
  id: z.string(),
  reference: z.string(),
  accountId: z.string().nullable(),
  callId: z.string().nullable(),
  kind: z.string(),
  tier: z.string(),
  priority: z.string().nullable(),
  channel: z.enum(['phone', 'console', 'api']),
  status: z.string(),
  summary: z.string(),
  openedAt: date,
  respondedAt: date.nullable(),
  timers: z.array(
    z.looseObject({
      target: z.string(),
      calendar: z.string(),
      state: z.string(),
      dueAt: date.nullable(),
      warnAt: date.nullable(),
      metAt: date.nullable(),
      nextFireAt: date.nullable(),
      pauses: z.array(z.object({ from: date, to: date })),
    }),
  ),
  events: z.array(z.object({ at: date, actor: z.string(), type: z.string(), detail: z.record(z.string(), z.unknown()) })),
  tasks: z.array(task),
  notifications: z.array(notification),
});

/** A lifecycle action as its own documented route: POST /tickets/{ref}/<word>. */
function actionRoute(word: string, action: TicketAction): ApiRoute {
  return route({
    method: 'post',
    path: `/tickets/{ref}/${word}`,
    operationId: `ticket_${action}`,
    summary: `${action.replace('_', ' ')}: the ticket's status and the SLA timers the action stopped, paused or started (409 when the status does not allow it)`,
    tag: 'tickets',
    roles: EVERYONE,
    params: refParam,
    body: z.object({ note: note.optional() }).strict(),
    response: actionResult,
    async handler({ deps, auth, params, body }) {
      const ref = reference(params.ref);
      await requireTicketVisible(deps, auth, ref);
      return applyAction(ticketDepsOf(deps), action, { reference: ref, actor: actorOf(auth), at: deps.now(), note: body.note });
    },
  });
}

export const ticketRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/tickets/due',
    operationId: 'ticketsDue',
    summary: 'Running SLA timers due within the window, soonest first (overdue ones first of all)',
    tag: 'tickets',
    roles: SUPERVISORS,
    query: z.object({ within: z.string().optional().describe('Minutes, hours or days, e.g. 90m, 2h, 1d (at most 31d); default 2h; else 422') }),
    response: z.object({
      at: date,
      within: z.string(),
      timers: z.array(
        z.object({
          reference: z.string(),
          ticketId: z.string(),
          status: z.string(),
          account: z.object({ number: z.string(), name: z.string() }).nullable(),
          target: z.string(),
          calendar: z.string(),
          dueAt: date,
          warnAt: date.nullable(),
          warnedAt: date.nullable(),
          state: z.enum(['due', 'overdue']),
        }),
      ),
    }),
    async handler({ deps, query }) {
      const within = query.within ?? '2h';
      const ms = parseWindow(within);
      if (ms === null) throw invalid('within must be minutes, hours or days, e.g. 90m, 2h, 1d (at most 31d)');
      const now = deps.now();
      return { at: now.toISOString(), within, timers: await dueWithin(deps.db, now, ms) };
    },
  }),
  route({
    method: 'get',
    path: '/tickets/{ref}',
    operationId: 'ticket',
    summary: 'One ticket whole: its SLA timers (with pauses), trail, tasks and notifications',
    tag: 'tickets',
    roles: EVERYONE,
    params: refParam,
    response: ticketView,
    async handler({ deps, auth, params }) {
      const ref = reference(params.ref);
      await requireTicketVisible(deps, auth, ref);
      const ticket = await showTicket(deps.db, ref);
      if (!ticket) throw notFound(`ticket ${ref} not found`);
      return ticket;
    },
  }),
  ...Object.entries(ACTION_PATHS).map(([word, action]) => actionRoute(word, action)),
  route({
    method: 'post',
    path: '/tickets/{ref}/note',
    operationId: 'ticketNote',
    summary: "Adds a note to the ticket's trail (audited)",
    tag: 'tickets',
    roles: EVERYONE,
    params: refParam,
    body: z.object({ note }).strict(),
    status: 201,
    response: z.object({ reference: z.string(), noted: z.literal(true) }),
    async handler({ deps, auth, params, body }) {
      const ref = reference(params.ref);
      await requireTicketVisible(deps, auth, ref);
      await addNote(ticketDepsOf(deps), { reference: ref, actor: actorOf(auth), at: deps.now(), note: body.note });
      return { reference: ref, noted: true };
    },
  }),
  route({
    method: 'post',
    path: '/tickets/{ref}/adr-done',
    operationId: 'ticketAdrDone',
    summary: "Records that a complaint's customer was told of their right to ADR (the task done, the 8-week point met); 409 on a fault or when already recorded",
    tag: 'tickets',
    roles: EVERYONE,
    params: refParam,
    body: z.object({ note: note.optional() }).strict(),
    response: z.object({ reference: z.string(), taskId: z.string() }),
    async handler({ deps, auth, params, body }) {
      const ref = reference(params.ref);
      await requireTicketVisible(deps, auth, ref);
      return recordAdrNotice(ticketDepsOf(deps), { reference: ref, actor: actorOf(auth), at: deps.now(), note: body.note });
    },
  }),
  route({
    method: 'post',
    path: '/complaints',
    operationId: 'raiseComplaint',
    summary: "Opens a complaint for an account, its targets (acknowledgement, resolution, escalation, ADR notice) frozen on it; 404 for an unknown account",
    tag: 'tickets',
    roles: SUPERVISORS,
    body: z
      .object({
        accountNumber: z.string().regex(/^[0-9]{1,12}$/, 'an account number is 1 to 12 digits'),
        summary: note,
      })
      .strict(),
    status: 201,
    response: z.object({ id: z.string(), reference: z.string(), targets: z.array(z.object({ name: z.string(), dueAt: date.nullable() })) }),
    async handler({ deps, auth, body }) {
      return raiseComplaint(ticketDepsOf(deps), { ...body, actor: actorOf(auth), channel: 'console', at: deps.now() });
    },
  }),
  route({
    method: 'get',
    path: '/notifications',
    operationId: 'notifications',
    summary: 'The notification outbox, latest first',
    tag: 'notifications',
    roles: SUPERVISORS,
    query: z.object({
      undelivered: z.string().optional().describe('true: only those not yet delivered'),
      ticket: z.string().optional().describe("One ticket's, by reference (404 when there is no such ticket)"),
      limit: z.string().optional().describe('1 to 4 digits; default 100'),
    }),
    response: z.array(notification),
    async handler({ deps, query }) {
      let ticketId: string | undefined;
      if (query.ticket !== undefined) {
        const found = await showTicket(deps.db, reference(query.ticket));
        if (!found) throw notFound(`ticket ${query.ticket} not found`);
        ticketId = found.id;
      }
      return listNotifications(deps.db, { undelivered: query.undelivered === 'true', ...(ticketId ? { ticketId } : {}), limit: limitOf(query.limit, 100) });
    },
  }),
  route({
    method: 'post',
    path: '/notifications/{id}/ack',
    operationId: 'acknowledgeNotification',
    summary: 'Stops an alert repeating: it and the others of the same event (audited when it stopped any)',
    tag: 'notifications',
    roles: SUPERVISORS,
    params: z.object({ id: z.string().describe('A notification id (else 404)') }),
    response: z.object({ id: z.string(), acknowledged: z.array(z.string()) }),
    async handler({ deps, auth, params }) {
      if (!isRowId(params.id)) throw notFound(`notification ${params.id} not found`);
      const acknowledged = await acknowledgeAlert(deps, { id: params.id, actor: actorOf(auth), at: deps.now() });
      return { id: params.id, acknowledged: acknowledged.map((n) => n.id) };
    },
  }),
  route({
    method: 'get',
    path: '/feed',
    operationId: 'feed',
    summary: "The console's feed, latest first",
    tag: 'notifications',
    roles: SUPERVISORS,
    query: z.object({
      limit: z.string().optional().describe('1 to 4 digits; default 50'),
      before: z.string().refine(isRowId, 'must be the id of a feed entry').optional().describe('Entries older than this one'),
    }),
    response: z.array(
      z.object({
        id: z.string(),
        at: date,
        kind: z.string(),
        ticketId: z.string().nullable(),
        reference: z.string().nullable(),
        text: z.string(),
        detail: z.record(z.string(), z.unknown()),
        notificationId: z.string().nullable(),
      }),
    ),
    async handler({ deps, query }) {
      return listFeed(deps.db, { limit: limitOf(query.limit, 50), ...(query.before ? { beforeId: query.before } : {}) });
    },
  }),
  route({
    method: 'get',
    path: '/tasks',
    operationId: 'tasks',
    summary: 'Tasks not yet done (the ADR notices), with their ticket references',
    tag: 'tickets',
    roles: SUPERVISORS,
    response: z.array(task.extend({ reference: z.string() })),
    async handler({ deps }) {
      return openTasks(deps.db);
    },
  }),
];
