// A ticket's promise, planned when it is opened: the same planning whether a call
// raised the ticket or someone raised a complaint from the console.
import { describe, expect, it } from 'vitest';
import type { CalendarContext } from '../../src/domain/calendar/calendar.ts';
import { plannedTargets } from '../../src/domain/flow/tickets.ts';
import type { FlowState } from '../../src/domain/flow/types.ts';
import { planTargets } from '../../src/domain/sla/plan.ts';
import { DEFAULT_POLICY, targetsFor } from '../../src/domain/sla/policy.ts';

const ENGLAND: CalendarContext = { division: 'england-and-wales', closures: [] };
const at = (iso: string) => new Date(iso);

describe('a complaint raised Friday 20 November 2026 at 16:00', () => {
  const planned = planTargets(targetsFor('Cat2', null, 'complaint'), at('2026-11-20T16:00:00Z'), ENGLAND);

  it('is acknowledged within 4 office hours: Monday 12:00, warned at 11:00', () => {
    expect(planned[0]).toEqual({
      name: 'complaint_ack',
      calendar: 'office',
      minutes: 240,
      startsAt: '2026-11-20T16:00:00.000Z',
      dueAt: '2026-11-23T12:00:00.000Z',
      warnAt: '2026-11-23T11:00:00.000Z',
    });
  });

  it('escalates after two working days (never before the acknowledgement) and owes the ADR notice at 8 weeks', () => {
    expect(planned.map((t) => [t.name, t.dueAt])).toEqual([
      ['complaint_ack', '2026-11-23T12:00:00.000Z'],
      ['complaint_resolution', '2026-11-27T16:00:00.000Z'],
      ['complaint_escalation', '2026-11-24T16:00:00.000Z'],
      ['adr_notice', '2027-01-15T16:00:00.000Z'],
    ]);
  });

  it('counts a closure announced before it was raised', () => {
    const training: CalendarContext = { ...ENGLAND, closures: [{ from: at('2026-11-23T09:00:00Z'), to: at('2026-11-23T13:00:00Z'), reason: 'training' }] };
    const ack = planTargets(targetsFor('Cat2', null, 'complaint'), at('2026-11-20T16:00:00Z'), training)[0];
    expect(ack?.dueAt).toBe('2026-11-23T16:00:00.000Z');
  });
});

describe('when a complaint is escalated to management (48 hours as two working days)', () => {
  const escalation = (raised: string, ctx: CalendarContext = ENGLAND) => {
    const planned = planTargets(targetsFor('Cat1', null, 'complaint'), at(raised), ctx);
    return { ack: planned.find((t) => t.name === 'complaint_ack')?.dueAt, escalate: planned.find((t) => t.name === 'complaint_escalation')?.dueAt };
  };

  it('a Friday 18:00 complaint: acknowledged by Monday 13:00, escalated Tuesday at close, not on Sunday', () => {
    expect(escalation('2026-11-20T18:00:00Z')).toEqual({ ack: '2026-11-23T13:00:00.000Z', escalate: '2026-11-24T17:00:00.000Z' });
  });

  it('a complaint made in the Christmas closure is escalated two working days after the office reopens, not on New Year’s Day', () => {
    const christmas: CalendarContext = { ...ENGLAND, closures: [{ from: at('2026-12-24T12:00:00Z'), to: at('2027-01-04T09:00:00Z'), reason: 'Christmas' }] };
    expect(escalation('2026-12-29T10:00:00Z', christmas)).toEqual({ ack: '2027-01-04T13:00:00.000Z', escalate: '2027-01-05T17:00:00.000Z' });
  });

  it('is never due before the acknowledgement, whenever the complaint is made', () => {
    for (let hour = 0; hour < 24 * 7; hour += 1) {
      const { ack, escalate } = escalation(new Date(Date.UTC(2026, 10, 16, hour)).toISOString());
      expect(new Date(escalate!).getTime()).toBeGreaterThan(new Date(ack!).getTime());
    }
  });
});

describe('a Cat4 critical fault', () => {
  it('starts its response and resolution at once; the on-site visit waits for the decision', () => {
    const planned = planTargets(DEFAULT_POLICY.faults.Cat4.critical, at('2026-11-21T03:00:00Z'), ENGLAND);
    expect(planned.map((t) => [t.name, t.startsAt, t.dueAt, t.warnAt])).toEqual([
      ['response', '2026-11-21T03:00:00.000Z', '2026-11-21T05:00:00.000Z', '2026-11-21T04:30:00.000Z'],
      ['resolution', '2026-11-21T03:00:00.000Z', '2026-11-21T07:00:00.000Z', '2026-11-21T06:00:00.000Z'],
      ['onsite', null, null, null],
    ]);
  });

  it('is planned by the call flow exactly as by the shared planning', () => {
    const state = {
      startedAt: '2026-11-21T03:00:00.000Z',
      division: 'england-and-wales',
      closures: [],
      account: { tier: 'Cat4' },
      priority: 'critical',
    } as unknown as FlowState; // only the fields plannedTargets reads
    expect(plannedTargets(state, 'fault')).toEqual(planTargets(targetsFor('Cat4', 'critical', 'fault'), at('2026-11-21T03:00:00Z'), ENGLAND));
  });
});
