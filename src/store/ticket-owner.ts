// Who owns a ticket, and the callbacks the line has promised. Assigning is audited,
// written to the ticket's trail, and told to the assignee through the console feed
// (and, for a Cat4 critical fault, by SMS to their engineer phone through the outbox).
// A callback is owed on a phone ticket where the caller left a message, or where
// nobody has responded yet (they were told when they would hear back); it stays a
// to-do, due at the response target, until someone records the call back.
import { assigneeText } from '../domain/tickets/assignee-text.ts';
import type { CustomerTextPayload } from '../domain/tickets/customer-text.ts';
import { audit } from './audit.ts';
import { engineerTicketSql } from './console-views.ts';
import type { Db } from './db.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { addFeedEntry, enqueueNotifications, type FeedEntry } from './notifications.ts';
import { addTicketEvent, lockTicketByReference, touchTicket, type LifecycleTicket } from './ticket-lifecycle.ts';
import { isId, requireText } from './validate.ts';

export interface Assignee {
  id: string;
  name: string;
  role: string;
  engineerId: string | null;
}

export async function assignableUser(db: Db, userId: string): Promise<Assignee | null> {
  if (!isId(userId)) return null;
  const [u] = await db.query<{ id: string; name: string; role: string; engineer_id: string | null }>(
    'select id::text, name, role, engineer_id::text from users where id = $1 and not disabled',
    [userId],
  );
  return u ? { id: u.id, name: u.name, role: u.role, engineerId: u.engineer_id } : null;
}

export interface Assigned {
  reference: string;
  assignee: Assignee | null;
  previous: string | null;
  feed: FeedEntry | null;
  /** The E.164 number an SMS was queued to, or null. */
  texted: string | null;
  ticket: { id: string; tier: string; priority: string | null; kind: string };
}

/**
 * Gives the ticket to `userId` (null: nobody). Refuses an unknown or disabled user.
 * `sms`: texts can be sent (Twilio configured); then an engineer given a Cat4
 * critical fault is texted too.
 */
export async function assignTicket(db: Db, input: { reference: string; userId: string | null; actor: string; actorName: string; at: Date; sms?: boolean }): Promise<Assigned> {
  const actor = requireText(input.actor, 'actor');
  return db.tx(async (tx) => {
    const ticket = await lockTicketByReference(tx, input.reference);
    if (!ticket) throw new NotFoundError('ticket', input.reference);
    const assignee = input.userId === null ? null : await assignableUser(tx, input.userId);
    if (input.userId !== null && !assignee) throw new ValidationError(`user ${input.userId} cannot be given tickets (unknown or disabled)`);
    const [before] = await tx.query<{ assigned_to: string | null }>('select assigned_to::text from tickets where id = $1', [ticket.id]);
    await tx.query('update tickets set assigned_to = $2, assigned_at = $3 where id = $1', [ticket.id, assignee?.id ?? null, assignee ? input.at : null]);
    const detail = { from: before?.assigned_to ?? null, to: assignee?.id ?? null, name: assignee?.name ?? null };
    await addTicketEvent(tx, ticket.id, input.at, actor, 'assigned', detail);
    await touchTicket(tx, ticket.id, input.at);
    await audit(tx, { at: input.at, actor, action: 'ticket.assigned', entity: 'ticket', entityId: ticket.id, detail: { reference: ticket.reference, ...detail } });
    const feed = assignee
      ? (
          await addFeedEntry(tx, {
            at: input.at,
            kind: 'assigned',
            ticketId: ticket.id,
            reference: ticket.reference,
            text: `Ticket ${ticket.reference} given to ${assignee.name} by ${input.actorName}`,
            detail: { userId: assignee.id },
            notificationId: null,
          })
        ).entry
      : null;
    const texted = assignee && input.sms ? await queueAssigneeText(tx, ticket, assignee, input.actorName, input.at) : null;
    return { reference: ticket.reference, assignee, previous: before?.assigned_to ?? null, feed, texted, ticket: { id: ticket.id, tier: ticket.tier, priority: ticket.priority, kind: ticket.kind } };
  });
}

async function queueAssigneeText(tx: Db, ticket: LifecycleTicket, assignee: Assignee, givenBy: string, at: Date): Promise<string | null> {
  if (!assignee.engineerId) return null; // a supervisor has no phone on record
  const [row] = await tx.query<{ phone: string; account_name: string | null }>(
    `select e.phone, a.name as account_name
       from engineers e, tickets t left join accounts a on a.id = t.account_id
      where e.id = $1 and t.id = $2`,
    [assignee.engineerId, ticket.id],
  );
  if (!row) return null;
  const text = assigneeText({ reference: ticket.reference, kind: ticket.kind, tier: ticket.tier, priority: ticket.priority, accountName: row.account_name }, givenBy);
  if (!text) return null;
  const payload: CustomerTextPayload = { kind: 'assignee_sms', ticket: { id: ticket.id, reference: ticket.reference }, text, at: at.toISOString() };
  // One text per hand-over: giving the ticket to the same engineer again later texts again.
  const eventKey = `assignee_sms:${ticket.id}:${assignee.id}:${at.toISOString()}`;
  await enqueueNotifications(tx, [{ eventKey, kind: 'assignee_sms', ticketId: ticket.id, timerId: null, channel: 'sms', recipient: row.phone, payload }], at);
  return row.phone;
}

