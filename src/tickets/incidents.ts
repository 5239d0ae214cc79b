// Major incidents. An incident is a parent ticket that holds the one SLA clock for the
// fault (planned as a critical fault of the tier given, Cat4 unless said: the strictest
// promise to anyone affected); callers' own tickets join it (pressing 1 at its
// announcement, or a supervisor linking them) and are each still recorded. Resolving
// the incident resolves the parent and every open child in one transaction, audited
// once as the incident's action (each ticket's trail says so too), and can queue a text
// to every caller who joined from a UK mobile.
import { TIERS, type Tier } from '../domain/contracts.ts';
import { planTargets } from '../domain/sla/plan.ts';
import { targetsFor } from '../domain/sla/policy.ts';
import { isUkMobile } from '../domain/tickets/customer-text.ts';
import { audit } from '../store/audit.ts';
import { queueCustomerText } from '../store/customer-texts.ts';
import type { Db } from '../store/db.ts';
import { NotFoundError, ValidationError } from '../store/errors.ts';
import { addTicketEvent, lockTicketByReference } from '../store/ticket-lifecycle.ts';
import { insertTicket } from '../store/tickets.ts';
import { isId, requireOneOf, requireText } from '../store/validate.ts';
import { calendarFrom } from './calendar.ts';
import { TicketConflictError } from './errors.ts';
import { applyActionIn, type TicketDeps } from './service.ts';

export interface IncidentRecord {
  id: string;
  title: string;
  ticketId: string;
  reference: string;
  status: string;
  createdBy: string;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** Callers' tickets joined to it. */
  children: number;
}

const CLOSED = ['resolved', 'closed'];

export async function openIncident(
  deps: TicketDeps,
  input: { title: string; tier?: string | undefined; actor: string; channel: 'console' | 'api'; at: Date },
): Promise<IncidentRecord> {
  const title = requireText(input.title, 'title');
  if (title.length > 200) throw new ValidationError('title must be at most 200 characters', 'title');
  const tier: Tier = input.tier === undefined ? 'Cat4' : requireOneOf(input.tier, TIERS, 'tier');
  const actor = requireText(input.actor, 'actor');
  const ctx = await calendarFrom(deps.db, deps.division, input.at);
  const planned = planTargets(targetsFor(tier, 'critical', 'fault'), input.at, ctx);
  const id = await deps.db.tx(async (tx) => {
    const ticket = (await insertTicket(
      tx,
      { accountId: null, callId: null, kind: 'fault', tier, priority: 'critical', channel: input.channel, route: null,
        summary: `Incident: ${title}`, adHocAccepted: null, openedAt: input.at, targets: planned },
      input.at,
    ))!; // null only for a call that already has its ticket; an incident has no call
    const [row] = await tx.query<{ id: string }>(
      'insert into incidents (ticket_id, title, created_by, created_at) values ($1, $2, $3, $4) returning id',
      [ticket.id, title, actor, input.at],
    );
    await addTicketEvent(tx, ticket.id, input.at, actor, 'created', { kind: 'incident', incidentId: row!.id, tier, targets: planned.map((t) => ({ name: t.name, dueAt: t.dueAt })) });
    await audit(tx, { actor, action: 'incident.opened', entity: 'incident', entityId: row!.id, detail: { title, reference: ticket.reference, tier }, at: input.at });
    return row!.id;
  });
  return (await getIncident(deps.db, id))!;
}

export async function getIncident(db: Db, id: string): Promise<IncidentRecord | null> {
  if (!isId(id)) return null;
  return (await incidents(db, id))[0] ?? null;
}

export async function listIncidents(db: Db): Promise<IncidentRecord[]> {
  return incidents(db, null);
}

async function incidents(db: Db, id: string | null): Promise<IncidentRecord[]> {
  const rows = await db.query<{
    id: string; title: string; ticket_id: string; reference: string; status: string; created_by: string;
    created_at: Date; resolved_at: Date | null; resolved_by: string | null; children: string;
  }>(
    `select i.*, t.reference, t.status, (select count(*) from tickets c where c.incident_id = i.id) as children
       from incidents i join tickets t on t.id = i.ticket_id
      where $1::bigint is null or i.id = $1
      order by i.created_at desc, i.id desc limit 200`,
    [id],
  );
  return rows.map((r) => ({
    id: r.id, title: r.title, ticketId: r.ticket_id, reference: r.reference, status: r.status,
    createdBy: r.created_by, createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null, resolvedBy: r.resolved_by, children: Number(r.children),
  }));
}

