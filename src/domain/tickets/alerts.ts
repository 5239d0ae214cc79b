// Who hears of a warning or breach, and what they read. Pure: the watcher builds
// the payload in its transaction, the notifier turns it into an SMS, a webhook
// body or a feed line when it delivers.
import type { Priority, Tier } from '../contracts.ts';
import type { TicketKind } from '../flow/types.ts';
import type { SlaTargetName } from '../sla/policy.ts';
import type { AlertKind } from '../sla/watch.ts';
import { describeDue } from '../spoken-time.ts';

export type { AlertKind };

/** The task the watcher opens when a complaint has been open 8 weeks (seed 002). */
export const ADR_TASK_TITLE =
  'Tell the customer of their right to alternative dispute resolution (Ofcom), then record it';

/** The duty manager (DUTY_MANAGER_PHONE) and the engineer on call now (the rota). */
export type Audience = 'duty_manager' | 'on_call';

export interface AlertPayload {
  kind: AlertKind;
  target: SlaTargetName;
  ticket: { id: string; reference: string; kind: TicketKind; tier: Tier; priority: Priority | null };
  account: { number: string; name: string } | null;
  /** The target's due time (ISO). */
  dueAt: string;
  /** When the watcher acted (ISO). */
  at: string;
  /** On a breach: whether the contract earns a service credit. */
  serviceCredit: boolean | null;
}

/**
 * Warnings and breaches go to the duty manager and the engineer on call; the
 * 48-hour escalation is "to management" and the ADR task is for the complaint's
 * handler, so those go to the duty manager alone.
 */
export function audienceFor(kind: AlertKind): Audience[] {
  switch (kind) {
    case 'warning':
    case 'breach':
      return ['duty_manager', 'on_call'];
    case 'escalation':
    case 'adr_task':
    case 'escalation_failed':
      return ['duty_manager'];
  }
}

const TARGET_LABEL: Record<SlaTargetName, string> = {
  response: 'response',
  resolution: 'resolution',
  onsite: 'on-site visit',
  complaint_ack: 'complaint acknowledgement',
  complaint_escalation: 'complaint escalation',
  complaint_resolution: 'complaint resolution',
  adr_notice: 'ADR notice',
};

export const targetLabel = (target: SlaTargetName): string => TARGET_LABEL[target];

/** One line for the console's feed and the top of an SMS. */
export function alertText(p: AlertPayload): string {
  const who = p.account ? `${p.account.name}, ${p.ticket.tier}` : p.ticket.tier;
  const ticket = `${p.ticket.kind === 'complaint' ? 'complaint' : 'ticket'} ${p.ticket.reference} (${who})`;
  const due = describeDue(new Date(p.dueAt), new Date(p.at));
  switch (p.kind) {
    case 'warning':
      return `SLA warning: ${ticket} ${TARGET_LABEL[p.target]} due ${due}`;
    case 'breach':
      return (
        `SLA BREACH: ${ticket} ${TARGET_LABEL[p.target]} was due ${due}` +
        (p.serviceCredit ? '; service credit earned' : '')
      );
    case 'escalation':
      return `Escalation: ${ticket} unresolved after 48 hours; escalated to management`;
    case 'escalation_failed':
      return `ESCALATION FAILED: ${ticket}: no on-call engineer accepted the customer's call. Call them back now`;
    case 'adr_task':
      return (
        `Task: ${ticket} open 8 weeks; tell the customer of their right to alternative dispute ` +
        `resolution (Ofcom), then record it with tickets adr-done --ref ${p.ticket.reference}`
      );
  }
}

/** The SMS: the line, and how to stop it repeating. */
export function alertSms(p: AlertPayload, notificationId: string): string {
  return `${alertText(p)}. Ack: notifications ack --id ${notificationId}`;
}
