// After the call the customer has in writing what they were told: the reference, and
// the promised time when nobody has them yet. Sent only where someone helped or took a
// message; a caller who gave up mid-call is called back by a person, not texted a promise.
import { PROMPTS } from '../prompts.ts';
import { describeSpokenDue } from '../spoken-time.ts';
import type { CallOutcome, DataCommand, FlowState } from './types.ts';

const TEXTED: readonly CallOutcome[] = ['desk', 'engineer', 'message'];

export function afterCallText(state: FlowState, outcome: CallOutcome, now: Date): DataCommand[] {
  const ticket = state.ticket;
  if (!ticket || !TEXTED.includes(outcome)) return [];
  const reference = `Support Line: your ticket reference is ${ticket.reference}.`;
  let promise: string;
  if (outcome !== 'message') promise = 'Please quote it if you call us again about this.';
  else if (ticket.replyDueAt && new Date(ticket.replyDueAt) > now) {
    const lead = PROMPTS[ticket.kind === 'complaint' ? 'complaint-ack-by' : 'callback-by'];
    promise = `${lead} ${describeSpokenDue(new Date(ticket.replyDueAt), now)}.`;
  } else promise = PROMPTS['no-target'];
  return [{ kind: 'textCaller', ticketId: ticket.id, phone: state.from, text: `${reference} ${promise}` }];
}
