// Sentences the flow builds from catalogue prompts and call facts.
import { digits, num, prompt, type PromptId, type Segment } from '../prompts.ts';
import type { SlaTargetName } from '../sla/policy.ts';
import { spokenDue } from '../spoken-time.ts';
import { spokenGroups } from '../dialled.ts';
import type { FlowState, TicketStatus, TicketStatusView } from './types.ts';

/**
 * The targets a caller is told of when the ticket is raised, so the only ones a status
 * enquiry may read back; the rest (resolution, escalation, the ADR point) are internal.
 */
export const CUSTOMER_PROMISES: readonly SlaTargetName[] = ['response', 'complaint_ack'];

export function ticketReference(reference: string): Segment[] {
  return [prompt('ticket-reference'), digits(reference)];
}

/** "Your ticket reference is 1 0 4 2. An engineer will call you back by 11 a.m. tomorrow." */
export function ticketPromise(state: FlowState, now: Date): Segment[] {
  const ticket = state.ticket;
  if (!ticket) return [];
  const lead: PromptId = ticket.kind === 'complaint' ? 'complaint-ack-by' : 'callback-by';
  const promise = ticket.replyDueAt
    ? [prompt(lead), ...spokenDue(new Date(ticket.replyDueAt), now)]
    : [prompt('no-target')];
  return [...ticketReference(ticket.reference), ...promise];
}

const STATUS_PROMPT: Record<TicketStatus, PromptId> = {
  new: 'status-new',
  acknowledged: 'status-acknowledged',
  waiting_on_customer: 'status-waiting',
  onsite_decided: 'status-onsite',
  onsite: 'status-onsite',
  resolved: 'status-resolved',
  closed: 'status-closed',
  caller_abandoned: 'status-abandoned',
};

/** A complaint in complaint words: nobody "waits for an engineer" on a complaint. */
const COMPLAINT_STATUS_PROMPT: Partial<Record<TicketStatus, PromptId>> = {
  new: 'status-complaint-new',
  acknowledged: 'status-complaint-acknowledged',
  onsite_decided: 'status-complaint-acknowledged',
  onsite: 'status-complaint-acknowledged',
};

/** "Complaint 1 0 0 7 is being looked into by our complaints team." Only a promise still to come is read. */
export function ticketStatus(ticket: TicketStatusView, now: Date): Segment[] {
  const complaint = ticket.kind === 'complaint';
  const due = ticket.nextDueAt ? new Date(ticket.nextDueAt) : null;
  const lead: PromptId = complaint && ticket.status === 'new' ? 'complaint-ack-by' : 'next-update-by';
  const next = due && due > now ? [prompt(lead), ...spokenDue(due, now)] : [];
  const state = (complaint ? COMPLAINT_STATUS_PROMPT[ticket.status] : undefined) ?? STATUS_PROMPT[ticket.status];
  return [prompt(complaint ? 'complaint' : 'ticket'), digits(ticket.reference), prompt('status-is'), prompt(state), ...next];
}

/** What the engineer hears on answering: who is calling and about which ticket. */
export function whisper(state: FlowState): Segment[] {
  const account = state.account;
  const lead: PromptId = state.priority === 'critical' && account?.tier === 'Cat4' ? 'whisper-critical' : 'whisper-extended';
  const who: Segment[] = account
    ? [{ type: 'text', value: account.name, fallback: [digits(account.number)] }]
    : [];
  const ref = state.ticket ? [prompt('ticket'), digits(state.ticket.reference)] : [];
  return [prompt(lead), ...who, ...ref, prompt('whisper-accept')];
}

/** Before the tone: the message is recorded and kept N days to deal with the call, then deleted. */
export function recordingNotice(retentionDays: number): Segment[] {
  return [prompt('recording-notice'), num(retentionDays), prompt('recording-notice-days')];
}

/**
 * "This number is for customers with 24-hour cover. Your support number is 0 1 6 3 2, 9 6 0 0 0 0."
 * The number in the groups people say it in (a pause between them); nothing when the line has no main number.
 */
export function notTheirNumber(mainNumber: string | null): Segment[] {
  if (!mainNumber) return [];
  const groups = spokenGroups(mainNumber);
  const said = `${groups.map((g) => g.split('').join(' ')).join(', ')}.`;
  return [prompt('cat4-number-not-yours'), { type: 'text', value: said, fallback: groups.map((g) => digits(g)) }];
}
