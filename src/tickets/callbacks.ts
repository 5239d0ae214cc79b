// A callback made: the to-do is done, and if nobody had responded yet the call back
// is the first response (the ticket is acknowledged, which meets its response target).
import { recordCallbackDone } from '../store/ticket-owner.ts';
import { getTicket } from '../store/tickets.ts';
import { applyAction, type ActionInput, type TicketDeps } from './service.ts';

export async function callbackDone(deps: TicketDeps, input: ActionInput): Promise<{ reference: string; acknowledged: boolean }> {
  await recordCallbackDone(deps.db, input);
  const ticket = await getTicket(deps.db, { reference: input.reference });
  if (ticket?.status !== 'new') return { reference: input.reference, acknowledged: false };
  await applyAction(deps, 'acknowledge', { ...input, note: input.note ?? 'called the customer back' });
  return { reference: input.reference, acknowledged: true };
}
