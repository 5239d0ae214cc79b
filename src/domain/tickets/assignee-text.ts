// The text to an engineer given a ticket: only a Cat4 critical fault (24-hour
// cover) warrants reaching them away from the console; anything else waits in the
// console feed. Pure: the store queues it in the assignment's
// transaction.
import type { Priority, Tier } from '../contracts.ts';
import type { TicketKind } from '../flow/types.ts';

export interface AssignedTicket {
  reference: string;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  accountName: string | null;
}

/** The SMS for the assignee, or null when the ticket does not warrant one. */
export function assigneeText(t: AssignedTicket, givenBy: string): string | null {
  if (t.kind !== 'fault' || t.tier !== 'Cat4' || t.priority !== 'critical') return null;
  const who = t.accountName ? `${t.accountName}, Cat4 critical` : 'Cat4 critical';
  return `Ticket ${t.reference} (${who}) is now yours, given by ${givenBy}. Details in the console.`;
}
