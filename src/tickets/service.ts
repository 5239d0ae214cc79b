// The ticket service: an engineer or supervisor acts on a ticket (acknowledge,
// wait on the customer, resume, decide and attend on site, resolve, close, reopen,
// note, record the ADR notice, acknowledge an alert), and an engineer accepts the
// call about it. Each is one transaction: the ticket and its timers are locked, the
// domain decides (src/domain/tickets), and the new status, the timers and a
// ticket_event naming the actor are written together, with the audit_log row of a
// person's change (an engineer accepting a call is in the call's own record).
import type { Division } from '../domain/calendar/bank-holidays.ts';
import type { DeskQueue } from '../domain/flow/types.ts';
import { earnsServiceCredit } from '../domain/sla/policy.ts';
import { ADR_TASK_TITLE, type AlertPayload } from '../domain/tickets/alerts.ts';
import { IllegalTransitionError, planResponse, planTransition, type TicketAction, type TimerEffect, type TransitionPlan } from '../domain/tickets/lifecycle.ts';
import * as timers from '../domain/tickets/timers.ts';
import type { CalendarContext } from '../domain/calendar/calendar.ts';
import { queueAlerts, type Alert, type AlertRouting } from '../notify/outbox.ts';
import { audit } from '../store/audit.ts';
import type { Db } from '../store/db.ts';
import { NotFoundError, ValidationError } from '../store/errors.ts';
import { acknowledgeNotification, type NotificationRecord } from '../store/notifications.ts';
import { lockTicketTimers, saveTimer, type StoredTimer } from '../store/sla-timers.ts';
import { flagTicket } from '../store/tickets.ts';
import {
  addTicketEvent,
  alertTickets,
  completeTask,
  lockTask,
  lockTicketById,
  lockTicketByReference,
  openTask,
  recordResponse,
  touchTicket,
  updateTicketStatus,
  type LifecycleTicket,
} from '../store/ticket-lifecycle.ts';
import { isId, requireInstant, requireText } from '../store/validate.ts';
import { calendarFrom, earliestStart } from './calendar.ts';
import { TicketConflictError } from './errors.ts';

export interface TicketDeps {
  db: Db;
  /** The office calendar's division (OFFICE_DIVISION). */
  division: Division;
  /** Where a breach recorded by an action (rather than the watcher) is notified. */
  routing: AlertRouting;
}

export interface ActionInput {
  reference: string;
  /** Who acted: `user:<id>`, `engineer:<id>`, `cli`, `api`. */
  actor: string;
  at: Date;
  note?: string | undefined;
}

export interface TimerChange {
  target: string;
  effect: TimerEffect;
  state: timers.TimerState;
  dueAt: string | null;
}

export interface ActionResult {
  reference: string;
  from: string;
  status: string;
  timers: TimerChange[];
}

/** Applies a lifecycle action; an action the ticket's status does not allow is a TicketConflictError (409). */
export async function applyAction(deps: TicketDeps, action: TicketAction, input: ActionInput): Promise<ActionResult> {
  return deps.db.tx((tx) => applyActionIn(tx, deps, action, input));
}

/** applyAction inside the caller's transaction (an incident resolves its tickets in one). */
export async function applyActionIn(tx: Db, deps: TicketDeps, action: TicketAction, input: ActionInput): Promise<ActionResult> {
  const actor = requireText(input.actor, 'actor');
  const at = input.at;
  const ticket = await requireTicket(tx, input.reference);
  const current = await lockTicketTimers(tx, ticket.id);
  const adrNoticeGiven = action === 'reopen' ? (await lockTask(tx, ticket.id, 'adr_notice'))?.doneAt != null : false;
  const plan = refuseIllegal(() => planTransition({ ...ticket, timers: current, adrNoticeGiven }, action));

  const { changes, late } = await applyEffects(tx, deps, ticket, current, plan.effects, at);
  await updateTicketStatus(
    tx,
    ticket.id,
    { status: plan.status, statusBeforeWait: plan.statusBeforeWait, respondedAt: plan.responds ? at : null },
    at,
  );
  await addTicketEvent(tx, ticket.id, at, actor, action, {
    from: ticket.status,
    to: plan.status,
    ...(input.note ? { note: input.note } : {}),
    timers: changes,
  });
  await recordLateBreaches(tx, deps, ticket, late, at);
  await auditTicket(tx, actor, action, ticket, { from: ticket.status, to: plan.status }, at);
  return { reference: ticket.reference, from: ticket.status, status: plan.status, timers: changes };
}

