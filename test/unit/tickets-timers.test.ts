// A ticket's timers through pauses, weekends, bank holidays and the clock changes,
// in UK wall-clock terms (instants in UTC: GMT in winter, BST = UTC+1 in summer).
import { describe, expect, it } from 'vitest';
import type { CalendarContext, CalendarName } from '../../src/domain/calendar/calendar.ts';
import type { SlaTargetName } from '../../src/domain/sla/policy.ts';
import * as timers from '../../src/domain/tickets/timers.ts';

const at = (iso: string) => new Date(iso);
const HOUR = 60;
const england: CalendarContext = { division: 'england-and-wales', closures: [] };

function pending(target: SlaTargetName, calendar: CalendarName, minutes: number): timers.Timer {
  return {
    target, calendar, minutes, startsAt: null, dueAt: null, warnAt: null, state: 'pending', warnedAt: null,
    breachedAt: null, metAt: null, pausedAt: null, pauses: [], serviceCredit: null, nextFireAt: null,
  };
}

const started = (target: SlaTargetName, calendar: CalendarName, minutes: number, iso: string, ctx = england) =>
  timers.start(pending(target, calendar, minutes), at(iso), ctx);

describe('a Cat1 response (8 office hours) across a weekend', () => {
  it('opened Friday 15:00, warns Monday 13:00 (75%) and is due Monday 15:00', () => {
    const t = started('response', 'office', 8 * HOUR, '2026-11-20T15:00:00Z');
    expect(t.state).toBe('running');
    expect(t.warnAt).toEqual(at('2026-11-23T13:00:00Z'));
    expect(t.dueAt).toEqual(at('2026-11-23T15:00:00Z'));
    expect(t.nextFireAt).toEqual(t.warnAt);
  });

  it('waiting on the customer from Friday 16:00 to Monday 10:00 moves it later by the two open hours paused', () => {
    const opened = started('response', 'office', 8 * HOUR, '2026-11-20T15:00:00Z');
    const paused = timers.pause(opened, at('2026-11-20T16:00:00Z'));
    expect(paused).toMatchObject({ state: 'paused', pausedAt: at('2026-11-20T16:00:00Z'), nextFireAt: null });

    const resumed = timers.resume(paused, at('2026-11-23T10:00:00Z'), england);
    expect(resumed.state).toBe('running');
    expect(resumed.pauses).toEqual([{ from: at('2026-11-20T16:00:00Z'), to: at('2026-11-23T10:00:00Z') }]);
    // Friday 16–17 and Monday 09–10 were open and paused: two hours later, to the 17:00 close.
    expect(resumed.dueAt).toEqual(at('2026-11-23T17:00:00Z'));
    expect(resumed.warnAt).toEqual(at('2026-11-23T15:00:00Z'));
    expect(resumed.nextFireAt).toEqual(resumed.warnAt);
  });

  it('a pause entirely out of hours moves nothing', () => {
    const opened = started('response', 'office', 8 * HOUR, '2026-11-20T15:00:00Z');
    const resumed = timers.resume(timers.pause(opened, at('2026-11-21T10:00:00Z')), at('2026-11-22T18:00:00Z'), england);
    expect(resumed.dueAt).toEqual(opened.dueAt);
  });

  it('a warning already given is not given again after a resume', () => {
    const opened = started('response', 'office', 8 * HOUR, '2026-11-20T15:00:00Z');
    const warned = { ...opened, warnedAt: at('2026-11-23T13:00:00Z'), nextFireAt: opened.dueAt };
    const resumed = timers.resume(timers.pause(warned, at('2026-11-23T14:00:00Z')), at('2026-11-23T16:00:00Z'), england);
    expect(resumed.dueAt).toEqual(at('2026-11-23T17:00:00Z'));
    expect(resumed.nextFireAt).toEqual(resumed.dueAt);
  });

  it('cannot be paused once its time has run out: the breach stands', () => {
    const opened = started('response', 'office', 8 * HOUR, '2026-11-20T15:00:00Z');
    expect(timers.pause(opened, at('2026-11-23T15:00:00Z'))).toBe(opened);
  });
});

describe('a complaint raised on Christmas Eve 2026 at 15:00', () => {
  const opened = '2026-12-24T15:00:00Z';

  it('is acknowledged by Tuesday 29th 11:00: Christmas Day, the weekend and the Boxing Day substitute are closed', () => {
    expect(started('complaint_ack', 'office', 4 * HOUR, opened).dueAt).toEqual(at('2026-12-29T11:00:00Z'));
  });

  it('is resolved within 5 working days, skipping New Year’s Day: Tuesday 5 January 15:00', () => {
    expect(started('complaint_resolution', 'office', 40 * HOUR, opened).dueAt).toEqual(at('2027-01-05T15:00:00Z'));
  });

  it('escalates at 48 real hours and owes the ADR notice at 8 weeks, bank holidays or not', () => {
    expect(started('complaint_escalation', 'always', 48 * HOUR, opened).dueAt).toEqual(at('2026-12-26T15:00:00Z'));
    expect(started('adr_notice', 'always', 8 * 7 * 24 * HOUR, opened).dueAt).toEqual(at('2027-02-18T15:00:00Z'));
  });

  it('never pauses the 8-week ADR point while waiting on the customer', () => {
    const adr = started('adr_notice', 'always', 8 * 7 * 24 * HOUR, opened);
    expect(timers.pause(adr, at('2027-01-05T10:00:00Z'))).toBe(adr);
  });
});

