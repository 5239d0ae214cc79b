// Which actions a ticket allows in each status, and what each does to its timers.
import { describe, expect, it } from 'vitest';
import type { TicketStatus } from '../../src/domain/flow/types.ts';
import type { SlaTargetName } from '../../src/domain/sla/policy.ts';
import {
  ALLOWED_FROM,
  IllegalTransitionError,
  planResponse,
  planTransition,
  TICKET_ACTIONS,
  type TicketView,
} from '../../src/domain/tickets/lifecycle.ts';
import type { TimerState } from '../../src/domain/tickets/timers.ts';

const cat4Critical = (status: TicketStatus, states: Partial<Record<SlaTargetName, TimerState>> = {}): TicketView => ({
  status,
  statusBeforeWait: null,
  timers: [
    { target: 'response', state: states.response ?? 'running' },
    { target: 'resolution', state: states.resolution ?? 'running' },
    { target: 'onsite', state: states.onsite ?? 'pending' },
  ],
});

const cat1 = (status: TicketStatus): TicketView => ({ status, statusBeforeWait: null, timers: [{ target: 'response', state: 'running' }] });

const complaint = (status: TicketStatus, states: Partial<Record<SlaTargetName, TimerState>> = {}, adrNoticeGiven = false): TicketView => ({
  status,
  statusBeforeWait: null,
  adrNoticeGiven,
  timers: (['complaint_ack', 'complaint_resolution', 'complaint_escalation', 'adr_notice'] as const).map((target) => ({
    target,
    state: states[target] ?? 'running',
  })),
});

const effects = (view: TicketView, action: Parameters<typeof planTransition>[1]) =>
  planTransition(view, action).effects.map((e) => `${e.effect} ${e.target}`);

describe('a Cat4 critical fault, new → acknowledged → on site → resolved → closed', () => {
  it('acknowledging meets the response and records the ticket as responded to', () => {
    const plan = planTransition(cat4Critical('new'), 'acknowledge');
    expect(plan.status).toBe('acknowledged');
    expect(plan.responds).toBe(true);
    expect(plan.effects).toEqual([{ target: 'response', effect: 'meet' }]);
  });

  it('deciding on an on-site visit starts the 24-hour on-site clock from the decision', () => {
    expect(planTransition(cat4Critical('acknowledged', { response: 'met' }), 'decide_onsite')).toMatchObject({
      status: 'onsite_decided',
      effects: [{ target: 'onsite', effect: 'start' }],
    });
  });

  it('the engineer on site meets the on-site target', () => {
    expect(effects(cat4Critical('onsite_decided', { response: 'met', onsite: 'running' }), 'arrive_onsite')).toEqual(['meet onsite']);
  });

  it('resolving meets the resolution target', () => {
    expect(effects(cat4Critical('onsite', { response: 'met', onsite: 'met' }), 'resolve')).toEqual(['meet resolution']);
  });

  it('resolved remotely before the visit: the on-site promise is cancelled, not met', () => {
    expect(effects(cat4Critical('onsite_decided', { response: 'met', onsite: 'running' }), 'resolve')).toEqual([
      'cancel onsite',
      'meet resolution',
    ]);
  });

  it('closing a resolved ticket leaves its kept promises alone', () => {
    expect(planTransition(cat4Critical('resolved', { response: 'met', resolution: 'met', onsite: 'cancelled' }), 'close')).toMatchObject({
      status: 'closed',
      effects: [],
    });
  });
});

describe('waiting on the customer', () => {
  it('pauses every running timer, even before anyone has responded (seed 004: access delays do not count)', () => {
    const plan = planTransition(cat4Critical('new'), 'wait');
    expect(plan.status).toBe('waiting_on_customer');
    expect(plan.statusBeforeWait).toBe('new');
    expect(plan.effects.map((e) => `${e.effect} ${e.target}`)).toEqual(['pause response', 'pause resolution']);
  });

  it('resumes into the status it left, resuming the paused timers', () => {
    const waiting: TicketView = { ...cat4Critical('waiting_on_customer', { response: 'met', resolution: 'paused' }), statusBeforeWait: 'onsite' };
    expect(planTransition(waiting, 'resume')).toMatchObject({
      status: 'onsite',
      statusBeforeWait: null,
      effects: [{ target: 'resolution', effect: 'resume' }],
    });
  });

  it('leaves the 8-week ADR point of a complaint running', () => {
    expect(effects(complaint('acknowledged', { complaint_ack: 'met' }), 'wait')).toEqual([
      'pause complaint_resolution',
      'pause complaint_escalation',
    ]);
  });
});