export type RespondInput = { ticketId: string; at: Date } & ({ engineerId: string } | { desk: DeskQueue });

/**
 * An engineer accepted the call about the ticket (the call flow's markResponded).
 * The same path as an action: the ticket and its timers locked, the response
 * targets met (a late one breached here, with its credit and notifications, as
 * the watcher would have), the response recorded with a ticket_event naming the
 * engineer. Once: false, with nothing written, if the ticket had been responded to.
 */
export async function respond(deps: TicketDeps, input: RespondInput): Promise<boolean> {
  const by = 'engineerId' in input ? { engineerId: input.engineerId, desk: null } : { engineerId: null, desk: input.desk };
  if (by.engineerId !== null && !isId(by.engineerId)) throw new ValidationError('engineerId is not an engineer id', 'engineerId');
  if (by.desk !== null && by.desk !== 'support' && by.desk !== 'billing') throw new ValidationError('desk is support or billing', 'desk');
  const at = requireInstant(input.at, 'at');
  return deps.db.tx(async (tx) => {
    const ticket = await lockTicketById(tx, input.ticketId);
    if (!ticket) throw new NotFoundError('ticket', input.ticketId);
    if (ticket.respondedAt) return false;
    const current = await lockTicketTimers(tx, ticket.id);
    const plan = planResponse({ ...ticket, timers: current });
    const { changes, late } = await applyEffects(tx, deps, ticket, current, plan.effects, at);
    await recordResponse(tx, ticket.id, { ...by, status: plan.status, statusBeforeWait: plan.statusBeforeWait }, at);
    await addTicketEvent(tx, ticket.id, at, by.engineerId !== null ? `engineer:${by.engineerId}` : `desk:${by.desk}`, 'responded', {
      ...(by.engineerId !== null ? { engineerId: by.engineerId } : { desk: by.desk }),
      from: ticket.status,
      to: plan.status,
      timers: changes,
    });
    await recordLateBreaches(tx, deps, ticket, late, at);
    return true;
  });
}

/**
 * No engineer on the on-call ladder accepted the call: the ticket is flagged and the
 * duty manager told at once (SMS, webhook, console), in one transaction, so the
 * caller may be told so. Once per ticket (the event key); true when it is queued.
 */
export async function escalationFailed(deps: TicketDeps, input: { ticketId: string; at: Date }): Promise<boolean> {
  const at = requireInstant(input.at, 'at');
  return deps.db.tx(async (tx) => {
    await flagTicket(tx, input.ticketId, 'escalation_failed', at);
    const info = (await alertTickets(tx, [input.ticketId])).get(input.ticketId);
    if (!info) throw new NotFoundError('ticket', input.ticketId);
    const [due] = await tx.query<{ due_at: Date | null }>(
      `select due_at from sla_timers where ticket_id = $1 and target = 'response'`,
      [input.ticketId],
    );
    const payload: AlertPayload = {
      kind: 'escalation_failed',
      target: 'response',
      ticket: { id: info.id, reference: info.reference, kind: info.kind, tier: info.tier, priority: info.priority },
      account: info.account,
      dueAt: (due?.due_at ?? at).toISOString(),
      at: at.toISOString(),
      serviceCredit: null,
    };
    const alert: Alert = { payload, ticketId: info.id, timerId: null, eventKey: `ticket:${info.id}:escalation_failed` };
    await queueAlerts(tx, [alert], deps.routing, at);
    // Queued now or by an earlier delivery of the same event: either way it is in the outbox.
    const [queued] = await tx.query<{ n: number }>(
      `select count(*)::int as n from notifications where event_key = $1`,
      [alert.eventKey],
    );
    return (queued?.n ?? 0) > 0;
  });
}

