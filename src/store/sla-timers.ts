// SLA timers as the lifecycle and the watcher read and write them, and as a new
// ticket is given them. Every change happens under the row's lock (`for update`),
// so a meeting, a pause and the watcher's warning or breach of one timer never
// interleave. The one mapping between a row and a timer is here.
import type { CalendarName } from '../domain/calendar/calendar.ts';
import type { PlannedTarget } from '../domain/flow/types.ts';
import type { SlaTargetName } from '../domain/sla/policy.ts';
import type { Timer, TimerState } from '../domain/tickets/timers.ts';
import type { Db } from './db.ts';
import { ValidationError } from './errors.ts';
import { requireInstant } from './validate.ts';

/** A timer with its row's identity. */
export interface StoredTimer extends Timer {
  id: string;
  ticketId: string;
}

export interface TimerRow {
  id: string;
  ticket_id: string;
  target: SlaTargetName;
  calendar: CalendarName;
  target_minutes: number;
  starts_at: Date | null;
  due_at: Date | null;
  warn_at: Date | null;
  state: TimerState;
  warned_at: Date | null;
  breached_at: Date | null;
  met_at: Date | null;
  paused_at: Date | null;
  pauses: { from: string; to: string }[];
  service_credit: boolean | null;
  next_fire_at: Date | null;
}

export function toTimer(row: TimerRow): StoredTimer {
  return {
    id: row.id,
    ticketId: row.ticket_id,
    target: row.target,
    calendar: row.calendar,
    minutes: row.target_minutes,
    startsAt: row.starts_at,
    dueAt: row.due_at,
    warnAt: row.warn_at,
    state: row.state,
    warnedAt: row.warned_at,
    breachedAt: row.breached_at,
    metAt: row.met_at,
    pausedAt: row.paused_at,
    pauses: row.pauses.map((p) => ({ from: new Date(p.from), to: new Date(p.to) })),
    serviceCredit: row.service_credit,
    nextFireAt: row.next_fire_at,
  };
}

/**
 * A new ticket's timers, one per planned target, in the caller's transaction:
 * running when its clock has started, else pending. The watcher's first call is
 * the warning (the 75% point planned with the calendar) or, for a target planned
 * without one, the due time.
 */