describe('complaints', () => {
  it('acknowledging meets the 4-hour acknowledgement only', () => {
    expect(effects(complaint('new'), 'acknowledge')).toEqual(['meet complaint_ack']);
  });

  it('resolving keeps every duty: no escalation, no ADR notice needed', () => {
    expect(effects(complaint('acknowledged', { complaint_ack: 'met' }), 'resolve')).toEqual([
      'meet complaint_resolution',
      'meet complaint_escalation',
      'meet adr_notice',
    ]);
  });

  it('reopening restarts the escalation and the 8-week point from the complaint (seed 002: re-opened or escalated)', () => {
    const resolved = complaint('resolved', { complaint_ack: 'met', complaint_resolution: 'met', complaint_escalation: 'met', adr_notice: 'met' });
    const plan = planTransition(resolved, 'reopen');
    expect(plan.status).toBe('acknowledged');
    expect(plan.effects.map((e) => `${e.effect} ${e.target}`)).toEqual(['restart complaint_escalation', 'restart adr_notice']);
  });

  it('reopening does not owe the ADR notice again once the customer has been told', () => {
    const resolved = complaint('closed', { complaint_ack: 'met', complaint_resolution: 'met', complaint_escalation: 'breached', adr_notice: 'met' }, true);
    expect(effects(resolved, 'reopen')).toEqual([]);
  });
});

describe('illegal transitions are refused with the reason', () => {
  it('a closed ticket cannot be resolved, waited on or acknowledged', () => {
    for (const action of ['resolve', 'wait', 'acknowledge'] as const) {
      expect(() => planTransition(cat1('closed'), action)).toThrow(IllegalTransitionError);
    }
    expect(() => planTransition(cat1('closed'), 'resolve')).toThrow('a ticket that is closed cannot be resolved');
  });

  it('only a Cat4 contract has on-site visits', () => {
    expect(() => planTransition(cat1('acknowledged'), 'decide_onsite')).toThrow(/no on-site visits/);
  });

  it('an on-site visit is decided once', () => {
    const decided = { ...cat4Critical('acknowledged', { onsite: 'met' }) };
    expect(() => planTransition(decided, 'decide_onsite')).toThrow(/already decided/);
  });

  it('every action names the statuses it is allowed from, and refuses the rest', () => {
    const statuses: TicketStatus[] = ['new', 'acknowledged', 'waiting_on_customer', 'onsite_decided', 'onsite', 'resolved', 'closed', 'caller_abandoned'];
    for (const action of TICKET_ACTIONS) {
      for (const status of statuses) {
        const view = cat4Critical(status);
        const allowed = ALLOWED_FROM[action].includes(status);
        if (allowed) expect(() => planTransition(view, action), `${action} from ${status}`).not.toThrow();
        else expect(() => planTransition(view, action), `${action} from ${status}`).toThrow(IllegalTransitionError);
      }
    }
  });
});

describe('an engineer accepting the call about a ticket', () => {
  it('acknowledges a new ticket and meets its response, leaving the resolution running', () => {
    const plan = planResponse(cat4Critical('new'));
    expect(plan).toEqual({ status: 'acknowledged', statusBeforeWait: null, effects: [{ target: 'response', effect: 'meet' }], responds: true });
  });

  it('meets a paused response too, and a ticket waiting on the customer will resume to acknowledged', () => {
    const waiting: TicketView = { ...cat4Critical('waiting_on_customer', { response: 'paused', resolution: 'paused' }), statusBeforeWait: 'new' };
    expect(planResponse(waiting)).toMatchObject({
      status: 'waiting_on_customer',
      statusBeforeWait: 'acknowledged',
      effects: [{ target: 'response', effect: 'meet' }],
    });
  });

  it('leaves a response already decided alone, and is never refused', () => {
    expect(planResponse(cat4Critical('acknowledged', { response: 'breached' })).effects).toEqual([]);
    const resolved: TicketView = { status: 'resolved', statusBeforeWait: null, timers: [{ target: 'response', state: 'met' }] };
    expect(planResponse(resolved)).toMatchObject({ status: 'resolved', effects: [] });
  });
});