describe('across the clock changes', () => {
  it('a Cat4 on-site visit decided Saturday 24 October 12:00 BST is due 24 real hours later, 11:00 GMT Sunday', () => {
    const onsite = timers.start(pending('onsite', 'always', 24 * HOUR), at('2026-10-24T11:00:00Z'), england);
    expect(onsite.dueAt).toEqual(at('2026-10-25T11:00:00Z'));
    expect(onsite.warnAt).toEqual(at('2026-10-25T05:00:00Z'));
  });

  it('a Cat2 response (07:00–23:00) opened Saturday 22:00 BST runs 1 hour, then from 07:00 GMT: due 10:00 GMT', () => {
    expect(started('response', 'extended', 4 * HOUR, '2026-10-24T21:00:00Z').dueAt).toEqual(at('2026-10-25T10:00:00Z'));
  });

  it('a Cat2 response opened Saturday 28 March 22:30 GMT resumes at 07:00 BST: due 10:30 BST', () => {
    expect(started('response', 'extended', 4 * HOUR, '2026-03-28T22:30:00Z').dueAt).toEqual(at('2026-03-29T09:30:00Z'));
  });

  it('a pause over the October night counts only its open hours, on both sides of the change', () => {
    const opened = started('response', 'extended', 4 * HOUR, '2026-10-24T19:00:00Z'); // 20:00 BST
    expect(opened.dueAt).toEqual(at('2026-10-25T08:00:00Z'));
    const paused = timers.pause(opened, at('2026-10-24T20:00:00Z')); // 21:00 BST
    const resumed = timers.resume(paused, at('2026-10-25T09:00:00Z'), england); // 09:00 GMT
    // Paused open time: 21:00–23:00 BST and 07:00–09:00 GMT, four hours.
    expect(resumed.dueAt).toEqual(at('2026-10-25T12:00:00Z'));
  });
});

describe('meeting, cancelling and recomputing', () => {
  it('a target kept by its due time (inclusive) is met; a second later it is a breach as of the due time', () => {
    const t = started('response', 'always', 2 * HOUR, '2026-11-23T10:00:00Z');
    expect(timers.meet(t, at('2026-11-23T12:00:00Z'), true)).toMatchObject({ lateBreach: false, timer: { state: 'met' } });
    const late = timers.meet(t, at('2026-11-23T12:00:01Z'), true);
    expect(late.lateBreach).toBe(true);
    expect(late.timer).toMatchObject({
      state: 'breached',
      breachedAt: at('2026-11-23T12:00:00Z'),
      metAt: at('2026-11-23T12:00:01Z'),
      serviceCredit: true,
      nextFireAt: null,
    });
  });

  it('a paused target is met when kept, and its pause is closed for the record', () => {
    const t = timers.pause(started('response', 'office', 8 * HOUR, '2026-11-23T10:00:00Z'), at('2026-11-23T11:00:00Z'));
    const { timer } = timers.meet(t, at('2026-11-23T12:00:00Z'), true);
    expect(timer).toMatchObject({ state: 'met', pausedAt: null });
    expect(timer.pauses).toEqual([{ from: at('2026-11-23T11:00:00Z'), to: at('2026-11-23T12:00:00Z') }]);
  });

  it('a breached target kept later stays breached and notes when it was kept', () => {
    const t = { ...started('response', 'always', 2 * HOUR, '2026-11-23T10:00:00Z'), state: 'breached' as const, breachedAt: at('2026-11-23T12:00:00Z') };
    const { timer, lateBreach } = timers.meet(t, at('2026-11-23T13:00:00Z'), true);
    expect(lateBreach).toBe(false);
    expect(timer).toMatchObject({ state: 'breached', metAt: at('2026-11-23T13:00:00Z') });
  });

  it('a pending on-site timer that never started is cancelled, not met', () => {
    expect(timers.meet(pending('onsite', 'always', 24 * HOUR), at('2026-11-23T10:00:00Z'), true).timer.state).toBe('cancelled');
  });

  it('keeps the minutes it was promised: recomputing never consults the policy of the day', () => {
    // Frozen at 6 office hours under an older policy (today's Cat1 is 8).
    const t = started('response', 'office', 6 * HOUR, '2026-11-23T09:00:00Z');
    const shutdown = { from: at('2026-11-23T12:00:00Z'), to: at('2026-11-24T00:00:00Z'), reason: 'training' };
    const moved = timers.reschedule(t, { division: 'england-and-wales', closures: [shutdown] });
    // Three hours on Monday before the closure, three on Tuesday.
    expect(moved.dueAt).toEqual(at('2026-11-24T12:00:00Z'));
  });
});
