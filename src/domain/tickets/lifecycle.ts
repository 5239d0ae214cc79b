// A ticket's lifecycle: which status each action may be taken from, where it
// leads, and what it does to the ticket's SLA timers. Pure: the ticket service
// loads the ticket, asks here, and writes the answer in one transaction.
//
//   new ──acknowledge──▶ acknowledged ──decide_onsite──▶ onsite_decided ──arrive_onsite──▶ onsite
//    │                        │  (Cat4: a pending on-site timer)                              │
//    └──────────resolve───────┴─────────────────────────resolve──────────────────────────────┘
//                                               ▼
//                                           resolved ──close──▶ closed
//                                               ▲ └──────reopen──────┘ (to acknowledged)
// Any open status ──wait──▶ waiting_on_customer ──resume──▶ the status it left.
import type { TicketStatus } from '../flow/types.ts';
import type { SlaTargetName } from '../sla/policy.ts';
import { UNPAUSABLE, type TimerState } from './timers.ts';

export const TICKET_ACTIONS = [
  'acknowledge',
  'wait',
  'resume',
  'decide_onsite',
  'arrive_onsite',
  'resolve',
  'close',
  'reopen',
] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

/** Statuses an action may be taken from. */
export const ALLOWED_FROM: Readonly<Record<TicketAction, readonly TicketStatus[]>> = {
  // An abandoned caller's ticket can still be picked up and worked.
  acknowledge: ['new', 'caller_abandoned'],
  // Even before anyone responds: seed 004, "any delay in providing access will not
  // be part of our target response times".
  wait: ['new', 'acknowledged', 'onsite_decided', 'onsite', 'caller_abandoned'],
  resume: ['waiting_on_customer'],
  decide_onsite: ['acknowledged'],
  arrive_onsite: ['onsite_decided'],
  // Resolving answers the customer, so it may come straight from new; while waiting,
  // the customer may tell us it is fixed.
  resolve: ['new', 'acknowledged', 'onsite_decided', 'onsite', 'waiting_on_customer', 'caller_abandoned'],
  close: ['resolved', 'caller_abandoned'],
  reopen: ['resolved', 'closed'],
};

export type TimerEffect = 'start' | 'pause' | 'resume' | 'meet' | 'cancel' | 'restart';

export interface TicketView {
  status: TicketStatus;
  statusBeforeWait: TicketStatus | null;
  timers: readonly { target: SlaTargetName; state: TimerState }[];
  /** The customer has been told of their right to ADR (the task is done). */
  adrNoticeGiven?: boolean;
}

export interface TransitionPlan {
  status: TicketStatus;
  statusBeforeWait: TicketStatus | null;
  /** What to do to each timer, by target; timers not named are left alone. */
  effects: { target: SlaTargetName; effect: TimerEffect }[];
  /** The ticket now counts as responded to (if it had not been). */
  responds: boolean;
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly action: TicketAction,
    readonly from: TicketStatus,
    reason?: string,
  ) {
    super(reason ?? `a ticket that is ${describe(from)} cannot be ${PAST[action]}`);
  }
}

const PAST: Record<TicketAction, string> = {
  acknowledge: 'acknowledged',
  wait: 'put to waiting on the customer',
  resume: 'resumed',
  decide_onsite: 'marked for an on-site visit',
  arrive_onsite: 'marked engineer on site',
  resolve: 'resolved',
  close: 'closed',
  reopen: 'reopened',
};

function describe(status: TicketStatus): string {
  return status.replace(/_/g, ' ');
}

// Targets the first response answers, and targets kept only by resolving.
export const RESPONSE_TARGETS: readonly SlaTargetName[] = ['response', 'complaint_ack'];
const RESTARTED_ON_REOPEN: readonly SlaTargetName[] = ['complaint_escalation', 'adr_notice'];

export function planTransition(ticket: TicketView, action: TicketAction): TransitionPlan {
  const from = ticket.status;
  if (!ALLOWED_FROM[action].includes(from)) throw new IllegalTransitionError(action, from);
  const live = (s: TimerState) => s === 'running' || s === 'paused';
  const each = (effect: TimerEffect, pick: (t: TicketView['timers'][number]) => boolean) =>
    ticket.timers.filter(pick).map((t) => ({ target: t.target, effect }));
  const plan = (status: TicketStatus, effects: TransitionPlan['effects'], responds = false): TransitionPlan => ({
    status,
    statusBeforeWait: status === 'waiting_on_customer' ? from : null,
    effects,
    responds,
  });

  switch (action) {
    case 'acknowledge':
      return plan('acknowledged', each('meet', (t) => RESPONSE_TARGETS.includes(t.target) && live(t.state)), true);
    case 'wait':
      return plan('waiting_on_customer', each('pause', (t) => t.state === 'running' && !UNPAUSABLE.includes(t.target)));
    case 'resume':
      return plan(ticket.statusBeforeWait ?? 'acknowledged', each('resume', (t) => t.state === 'paused'));
    case 'decide_onsite': {
      const onsite = ticket.timers.find((t) => t.target === 'onsite');
      if (!onsite) {
        throw new IllegalTransitionError(action, from, "this ticket's contract has no on-site visits (Cat4 only)");
      }
      if (onsite.state !== 'pending') {
        throw new IllegalTransitionError(action, from, `the on-site visit was already decided (its timer is ${onsite.state})`);
      }
      return plan('onsite_decided', [{ target: 'onsite', effect: 'start' }]);
    }
    case 'arrive_onsite':
      return plan('onsite', each('meet', (t) => t.target === 'onsite' && live(t.state)));
    case 'resolve': {
      // Fixed before an engineer went: the on-site promise no longer applies.
      const onsite = each('cancel', (t) => t.target === 'onsite' && (live(t.state) || t.state === 'pending'));
      const kept = each('meet', (t) => t.target !== 'onsite' && live(t.state));
      return plan('resolved', [...onsite, ...kept], true);
    }
    case 'close':
      return plan('closed', each('cancel', (t) => live(t.state) || t.state === 'pending'));
    case 'reopen':
      return plan(
        'acknowledged',
        each(
          'restart',
          (t) =>
            RESTARTED_ON_REOPEN.includes(t.target) &&
            t.state === 'met' &&
            !(t.target === 'adr_notice' && ticket.adrNoticeGiven === true),
        ),
      );
  }
}

/**
 * An engineer took the caller's call about the ticket (the call flow's acceptance):
 * its first response, from whatever status it is in. Like acknowledging, it meets
 * the response targets still running or paused; unlike it, it is never refused, as
 * the engineer is already on the line. A new ticket becomes acknowledged, and one
 * waiting on the customer will resume to acknowledged rather than to new.
 */
export function planResponse(ticket: TicketView): TransitionPlan {
  const answered = (s: TicketStatus): TicketStatus => (s === 'new' ? 'acknowledged' : s);
  return {
    status: answered(ticket.status),
    statusBeforeWait: ticket.statusBeforeWait === null ? null : answered(ticket.statusBeforeWait),
    effects: ticket.timers
      .filter((t) => RESPONSE_TARGETS.includes(t.target) && (t.state === 'running' || t.state === 'paused'))
      .map((t) => ({ target: t.target, effect: 'meet' as const })),
    responds: true,
  };
}
