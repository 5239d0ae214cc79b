// A closure was added or removed: the office calendar changed, so every running
// office-hours timer of an open ticket is computed again from its own start, its
// frozen target and its pauses. On purpose and audited: one ticket_event per
// ticket whose times moved, one audit_log row for the whole change. Timers on the
// extended and 24-hour calendars ignore closures and are left alone; paused timers
// are computed when they resume, against the calendar of that day.
import type { Division } from '../domain/calendar/bank-holidays.ts';
import { reschedule } from '../domain/tickets/timers.ts';
import { audit } from '../store/audit.ts';
import type { Db } from '../store/db.ts';
import { lockRunningTimersOn, saveTimer, ticketsRunningOn } from '../store/sla-timers.ts';
import { addTicketEvent, lockTickets, touchTicket } from '../store/ticket-lifecycle.ts';
import { requireText } from '../store/validate.ts';
import { calendarFrom, earliestStart } from './calendar.ts';

export interface CalendarChange {
  actor: string;
  division: Division;
  at: Date;
  /** What changed, for the trail: e.g. `{ closure: '12', change: 'added' }`. */
  reason?: Record<string, unknown>;
}

export interface Moved {
  ticketId: string;
  target: string;
  dueAt: { from: string | null; to: string | null };
  warnAt: { from: string | null; to: string | null };
}

export async function recomputeOnCalendarChange(db: Db, change: CalendarChange): Promise<{ tickets: number; moved: Moved[] }> {
  const actor = requireText(change.actor, 'actor');
  return db.tx(async (tx) => {
    // The tickets first, then their timers: the order every action takes them in.
    const ticketIds = await ticketsRunningOn(tx, 'office');
    await lockTickets(tx, ticketIds);
    const running = await lockRunningTimersOn(tx, 'office', ticketIds);
    const ctx = await calendarFrom(tx, change.division, earliestStart(running, change.at));
    const moved: Moved[] = [];
    for (const before of running) {
      const after = { ...before, ...reschedule(before, ctx) };
      if (same(before.dueAt, after.dueAt) && same(before.warnAt, after.warnAt) && same(before.nextFireAt, after.nextFireAt)) continue;
      await saveTimer(tx, after, change.at);
      moved.push({
        ticketId: before.ticketId,
        target: before.target,
        dueAt: { from: iso(before.dueAt), to: iso(after.dueAt) },
        warnAt: { from: iso(before.warnAt), to: iso(after.warnAt) },
      });
    }
    const byTicket = new Map<string, Moved[]>();
    for (const m of moved) byTicket.set(m.ticketId, [...(byTicket.get(m.ticketId) ?? []), m]);
    for (const [ticketId, timers] of byTicket) {
      await addTicketEvent(tx, ticketId, change.at, actor, 'recomputed', {
        why: 'office calendar changed',
        ...(change.reason ?? {}),
        timers: timers.map(({ target, dueAt, warnAt }) => ({ target, dueAt, warnAt })),
      });
      await touchTicket(tx, ticketId, change.at);
    }
    await audit(tx, {
      actor,
      action: 'sla.recomputed',
      entity: 'calendar',
      entityId: 'office',
      detail: { ...(change.reason ?? {}), timersChecked: running.length, timersMoved: moved.length, tickets: byTicket.size },
      at: change.at,
    });
    return { tickets: byTicket.size, moved };
  });
}

const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
const iso = (d: Date | null) => d?.toISOString() ?? null;
