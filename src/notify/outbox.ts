// Turns an alert (a warning, a breach, an escalation, an ADR task) into outbox
// rows, in the caller's transaction: one per configured channel and recipient.
// The recipients are resolved now, when the alert happens: the engineer on call at
// the breach is the one to tell, even if the notifier delivers a minute later.
import { onCallAt } from '../domain/escalation.ts';
import { audienceFor, type AlertPayload } from '../domain/tickets/alerts.ts';
import type { Db } from '../store/db.ts';
import { enqueueNotifications, type NewNotification } from '../store/notifications.ts';
import { shiftsAt } from '../store/rota.ts';

export interface AlertRouting {
  /** DUTY_MANAGER_PHONE (E.164). When unset, the manager on the rota now is used. */
  dutyManagerPhone: string | null;
  /** SMS is configured (Twilio credentials and a sender number). */
  sms: boolean;
  /** NOTIFY_WEBHOOK_URL is configured. */
  webhook: boolean;
}

export interface Alert {
  payload: AlertPayload;
  ticketId: string;
  timerId: string | null;
  /** Names the event: the same key is never queued twice. */
  eventKey: string;
}

/** Queues every notification for `alerts`; returns how many rows were added. */
export async function queueAlerts(tx: Db, alerts: readonly Alert[], routing: AlertRouting, at: Date): Promise<number> {
  if (alerts.length === 0) return 0;
  const people = routing.sms ? await whoIsOnDuty(tx, routing, at) : { duty_manager: null, on_call: null };
  const rows: NewNotification[] = [];
  for (const a of alerts) {
    const base = { eventKey: a.eventKey, kind: a.payload.kind, ticketId: a.ticketId, timerId: a.timerId, payload: a.payload };
    rows.push({ ...base, channel: 'feed', recipient: 'console' });
    if (routing.webhook) rows.push({ ...base, channel: 'webhook', recipient: 'webhook' });
    if (routing.sms) {
      const phones = new Set(audienceFor(a.payload.kind).map((who) => people[who]).filter((p): p is string => p !== null));
      for (const phone of phones) rows.push({ ...base, channel: 'sms', recipient: phone });
    }
  }
  return enqueueNotifications(tx, rows, at);
}

async function whoIsOnDuty(tx: Db, routing: AlertRouting, at: Date): Promise<Record<'duty_manager' | 'on_call', string | null>> {
  const shifts = await shiftsAt(tx, at);
  const onCall = onCallAt(shifts, at);
  const phoneOf = (engineerId: string | undefined) => shifts.find((s) => s.engineerId === engineerId)?.phone ?? null;
  return {
    duty_manager: routing.dutyManagerPhone ?? phoneOf(onCall.manager[0]?.engineerId),
    on_call: phoneOf(onCall.primary[0]?.engineerId ?? onCall.secondary[0]?.engineerId),
  };
}