export async function insertTimers(tx: Db, ticketId: string, targets: readonly PlannedTarget[], at: Date): Promise<void> {
  for (const t of targets.map(newTimerRow)) {
    await tx.query(
      `insert into sla_timers (ticket_id, target, calendar, target_minutes, starts_at, due_at, warn_at,
                               state, next_fire_at, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [ticketId, t.target, t.calendar, t.minutes, t.startsAt, t.dueAt, t.warnAt, t.state, t.nextFireAt, at],
    );
  }
}

function newTimerRow(t: PlannedTarget) {
  if (!Number.isInteger(t.minutes) || t.minutes < 0) {
    throw new ValidationError(`target ${t.name}: minutes must be a whole number from 0`, 'targets');
  }
  const base = { target: t.name, calendar: t.calendar, minutes: t.minutes };
  if (t.startsAt === null) return { ...base, startsAt: null, dueAt: null, warnAt: null, state: 'pending' as const, nextFireAt: null };
  if (t.dueAt === null) throw new ValidationError(`target ${t.name} has started but has no due time`, 'targets');
  const dueAt = isoInstant(t.dueAt, 'dueAt');
  const warnAt = t.warnAt ? isoInstant(t.warnAt, 'warnAt') : null;
  return { ...base, startsAt: isoInstant(t.startsAt, 'startsAt'), dueAt, warnAt, state: 'running' as const, nextFireAt: warnAt ?? dueAt };
}

const isoInstant = (value: string, field: string): Date => requireInstant(new Date(value), field);

/** A ticket's timers, locked for the rest of the transaction. */
export async function lockTicketTimers(tx: Db, ticketId: string): Promise<StoredTimer[]> {
  const rows = await tx.query<TimerRow>('select * from sla_timers where ticket_id = $1 order by id for update', [ticketId]);
  return rows.map(toTimer);
}

export async function ticketTimers(db: Db, ticketId: string): Promise<StoredTimer[]> {
  const rows = await db.query<TimerRow>('select * from sla_timers where ticket_id = $1 order by id', [ticketId]);
  return rows.map(toTimer);
}

/** Writes what the domain decided about a timer (the target, calendar and minutes never change). */
export async function saveTimer(tx: Db, t: StoredTimer, at: Date): Promise<void> {
  await tx.query(
    `update sla_timers
        set starts_at = $2, due_at = $3, warn_at = $4, state = $5, warned_at = $6, breached_at = $7,
            met_at = $8, paused_at = $9, pauses = $10::jsonb, service_credit = $11, next_fire_at = $12,
            updated_at = $13
      where id = $1`,
    [
      t.id,
      t.startsAt,
      t.dueAt,
      t.warnAt,
      t.state,
      t.warnedAt,
      t.breachedAt,
      t.metAt,
      t.pausedAt,
      JSON.stringify(t.pauses.map((p) => ({ from: p.from.toISOString(), to: p.to.toISOString() }))),
      t.serviceCredit,
      t.nextFireAt,
      at,
    ],
  );
}

/**
 * The SLA watcher's claim: up to `limit` timers whose next instant has come, locked,
 * skipping any another watcher holds. Only the partial index on next_fire_at is read
 * (next_fire_at is null unless the timer runs), so the cost follows the timers
 * coming due, not the open tickets.
 */
export const CLAIM_DUE_TIMERS_SQL = `select * from sla_timers
  where next_fire_at <= $1
  order by next_fire_at
  limit $2
  for update skip locked`;

export async function claimDueTimers(tx: Db, now: Date, limit: number): Promise<StoredTimer[]> {
  const rows = await tx.query<TimerRow>(CLAIM_DUE_TIMERS_SQL, [now, limit]);
  return rows.map(toTimer);
}

/** The next instant any timer needs the watcher (from the index alone). */
export async function earliestNextFire(db: Db): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>(
    'select min(next_fire_at) as at from sla_timers where next_fire_at is not null',
  );
  return row?.at ?? null;
}

/** Open tickets with a running timer on `calendar` (unlocked: lock the tickets, then their timers). */
export async function ticketsRunningOn(db: Db, calendar: CalendarName): Promise<string[]> {
  const rows = await db.query<{ ticket_id: string }>(
    `select distinct s.ticket_id from sla_timers s join tickets t on t.id = s.ticket_id
      where s.state = 'running' and s.calendar = $1 and t.status not in ('resolved', 'closed')
      order by s.ticket_id`,
    [calendar],
  );
  return rows.map((r) => r.ticket_id);
}

/** Running timers on `calendar` of these tickets, locked: a calendar change recomputes them. */
export async function lockRunningTimersOn(tx: Db, calendar: CalendarName, ticketIds: readonly string[]): Promise<StoredTimer[]> {
  if (ticketIds.length === 0) return [];
  const rows = await tx.query<TimerRow>(
    `select * from sla_timers
      where state = 'running' and calendar = $1 and ticket_id = any($2::bigint[])
      order by ticket_id, id
      for update`,
    [calendar, [...ticketIds]],
  );
  return rows.map(toTimer);
}

export interface DueTimer {
  reference: string;
  ticketId: string;
  status: string;
  account: { number: string; name: string } | null;
  target: SlaTargetName;
  calendar: CalendarName;
  dueAt: Date;
  warnAt: Date | null;
  warnedAt: Date | null;
  /** `due` while the time runs; `overdue` once past due and not yet recorded by the watcher. */
  state: 'due' | 'overdue';
}

/** Running timers due by `until`, soonest first (overdue ones included). */
export async function timersDueBy(db: Db, now: Date, until: Date, limit = 500): Promise<DueTimer[]> {
  const rows = await db.query<{
    reference: string;
    ticket_id: string;
    status: string;
    account_number: string | null;
    account_name: string | null;
    target: SlaTargetName;
    calendar: CalendarName;
    due_at: Date;
    warn_at: Date | null;
    warned_at: Date | null;
  }>(
    `select t.reference, t.id as ticket_id, t.status, a.number as account_number, a.name as account_name,
            s.target, s.calendar, s.due_at, s.warn_at, s.warned_at
       from sla_timers s
       join tickets t on t.id = s.ticket_id
       left join accounts a on a.id = t.account_id
      where s.state = 'running' and s.due_at <= $1
      order by s.due_at, s.id
      limit $2`,
    [until, limit],
  );
  return rows.map((r) => ({
    reference: r.reference,
    ticketId: r.ticket_id,
    status: r.status,
    account: r.account_number === null ? null : { number: r.account_number, name: r.account_name ?? '' },
    target: r.target,
    calendar: r.calendar,
    dueAt: r.due_at,
    warnAt: r.warn_at,
    warnedAt: r.warned_at,
    state: r.due_at <= now ? 'overdue' : 'due',
  }));
}