/** A supervisor joins a caller's ticket to an open incident (not the parent itself, nor another incident's child). */
export async function linkTicket(deps: TicketDeps, input: { incidentId: string; reference: string; actor: string; at: Date }): Promise<void> {
  const actor = requireText(input.actor, 'actor');
  await deps.db.tx(async (tx) => {
    const incident = await lockIncident(tx, input.incidentId);
    if (incident.resolved_at) throw new TicketConflictError(`incident ${input.incidentId} is resolved`);
    const ticket = await lockTicketByReference(tx, input.reference);
    if (!ticket) throw new NotFoundError('ticket', input.reference);
    const [link] = await tx.query<{ incident_id: string | null }>('select incident_id from tickets where id = $1', [ticket.id]);
    if (ticket.id === incident.ticket_id) throw new TicketConflictError('an incident’s own ticket cannot join it');
    if (link?.incident_id === input.incidentId) return;
    if (link?.incident_id) throw new TicketConflictError(`ticket ${input.reference} already belongs to incident ${link.incident_id}`);
    await tx.query('update tickets set incident_id = $2, updated_at = $3 where id = $1', [ticket.id, input.incidentId, input.at]);
    await addTicketEvent(tx, ticket.id, input.at, actor, 'joined-incident', { incidentId: input.incidentId });
    await audit(tx, { actor, action: 'incident.linked', entity: 'incident', entityId: input.incidentId, detail: { reference: ticket.reference }, at: input.at });
  });
}

export interface ResolveResult {
  incidentId: string;
  /** References resolved now, the parent first. */
  resolved: string[];
  /** Texts queued to callers who joined. */
  texted: number;
}

/**
 * Resolves the incident's parent and every child still open, in one transaction; with
 * `text`, queues "resolved" to each joined caller on a UK mobile (once per ticket; only
 * when SMS is configured and the account allows texts).
 */
export async function resolveIncident(
  deps: TicketDeps,
  input: { incidentId: string; actor: string; at: Date; note?: string | undefined; text: boolean },
): Promise<ResolveResult> {
  const actor = requireText(input.actor, 'actor');
  const note = input.note === undefined ? undefined : requireText(input.note, 'note');
  return deps.db.tx(async (tx) => {
    const incident = await lockIncident(tx, input.incidentId);
    if (incident.resolved_at) throw new TicketConflictError(`incident ${input.incidentId} is already resolved`);
    const tickets = await tx.query<{ reference: string; status: string; from_number: string | null; is_parent: boolean }>(
      `select t.reference, t.status, c.from_number, t.id = $2 as is_parent
         from tickets t left join calls c on c.id = t.call_id
        where t.id = $2 or t.incident_id = $1
        order by (t.id = $2) desc, t.id`,
      [input.incidentId, incident.ticket_id],
    );
    const resolved: string[] = [];
    for (const t of tickets.filter((t) => !CLOSED.includes(t.status))) {
      await applyActionIn(tx, deps, 'resolve', { reference: t.reference, actor, at: input.at, note: note ?? `incident ${input.incidentId} resolved` });
      resolved.push(t.reference);
    }
    let texted = 0;
    if (input.text && deps.routing.sms) {
      const [parent] = await tx.query<{ title: string }>('select title from incidents where id = $1', [input.incidentId]);
      for (const t of tickets) {
        if (t.is_parent || !t.from_number || !isUkMobile(t.from_number)) continue;
        const [row] = await tx.query<{ id: string }>('select id from tickets where reference = $1', [t.reference]);
        const text = `Support Line: the fault you reported (ticket ${t.reference}) is fixed: ${parent!.title}. If you still have a problem, please call us.`;
        if (await queueCustomerText(tx, { kind: 'incident_resolved', ticketId: row!.id, phone: t.from_number, text, at: input.at })) texted += 1;
      }
    }
    await tx.query('update incidents set resolved_at = $2, resolved_by = $3 where id = $1', [input.incidentId, input.at, actor]);
    await audit(tx, { actor, action: 'incident.resolved', entity: 'incident', entityId: input.incidentId, detail: { resolved, texted, ...(note ? { note } : {}) }, at: input.at });
    return { incidentId: input.incidentId, resolved, texted };
  });
}

async function lockIncident(tx: Db, id: string): Promise<{ id: string; ticket_id: string; resolved_at: Date | null }> {
  const [row] = isId(id)
    ? await tx.query<{ id: string; ticket_id: string; resolved_at: Date | null }>('select id, ticket_id, resolved_at from incidents where id = $1 for update', [id])
    : [];
  if (!row) throw new NotFoundError('incident', id);
  return row;
}
