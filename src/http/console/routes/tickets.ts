// Console pages for tickets: the list, one ticket, and its lifecycle actions and
// notes, which go through the ticket service (src/tickets/service.ts) so the
// console changes a ticket exactly as the API and the CLI do.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { TICKET_ACTIONS } from '../../../domain/tickets/lifecycle.ts';
import { routingFromConfig } from '../../../notify/channels.ts';
import { SLA_STATES } from '../../../store/call-log.ts';
import { ticketList, ticketVisibleToEngineer } from '../../../store/console-views.ts';
import { decodeTicketCursor, encodeTicketCursor, TICKET_STATUS_FILTERS } from '../../api/ticket-list.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../store/errors.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import { listUsers } from '../../../store/users.ts';
import { listEngineers } from '../../../store/engineers.ts';
import { showTicket, type TicketView } from '../../../tickets/queries.ts';
import { customerInView } from '../../api/customer.ts';
import { assignAs, callbackDoneAs } from '../../api/ownership.ts';
import { ticketOwnership } from '../../../store/ticket-owner.ts';
import { addNote, applyAction, recordAdrNotice, type TicketDeps } from '../../../tickets/service.ts';
import { EVERYONE, requireRole, scopeOf } from '../../auth/guards.ts';
import { actorOf } from '../../auth/session.ts';
import { issuesText } from '../../api/route-table.ts';
import { HttpError, notFound } from '../../errors.ts';
import type { ConsoleDeps } from '../deps.ts';
import { toDocument } from '../html.ts';
import { ACTION_LABELS, ticketPage, ticketsPage } from '../pages/tickets.ts';
import { rawQuery } from './calls.ts';

const listQuery = z.object({
  status: z.enum(TICKET_STATUS_FILTERS).optional(),
  sla: z.enum(SLA_STATES).optional(),
  mine: z.enum(['1']).optional(),
  after: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/).optional(),
});
const REFERENCE = /^[0-9]{1,12}$/;
const actionForm = z.object({ action: z.enum(TICKET_ACTIONS), note: z.string().trim().max(4000).optional() });
const noteForm = z.object({ note: z.string().trim().min(1, 'write the note first').max(4000) });

const FLASH: Record<string, string> = {
  noted: 'Note added.',
  assigned: 'Owner changed.',
  'called-back': 'Recorded that the customer was called back.',
  adr: 'Recorded that the customer was told of their right to alternative dispute resolution.',
  ...Object.fromEntries(TICKET_ACTIONS.map((a) => [a, `Done: ${ACTION_LABELS[a]}.`])),
};

/** People's names for the actors in a ticket's trail. */
async function actorNames(deps: ConsoleDeps): Promise<Map<string, string>> {
  const [users, engineers] = await Promise.all([listUsers(deps.db), listEngineers(deps.db)]);
  return new Map([
    ...users.map((u) => [`user:${u.id}`, u.name] as const),
    ...engineers.map((e) => [`engineer:${e.id}`, e.name] as const),
    ['line', 'Phone line'],
    ['worker:sla', 'SLA watcher'],
  ]);
}