/** The SQL condition "this ticket owes the caller a call back" over tickets `t` (joined to its call `c`). */
export const CALLBACK_OWED_SQL = `t.channel = 'phone' and t.callback_done_at is null
  and t.status not in ('resolved', 'closed', 'caller_abandoned')
  and (c.outcome = 'message' or t.responded_at is null)`;

export interface CallbackDue {
  reference: string;
  ticketId: string;
  accountName: string | null;
  accountNumber: string | null;
  callerNumber: string | null;
  /** The response target's due time: when the caller was told they would hear back. */
  dueAt: Date | null;
  messageLeft: boolean;
  assignee: string | null;
}

/**
 * Calls back owed, due soonest first. `escalationFailed`: only those whose call
 * no on-call engineer accepted (true), or only the others (false); both when absent.
 */
export async function callbacksDue(db: Db, opts: { engineerId?: string; limit?: number; escalationFailed?: boolean } = {}): Promise<CallbackDue[]> {
  const params: unknown[] = [Math.min(opts.limit ?? 50, 200)];
  let scope = opts.escalationFailed === undefined ? '' : opts.escalationFailed ? 'and t.escalation_failed' : 'and not t.escalation_failed';
  if (opts.engineerId !== undefined) {
    if (!isId(opts.engineerId)) return [];
    params.push(opts.engineerId);
    scope += ` and ${engineerTicketSql('t', '$2::text')}`;
  }
  const rows = await db.query<{
    reference: string;
    id: string;
    account_name: string | null;
    account_number: string | null;
    from_number: string | null;
    due_at: Date | null;
    message: boolean;
    assignee: string | null;
  }>(
    `select t.reference, t.id::text, a.name as account_name, a.number as account_number, c.from_number,
            (select st.due_at from sla_timers st where st.ticket_id = t.id and st.target = 'response') as due_at,
            coalesce(c.outcome = 'message', false) as message, u.name as assignee
       from tickets t
       left join calls c on c.id = t.call_id
       left join accounts a on a.id = t.account_id
       left join users u on u.id = t.assigned_to
      where ${CALLBACK_OWED_SQL} ${scope}
      order by due_at nulls last, t.opened_at, t.id
      limit $1`,
    params,
  );
  return rows.map((r) => ({
    reference: r.reference,
    ticketId: r.id,
    accountName: r.account_name,
    accountNumber: r.account_number,
    callerNumber: r.from_number,
    dueAt: r.due_at,
    messageLeft: r.message,
    assignee: r.assignee,
  }));
}

/** Records the call back; refuses a ticket that owes none. */
export async function recordCallbackDone(db: Db, input: { reference: string; actor: string; at: Date; note?: string | undefined }): Promise<void> {
  const actor = requireText(input.actor, 'actor');
  await db.tx(async (tx) => {
    const ticket = await lockTicketByReference(tx, input.reference);
    if (!ticket) throw new NotFoundError('ticket', input.reference);
    const [owed] = await tx.query(`select 1 from tickets t left join calls c on c.id = t.call_id where t.id = $1 and ${CALLBACK_OWED_SQL}`, [ticket.id]);
    if (!owed) throw new ConflictError(`ticket ${ticket.reference} has no call back to make`);
    await tx.query('update tickets set callback_done_at = $2, callback_done_by = $3 where id = $1', [ticket.id, input.at, actor]);
    await addTicketEvent(tx, ticket.id, input.at, actor, 'callback-done', input.note ? { note: input.note } : {});
    await touchTicket(tx, ticket.id, input.at);
    await audit(tx, { at: input.at, actor, action: 'ticket.callback-done', entity: 'ticket', entityId: ticket.id, detail: { reference: ticket.reference } });
  });
}

export interface TicketOwnership {
  assignee: { id: string; name: string } | null;
  callbackOwed: boolean;
  callbackDoneAt: Date | null;
}

/** The owner and callback state of one ticket, for its page. */
export async function ticketOwnership(db: Db, ticketId: string): Promise<TicketOwnership> {
  const [row] = await db.query<{ assigned_to: string | null; name: string | null; owed: boolean; callback_done_at: Date | null }>(
    `select t.assigned_to::text, u.name, (${CALLBACK_OWED_SQL}) as owed, t.callback_done_at
       from tickets t left join calls c on c.id = t.call_id left join users u on u.id = t.assigned_to
      where t.id = $1`,
    [ticketId],
  );
  return {
    assignee: row?.assigned_to ? { id: row.assigned_to, name: row.name ?? '' } : null,
    callbackOwed: row?.owed ?? false,
    callbackDoneAt: row?.callback_done_at ?? null,
  };
}
