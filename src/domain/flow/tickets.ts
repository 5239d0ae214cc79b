// The ticket a call raises, with its SLA promise computed at the moment it is made.
import type { CalendarContext } from '../calendar/calendar.ts';
import { planTargets } from '../sla/plan.ts';
import { targetsFor } from '../sla/policy.ts';
import type { FlowState, NewTicket, PlannedTarget, Route, TicketKind } from './types.ts';

export function calendarOf(state: FlowState): CalendarContext {
  return {
    division: state.division,
    closures: state.closures.map((c) => ({ from: new Date(c.from), to: new Date(c.to), reason: c.reason })),
  };
}

export function plannedTargets(state: FlowState, kind: TicketKind): PlannedTarget[] {
  return planTargets(targetsFor(state.account?.tier ?? 'None', state.priority, kind), new Date(state.startedAt), calendarOf(state));
}

export function newTicket(state: FlowState, kind: TicketKind, route: Route | null): NewTicket {
  const tier = state.account?.tier ?? 'None';
  const what = kind === 'fault' ? `${state.priority ?? 'standard'} fault` : kind;
  return {
    callId: state.callId,
    accountId: state.account?.accountId ?? null,
    kind,
    tier,
    priority: kind === 'fault' ? (state.priority ?? 'standard') : null,
    route,
    openedAt: state.startedAt,
    adHocAccepted: state.adHocAccepted,
    targets: plannedTargets(state, kind),
    summary: `Phone call from ${state.from}: ${what}, ${route ?? 'joined an incident'}`,
  };
}

/** The due time the caller is told about: the response, or a complaint's acknowledgement. */
export function replyDue(ticket: NewTicket): string | null {
  const name = ticket.kind === 'complaint' ? 'complaint_ack' : 'response';
  return ticket.targets.find((t) => t.name === name)?.dueAt ?? null;
}
