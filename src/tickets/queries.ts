// Reading tickets for people: one ticket whole, and the timers coming due.
import type { Db } from '../store/db.ts';
import { listNotifications, type NotificationRecord } from '../store/notifications.ts';
import { timersDueBy, type DueTimer } from '../store/sla-timers.ts';
import { ticketTasks, type TaskRecord } from '../store/ticket-lifecycle.ts';
import { getTicket, type TicketDetail } from '../store/tickets.ts';

export interface TicketView extends TicketDetail {
  tasks: TaskRecord[];
  notifications: NotificationRecord[];
}

/** A ticket by reference with its timers (pauses included), trail, tasks and notifications; null if none. */
export async function showTicket(db: Db, reference: string): Promise<TicketView | null> {
  const ticket = await getTicket(db, { reference });
  if (!ticket) return null;
  const [tasks, notifications] = await Promise.all([ticketTasks(db, ticket.id), listNotifications(db, { ticketId: ticket.id })]);
  return { ...ticket, tasks, notifications };
}

/** Running timers due within `windowMs` of `now`, soonest first; overdue ones first of all. */
export function dueWithin(db: Db, now: Date, windowMs: number): Promise<DueTimer[]> {
  return timersDueBy(db, now, new Date(now.getTime() + windowMs));
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90m`, `2h`, `1d` → milliseconds; null when it is not one of those (or is over 31 days). */
export function parseWindow(text: string): number | null {
  const match = /^(\d{1,4})([mhd])$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 && ms <= 31 * UNIT_MS.d ? ms : null;
}