/** A note in the ticket's trail; any ticket, any status. */
export async function addNote(deps: TicketDeps, input: ActionInput & { note: string }): Promise<void> {
  const text = requireText(input.note, 'note');
  const actor = requireText(input.actor, 'actor');
  await deps.db.tx(async (tx) => {
    const ticket = await requireTicket(tx, input.reference);
    await addTicketEvent(tx, ticket.id, input.at, actor, 'note', { text });
    await touchTicket(tx, ticket.id, input.at);
    await auditTicket(tx, actor, 'note', ticket, {}, input.at);
  });
}

/**
 * The customer has been told of their right to alternative dispute resolution.
 * Usually the task the watcher opened at 8 weeks; a handler who tells them sooner
 * records it the same way, and the 8-week timer then has nothing left to do.
 */
export async function recordAdrNotice(deps: TicketDeps, input: ActionInput): Promise<{ reference: string; taskId: string }> {
  const actor = requireText(input.actor, 'actor');
  const at = input.at;
  return deps.db.tx(async (tx) => {
    const ticket = await requireTicket(tx, input.reference);
    if (ticket.kind !== 'complaint') {
      throw new TicketConflictError(`ticket ${ticket.reference} is a ${ticket.kind}, not a complaint: there is no ADR notice to give`);
    }
    let task = await lockTask(tx, ticket.id, 'adr_notice');
    if (task?.doneAt) {
      throw new TicketConflictError(
        `the ADR notice on ${ticket.reference} was recorded at ${task.doneAt.toISOString()} by ${task.doneBy}`,
        'already_done',
      );
    }
    task ??= await openTask(tx, ticket.id, 'adr_notice', ADR_TASK_TITLE, at);
    await completeTask(tx, task!.id, actor, at);
    const adr = (await lockTicketTimers(tx, ticket.id)).find((t) => t.target === 'adr_notice');
    if (adr && timers.isLive(adr)) {
      await saveTimer(tx, { ...adr, ...timers.meet(adr, at, false).timer }, at);
    }
    await addTicketEvent(tx, ticket.id, at, actor, 'adr_notice_given', { taskId: task!.id, ...(input.note ? { note: input.note } : {}) });
    await touchTicket(tx, ticket.id, at);
    await auditTicket(tx, actor, 'adr_notice_given', ticket, { taskId: task!.id }, at);
    return { reference: ticket.reference, taskId: task!.id };
  });
}

/**
 * Someone has seen an alert: it and the others of the same event stop repeating
 * (src/store/notifications.ts). Audited when it stopped any; an alert already
 * acknowledged changes nothing and is not.
 */
export async function acknowledgeAlert(
  deps: Pick<TicketDeps, 'db'>,
  input: { id: string; actor: string; at: Date },
): Promise<NotificationRecord[]> {
  const actor = requireText(input.actor, 'actor');
  return deps.db.tx(async (tx) => {
    const acknowledged = await acknowledgeNotification(tx, input.id, actor, input.at);
    if (acknowledged.length > 0) {
      await audit(tx, {
        actor,
        action: 'notification.acknowledged',
        entity: 'notification',
        entityId: input.id,
        detail: { eventKey: acknowledged[0]!.eventKey, notifications: acknowledged.map((n) => n.id) },
        at: input.at,
      });
    }
    return acknowledged;
  });
}

// ---------------------------------------------------------------------------

async function requireTicket(tx: Db, reference: string): Promise<LifecycleTicket> {
  const ticket = await lockTicketByReference(tx, reference);
  if (!ticket) throw new NotFoundError('ticket', reference);
  return ticket;
}

/**
 * The audit_log row of a person's change to a ticket, in the change's transaction:
 * `ticket.<what the trail calls it>`, by the ticket's reference (what people quote).
 */
