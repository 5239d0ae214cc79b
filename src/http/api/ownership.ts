// Who owns a ticket, and the callbacks owed:
//   POST /tickets/{ref}/assign         { userId | null }  supervisors: anyone; an engineer: themselves
//   POST /tickets/{ref}/callback-done  { note? }          the call back was made
//   GET  /callbacks                                       the to-do list, due soonest first
import { z } from 'zod';
import { routingFromConfig } from '../../notify/channels.ts';
import { ticketVisibleToEngineer } from '../../store/console-views.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { assignTicket, callbacksDue } from '../../store/ticket-owner.ts';
import { callbackDone } from '../../tickets/callbacks.ts';
import type { TicketDeps } from '../../tickets/service.ts';
import { EVERYONE, scopeOf } from '../auth/guards.ts';
import { actorOf } from '../auth/session.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { HttpError } from '../errors.ts';
import { idParam } from './inputs.ts';
import { route, type ApiRoute } from './route-table.ts';

const refParam = z.object({ ref: z.string().regex(/^[0-9]{1,12}$/, 'must be a ticket reference') });

export const ticketDepsOf = (deps: ConsoleDeps): TicketDeps => ({ db: deps.db, division: deps.config.OFFICE_DIVISION, routing: routingFromConfig(deps.config) });

/** An engineer acts only on tickets they can see (rung on, responded to, or own). */
export async function requireTicketVisible(deps: ConsoleDeps, auth: SessionUser, reference: string): Promise<void> {
  const scope = scopeOf(auth);
  if (scope.all) return;
  if (!scope.engineerId || !(await ticketVisibleToEngineer(deps.db, reference, scope.engineerId))) {
    throw new HttpError(403, 'forbidden', 'engineers may see and act on their own tickets only');
  }
}

export async function assignAs(deps: ConsoleDeps, auth: SessionUser, reference: string, userId: string | null) {
  await requireTicketVisible(deps, auth, reference);
  if (auth.user.role === 'engineer' && userId !== auth.user.id) {
    throw new HttpError(403, 'forbidden', 'an engineer may take a ticket for themselves only');
  }
  return assignTicket(deps.db, { reference, userId, actor: actorOf(auth), actorName: auth.user.name, at: deps.now(), sms: routingFromConfig(deps.config).sms });
}

export async function callbackDoneAs(deps: ConsoleDeps, auth: SessionUser, reference: string, note?: string) {
  await requireTicketVisible(deps, auth, reference);
  return callbackDone(ticketDepsOf(deps), { reference, actor: actorOf(auth), at: deps.now(), note });
}

export function callbacksFor(deps: ConsoleDeps, auth: SessionUser, opts: { escalationFailed?: boolean } = {}) {
  const scope = scopeOf(auth);
  return callbacksDue(deps.db, { ...opts, ...(scope.all ? {} : { engineerId: scope.engineerId ?? '' }) });
}

const date = z.string().describe('ISO 8601 instant');

/** One call back owed, as /callbacks and /now answer it. */
export const callbackSchema = z.object({
  reference: z.string(),
  ticketId: z.string(),
  accountName: z.string().nullable(),
  accountNumber: z.string().nullable(),
  callerNumber: z.string().nullable(),
  dueAt: date.nullable(),
  messageLeft: z.boolean(),
  assignee: z.string().nullable(),
});

export const ownershipRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/tickets/{ref}/assign',
    operationId: 'assignTicket',
    summary: 'Gives a ticket to a console user (null: nobody); audited, told to them in the console feed and, for a Cat4 critical fault, by SMS to their engineer phone',
    tag: 'tickets',
    roles: EVERYONE,
    params: refParam,
    body: z.object({ userId: idParam.nullable() }).strict(),
    response: z.object({ reference: z.string(), assignee: z.object({ id: z.string(), name: z.string() }).nullable() }),
    async handler({ deps, auth, params, body }) {
      const done = await assignAs(deps, auth, params.ref, body.userId);
      return { reference: done.reference, assignee: done.assignee ? { id: done.assignee.id, name: done.assignee.name } : null };
    },
  }),
  route({
    method: 'post',
    path: '/tickets/{ref}/callback-done',
    operationId: 'callbackDone',
    summary: 'Records that the customer was called back; the first response if nobody had responded',
    tag: 'tickets',
    roles: EVERYONE,
    params: refParam,
    body: z.object({ note: z.string().trim().min(1).max(4000).optional() }).strict(),
    response: z.object({ reference: z.string(), acknowledged: z.boolean() }),
    async handler({ deps, auth, params, body }) {
      return callbackDoneAs(deps, auth, params.ref, body.note);
    },
  }),
  route({
    method: 'get',
    path: '/callbacks',
    operationId: 'callbacks',
    summary: 'Calls back owed: messages left and promised callbacks not yet made, due soonest first',
    tag: 'tickets',
    roles: EVERYONE,
    response: z.array(callbackSchema),
    async handler({ deps, auth }) {
      return callbacksFor(deps, auth);
    },
  }),
];
