// The due-time computations both SLA clocks are timed on: the policy's real targets
// (every tier and kind), started in the weeks where calendars are hard — Christmas and
// New Year, Easter, the clocks changing, the bank holidays only Scotland or Northern
// Ireland keep — and on ordinary days, some with the clock paused while waiting on
// the customer, some inside an announced office closure.
import { DateTime } from 'luxon';
import { DIVISIONS, type Division } from '../../src/domain/calendar/bank-holidays.ts';
import type { CalendarName, Closure } from '../../src/domain/calendar/calendar.ts';
import type { Pause } from '../../src/domain/sla/clock.ts';
import { DEFAULT_POLICY, type TargetSpec } from '../../src/domain/sla/policy.ts';
import { Random } from '../random.ts';

export const ZONE = 'Europe/London';

/** Closed time the office announces; `wholeDays` closures can be written as holidays too. */
export interface ClosureSet {
  id: string;
  closures: readonly Closure[];
  /** Local dates the closure covers entirely (what a whole-day holiday list can say). */
  wholeDays: readonly string[];
  /** False when the closure starts or ends part-way through an office day. */
  wholeDaysOnly: boolean;
}

const local = (iso: string): Date => DateTime.fromISO(iso, { zone: ZONE }).toJSDate();

export const CLOSURE_SETS: readonly ClosureSet[] = [
  {
    // Monday 29 to Wednesday 31 December 2025, whole days.
    id: 'shutdown-2025',
    closures: [{ from: local('2025-12-29T00:00'), to: local('2026-01-01T00:00'), reason: 'Christmas shutdown' }],
    wholeDays: ['2025-12-29', '2025-12-30', '2025-12-31'],
    wholeDaysOnly: true,
  },
  {
    // Noon on Christmas Eve 2026 to 09:00 on Monday 4 January 2027, as the demo seeds it.
    id: 'shutdown-2026',
    closures: [{ from: local('2026-12-24T12:00'), to: local('2027-01-04T09:00'), reason: 'Christmas shutdown' }],
    wholeDays: ['2026-12-29', '2026-12-30', '2026-12-31'],
    wholeDaysOnly: false,
  },
];

interface Window {
  name: string;
  from: string;
  to: string;
  closureSet?: string;
}

const WINDOWS: readonly Window[] = [
  { name: 'christmas', from: '2025-12-18', to: '2026-01-05', closureSet: 'shutdown-2025' },
  { name: 'christmas', from: '2026-12-18', to: '2027-01-06', closureSet: 'shutdown-2026' },
  { name: 'easter', from: '2026-03-31', to: '2026-04-08' },
  { name: 'easter', from: '2027-03-23', to: '2027-03-31' },
  { name: 'dst', from: '2026-03-26', to: '2026-03-31' },
  { name: 'dst', from: '2026-10-22', to: '2026-10-27' },
  { name: 'dst', from: '2025-10-23', to: '2025-10-28' },
  { name: 'regional-holiday', from: '2026-07-09', to: '2026-07-15' }, // NI: Battle of the Boyne
  { name: 'regional-holiday', from: '2026-07-30', to: '2026-08-05' }, // Scotland: August
  { name: 'regional-holiday', from: '2026-11-26', to: '2026-12-02' }, // Scotland: St Andrew's Day
  { name: 'regional-holiday', from: '2026-03-13', to: '2026-03-19' }, // NI: St Patrick's Day
  { name: 'ordinary', from: '2026-01-06', to: '2026-12-15' },
];

export interface SlaCase {
  /** Which hard part of the calendar the case is in, plus `+pause` / `+closure`. */
  category: string;
  target: TargetSpec['name'];
  calendar: CalendarName;
  minutes: number;
  division: Division;
  start: Date;
  pauses: Pause[];
  closureSet: ClosureSet | null;
}

/** Every target the policy can start when a ticket opens, by tier and kind. */
function policyTargets(): TargetSpec[] {
  const all: TargetSpec[] = [];
  for (const byPriority of Object.values(DEFAULT_POLICY.faults)) {
    for (const list of Object.values(byPriority)) all.push(...list);
  }
  all.push(...DEFAULT_POLICY.complaints);
  // The on-site clock starts later; the 8-week notice is counted like the 48 hours.
  return all.filter((t) => t.startsOn === 'opened' && t.name !== 'adr_notice');
}

export function slaCases(count: number, seed = 20261121): SlaCase[] {
  const random = new Random(seed);
  const targets = policyTargets();
  const cases: SlaCase[] = [];
  for (let i = 0; i < count; i++) {
    const window = random.weighted(WINDOWS.map((w) => [w, w.name === 'ordinary' ? 4 : 1] as const));
    const target = random.pick(targets);
    const division = random.pick(DIVISIONS);
    const fromDay = DateTime.fromISO(window.from, { zone: ZONE });
    const days = DateTime.fromISO(window.to, { zone: ZONE }).diff(fromDay, 'days').days;
    const start = fromDay
      .plus({ days: random.int(0, Math.max(0, days - 1)), minutes: random.int(0, 24 * 60 - 1) })
      // A third of tickets open part-way through a minute, as real calls do.
      .plus({ milliseconds: random.chance(1 / 3) ? random.int(0, 59_999) : 0 })
      .toJSDate();
    const pauses = random.chance(0.3) ? pausesAfter(start, random) : [];
    const closureSet = window.closureSet && random.chance(0.5) ? (CLOSURE_SETS.find((c) => c.id === window.closureSet) ?? null) : null;
    const category = [window.name, pauses.length > 0 ? 'pause' : '', closureSet ? 'closure' : ''].filter(Boolean).join('+');
    cases.push({ category, target: target.name, calendar: target.calendar, minutes: target.minutes, division, start, pauses, closureSet });
  }
  return cases;
}

/** One or two finished pauses (waiting on the customer) within three days of the start. */
function pausesAfter(start: Date, random: Random): Pause[] {
  const pauses: Pause[] = [];
  let cursor = start.getTime() + random.int(1, 3 * 24 * 60) * 60_000;
  const n = random.int(1, 2);
  for (let i = 0; i < n; i++) {
    const length = random.int(10, 2 * 24 * 60) * 60_000;
    pauses.push({ from: new Date(cursor), to: new Date(cursor + length) });
    cursor += length + random.int(30, 24 * 60) * 60_000;
  }
  return pauses;
}