async function auditTicket(
  tx: Db,
  actor: string,
  what: string,
  ticket: LifecycleTicket,
  detail: Record<string, unknown>,
  at: Date,
): Promise<void> {
  await audit(tx, { actor, action: `ticket.${what}`, entity: 'ticket', entityId: ticket.reference, detail, at });
}

function refuseIllegal<T>(plan: () => T): T {
  try {
    return plan();
  } catch (err) {
    if (err instanceof IllegalTransitionError) throw new TicketConflictError(err.message);
    throw err;
  }
}

/** Carries out the plan's timer effects under the locks held; the breaches they record late are returned to be notified. */
async function applyEffects(
  tx: Db,
  deps: TicketDeps,
  ticket: LifecycleTicket,
  current: StoredTimer[],
  effects: TransitionPlan['effects'],
  at: Date,
): Promise<{ changes: TimerChange[]; late: StoredTimer[] }> {
  const needsCalendar = effects.some((e) => e.effect === 'start' || e.effect === 'resume' || e.effect === 'restart');
  const ctx = needsCalendar ? await calendarFrom(tx, deps.division, earliestStart(current, at)) : null;
  const changes: TimerChange[] = [];
  const late: StoredTimer[] = [];
  for (const { target, effect } of effects) {
    const before = current.find((t) => t.target === target);
    if (!before) continue;
    const { timer, lateBreach } = applyEffect(before, effect, at, ticket, ctx);
    const after = { ...before, ...timer };
    await saveTimer(tx, after, at);
    changes.push({ target, effect, state: after.state, dueAt: after.dueAt?.toISOString() ?? null });
    if (lateBreach) late.push(after);
  }
  return { changes, late };
}

function applyEffect(
  t: StoredTimer,
  effect: TimerEffect,
  at: Date,
  ticket: LifecycleTicket,
  ctx: CalendarContext | null,
): timers.Met {
  const calendar = () => {
    if (!ctx) throw new Error(`the ${effect} of a timer needs the calendar`);
    return ctx;
  };
  switch (effect) {
    case 'start':
      return { timer: timers.start(t, at, calendar()), lateBreach: false };
    case 'pause':
      return { timer: timers.pause(t, at), lateBreach: false };
    case 'resume':
      return { timer: timers.resume(t, at, calendar()), lateBreach: false };
    case 'meet':
      return timers.meet(t, at, earnsServiceCredit(ticket.tier, t.target));
    case 'cancel':
      return { timer: timers.cancel(t, at), lateBreach: false };
    case 'restart':
      return { timer: timers.restart(t, calendar()), lateBreach: false };
  }
}

/**
 * A target kept after its due time but before the watcher's next look: the breach
 * is recorded here, once (the row was locked), with its notifications.
 */
async function recordLateBreaches(tx: Db, deps: TicketDeps, ticket: LifecycleTicket, late: StoredTimer[], at: Date): Promise<void> {
  if (late.length === 0) return;
  const info = (await alertTickets(tx, [ticket.id])).get(ticket.id)!;
  const alerts: Alert[] = late.map((t) => {
    const payload: AlertPayload = {
      kind: 'breach',
      target: t.target,
      ticket: { id: info.id, reference: info.reference, kind: info.kind, tier: info.tier, priority: info.priority },
      account: info.account,
      dueAt: t.dueAt!.toISOString(),
      at: at.toISOString(),
      serviceCredit: t.serviceCredit,
    };
    return { payload, ticketId: ticket.id, timerId: t.id, eventKey: `timer:${t.id}:breach:${at.toISOString()}` };
  });
  for (const t of late) {
    await addTicketEvent(tx, ticket.id, at, 'worker:sla', 'sla_breach', {
      target: t.target,
      dueAt: t.dueAt?.toISOString(),
      serviceCredit: t.serviceCredit,
    });
  }
  await queueAlerts(tx, alerts, deps.routing, at);
}
