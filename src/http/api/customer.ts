// The customer beside a ticket or a call, scoped to the signed-in user: the console's
// ticket and call pages and the API's call detail show the same thing.
import { getCall } from '../../store/calls.ts';
import { customerView, type CustomerView } from '../../store/customer-view.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { scopeOf } from '../auth/guards.ts';
import type { ConsoleDeps } from '../console/deps.ts';

export interface CustomerInView {
  customer: CustomerView | null;
  /** The number that rang, when a call is involved. */
  callerNumber: string | null;
}

export async function customerInView(
  deps: ConsoleDeps,
  auth: SessionUser,
  about: { accountId: string | null; callId: string | null; ticketId?: string | null; callerNumber?: string },
): Promise<CustomerInView> {
  const scope = scopeOf(auth);
  const [customer, call] = await Promise.all([
    customerView(deps.db, about.accountId, {
      now: deps.now(),
      exceptTicketId: about.ticketId ?? null,
      exceptCallId: about.callId,
      ...(scope.all ? {} : { engineerId: scope.engineerId ?? '' }),
    }),
    about.callerNumber === undefined && about.callId ? getCall(deps.db, about.callId) : Promise.resolve(null),
  ]);
  return { customer, callerNumber: about.callerNumber ?? call?.from ?? null };
}
