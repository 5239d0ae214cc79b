// Sentences the flow builds from catalogue prompts and call facts.
import { digits, num, prompt, type PromptId, type Segment } from '../prompts.ts';
import { spokenDue } from '../spoken-time.ts';
import type { FlowState, TicketStatus } from './types.ts';

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

export function ticketStatus(reference: string, status: TicketStatus, nextDueAt: string | null, now: Date): Segment[] {
  const next = nextDueAt ? [prompt('next-update-by'), ...spokenDue(new Date(nextDueAt), now)] : [];
  return [prompt('ticket'), digits(reference), prompt('status-is'), prompt(STATUS_PROMPT[status]), ...next];
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