export function ticketPages(deps: ConsoleDeps): Router {
  const router = Router();
  const ticketDeps = (): TicketDeps => ({ db: deps.db, division: deps.config.OFFICE_DIVISION, routing: routingFromConfig(deps.config) });

  /** The signed-in user, if they may see ticket `ref` (an engineer only their own). */
  async function ticketAuth(req: Request): Promise<{ auth: SessionUser; ref: string }> {
    const auth = requireRole(req, EVERYONE);
    const ref = String(req.params.ref ?? '');
    if (!REFERENCE.test(ref)) throw notFound('no such ticket');
    const scope = scopeOf(auth);
    if (!scope.all && !(scope.engineerId && (await ticketVisibleToEngineer(deps.db, ref, scope.engineerId)))) {
      // Unknown and not-yours look different: a 404 for a ticket that does not exist.
      if (!(await showTicket(deps.db, ref))) throw notFound('no such ticket');
      throw new HttpError(403, 'forbidden', 'this ticket is not one of yours');
    }
    return { auth, ref };
  }

  router.get('/tickets', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const raw = rawQuery(req.query);
    const parsed = listQuery.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')));
    const now = deps.now();
    const status = raw.status === undefined ? 'open' : raw.status;
    const render = (code: number, rows: Awaited<ReturnType<typeof ticketList>> | null, error: string | null) => {
      let nextLink: string | null = null;
      if (rows?.next) {
        const p = new URLSearchParams({ status, ...(raw.sla ? { sla: raw.sla } : {}), ...(raw.mine ? { mine: '1' } : {}), after: encodeTicketCursor(rows.next) });
        nextLink = `/console/tickets?${p.toString()}`;
      }
      res.status(code).type('html').send(toDocument(ticketsPage(auth, { status, sla: raw.sla ?? '', mine: raw.mine === '1', rows: rows?.rows ?? [], next: rows?.next ?? null, nextLink, now, error })));
    };
    const after = parsed.success && parsed.data.after ? decodeTicketCursor(parsed.data.after) : null;
    if (!parsed.success || (parsed.data.after && !after)) {
      render(400, null, parsed.success ? 'after: not a cursor from a previous page' : issuesText(parsed.error));
      return;
    }
    const scope = scopeOf(auth);
    const rows = await ticketList(
      deps.db,
      {
        ...(status ? { status: status as (typeof TICKET_STATUS_FILTERS)[number] } : {}),
        ...(parsed.data.sla ? { sla: parsed.data.sla } : {}),
        ...(scope.all ? {} : { engineerId: scope.engineerId ?? '' }),
        ...(parsed.data.mine ? { assignedTo: auth.user.id } : {}),
      },
      { after, limit: 50, now },
    );
    render(200, rows, null);
  });

  router.get('/tickets/:ref', async (req, res) => {
    const { auth, ref } = await ticketAuth(req);
    const ticket = await showTicket(deps.db, ref);
    if (!ticket) throw notFound('no such ticket');
    const done = typeof req.query.done === 'string' ? FLASH[req.query.done] : undefined;
    res.type('html').send(toDocument(await renderTicket(auth, ticket, done ? { kind: 'ok', text: done } : null)));
  });

  async function renderTicket(auth: SessionUser, ticket: TicketView, flash: { kind: 'ok' | 'error'; text: string } | null) {
    const [actors, customer, ownership, users] = await Promise.all([
      actorNames(deps),
      customerInView(deps, auth, { accountId: ticket.accountId, callId: ticket.callId, ticketId: ticket.id }),
      ticketOwnership(deps.db, ticket.id),
      auth.user.role === 'engineer' ? Promise.resolve([]) : listUsers(deps.db),
    ]);
    const owners = users.filter((u) => !u.disabled).map((u) => ({ id: u.id, name: u.name, role: u.role }));
    return ticketPage(auth, ticket, { now: deps.now(), actors, flash, customer, ownership, owners });
  }

  /** Runs a change (the ticket service audits it with the ticket's trail); a refusal is shown on the ticket page. */
  async function change(req: Request, res: import('express').Response, ref: string, auth: SessionUser, done: string, work: (deps: TicketDeps) => Promise<unknown>) {
    try {
      await work(ticketDeps());
    } catch (err) {
      if (err instanceof ConflictError || err instanceof ValidationError) {
        const ticket = await showTicket(deps.db, ref);
        if (!ticket) throw notFound('no such ticket');
        res.status(err instanceof ConflictError ? 409 : 422).type('html').send(
          toDocument(await renderTicket(auth, ticket, { kind: 'error', text: err.message })),
        );
        return;
      }
      if (err instanceof NotFoundError) throw notFound('no such ticket');
      throw err;
    }
    res.redirect(303, `/console/tickets/${ref}?done=${done}`);
  }

  router.post('/tickets/:ref/actions', async (req, res) => {
    const { auth, ref } = await ticketAuth(req);
    const parsed = actionForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(422, 'invalid', issuesText(parsed.error));
    const { action, note } = parsed.data;
    await change(req, res, ref, auth, action, (d) => applyAction(d, action, { reference: ref, actor: actorOf(auth), at: deps.now(), note: note || undefined }));
  });

  router.post('/tickets/:ref/notes', async (req, res) => {
    const { auth, ref } = await ticketAuth(req);
    const parsed = noteForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(422, 'invalid', issuesText(parsed.error));
    await change(req, res, ref, auth, 'noted', (d) => addNote(d, { reference: ref, actor: actorOf(auth), at: deps.now(), note: parsed.data.note }));
  });

  router.post('/tickets/:ref/assign', async (req, res) => {
    const { auth, ref } = await ticketAuth(req);
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const to = raw['userId'] === 'me' ? auth.user.id : raw['userId'] === '' || raw['userId'] === undefined ? null : String(raw['userId']);
    if (to !== null && !/^[1-9][0-9]{0,18}$/.test(to)) throw new HttpError(422, 'invalid', 'userId: must be a user id');
    await change(req, res, ref, auth, 'assigned', () => assignAs(deps, auth, ref, to));
  });

  router.post('/tickets/:ref/callback-done', async (req, res) => {
    const { auth, ref } = await ticketAuth(req);
    await change(req, res, ref, auth, 'called-back', () => callbackDoneAs(deps, auth, ref));
  });

  router.post('/tickets/:ref/adr-notice', async (req, res) => {
    const { auth, ref } = await ticketAuth(req);
    await change(req, res, ref, auth, 'adr', (d) => recordAdrNotice(d, { reference: ref, actor: actorOf(auth), at: deps.now() }));
  });

  return router;
}
