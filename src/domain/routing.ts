// Where a call goes: the support desk, the on-call engineer, or a message.
// The rule is the same for every carrier and every caller, so it lives here alone.
import { calendarStatus, type CalendarContext, type CalendarName } from './calendar/calendar.ts';
import type { Priority, Tier } from './contracts.ts';
import type { MenuChoice, Route } from './flow/types.ts';

/** The hours in which a (tier, priority) is answered live. */
export function coverCalendar(tier: Tier, priority: Priority | null): CalendarName {
  switch (tier) {
    case 'Cat2':
      return 'extended';
    case 'Cat4':
      return priority === 'critical' ? 'always' : 'office';
    case 'None':
    case 'CatS':
    case 'Cat1':
      return 'office';
  }
}

export interface RouteInput {
  tier: Tier;
  priority: Priority | null;
  menu: Exclude<MenuChoice, 'status'>;
  at: Date;
  calendar: CalendarContext;
}

export interface RouteDecision {
  route: Route;
  /** The calendar that decided it: the cover calendar for faults, office hours otherwise. */
  coverCalendar: CalendarName;
  reason: string;
}

const COVER_WORDS: Record<CalendarName, string> = {
  office: 'office hours (Mon–Fri 09:00–17:00)',
  extended: 'extended hours (every day 07:00–23:00)',
  always: '24×7',
};

/**
 * A fault goes to the desk while the office is open; outside office hours to the
 * on-call engineer while the caller's cover runs; otherwise a message is taken.
 * Complaints and billing go to the desk in office hours, else a message.
 */
export function decideRoute(input: RouteInput): RouteDecision {
  const office = calendarStatus('office', input.at, input.calendar);
  const who = input.priority ? `${input.tier} ${input.priority}` : input.tier;
  if (office.open) {
    return {
      route: 'desk',
      coverCalendar: 'office',
      reason: `office open (${office.reason}): ${input.menu} call goes to the ${input.menu === 'billing' ? 'accounts' : 'support'} desk`,
    };
  }
  const officeClosed = `office ${office.reason}`;
  if (input.menu !== 'fault') {
    return {
      route: 'voicemail',
      coverCalendar: 'office',
      reason: `${officeClosed}; ${input.menu} calls are handled in office hours: message taken`,
    };
  }
  const cover = coverCalendar(input.tier, input.priority);
  const coverStatus = calendarStatus(cover, input.at, input.calendar);
  if (cover !== 'office' && coverStatus.open) {
    return {
      route: 'oncall',
      coverCalendar: cover,
      reason: `${officeClosed}; ${who} cover is ${COVER_WORDS[cover]}: on-call engineer`,
    };
  }
  const next = coverStatus.nextOpenAt ? `; the clock starts at ${coverStatus.nextOpenAt.toISOString()}` : '';
  return {
    route: 'voicemail',
    coverCalendar: cover,
    reason: `${officeClosed}; ${who} cover is ${COVER_WORDS[cover]}, closed now: message taken${next}`,
  };
}
