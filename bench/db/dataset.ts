// The database the scale benchmark reads: two years of a busy line, a million calls
// and a million tickets with their SLA timers, generated (deterministically, from a
// seed) as rows for COPY. Routes come from the real routing rule and due times from
// the real SLA clock, so the data has the shape the line itself would write.
//
// What is abbreviated: a call's timeline holds only its start, its end and the
// engineer legs (the entries the call log reads), not every prompt and key press;
// accounts have no phones or contracts (no query here reads them).
import type { Tier } from '../../src/domain/contracts.ts';
import type { CalendarContext } from '../../src/domain/calendar/calendar.ts';
import { decideRoute } from '../../src/domain/routing.ts';
import { dueAt, warnAt } from '../../src/domain/sla/clock.ts';
import { targetsFor } from '../../src/domain/sla/policy.ts';
import type { CallOutcome, MenuChoice, Route, TicketKind, TicketStatus } from '../../src/domain/flow/types.ts';
import { Random } from '../random.ts';

/** Bump when the generator changes: a database built by an older one is rebuilt. */
export const DATASET_VERSION = 3;

export interface DatasetSize {
  calls: number;
  tickets: number;
  accounts: number;
  engineers: number;
  days: number;
}

export const FULL_SIZE: DatasetSize = { calls: 1_000_000, tickets: 1_000_000, accounts: 5_000, engineers: 30, days: 730 };
export const SMOKE_SIZE: DatasetSize = { calls: 3_000, tickets: 3_000, accounts: 50, engineers: 6, days: 60 };

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SEED = 8_000_001;
const CTX: CalendarContext = { division: 'england-and-wales', closures: [] };

const TIERS: readonly (readonly [Tier, number])[] = [
  ['Cat1', 40],
  ['Cat2', 25],
  ['Cat4', 15],
  ['CatS', 10],
  ['None', 10],
];

export interface Account {
  id: number;
  number: string;
  name: string;
  tier: Tier;
}

export function accountAt(i: number): Account {
  const r = new Random(SEED ^ (i * 7919));
  return { id: i + 1, number: String(20_000 + i), name: `Customer ${i + 1} Ltd`, tier: r.weighted(TIERS) };
}

export interface CallPlan {
  index: number;
  id: string;
  carrier: 'asterisk' | 'twilio' | 'cli';
  carrierCallId: string;
  from: string;
  accountId: number | null;
  tier: Tier | null;
  priority: 'critical' | 'standard' | null;
  menu: MenuChoice | null;
  route: Route | null;
  routeReason: string | null;
  outcome: CallOutcome | null;
  endReason: string | null;
  startedAt: number;
  endedAt: number | null;
  escalationFailed: boolean;
  recording: boolean;
  /** Engineers rung, in order; the last one accepted when outcome is 'engineer'. */
  legs: number[];
  ticketKind: TicketKind | null;
}

/** Call `i` of the dataset (calls run from `anchor - days` to `anchor`, in index order by day). */
export function callAt(i: number, size: DatasetSize, anchor: number): CallPlan {
  const plan = plannedCall(i, size, anchor);
  // A call still running when the dataset was taken has no outcome yet.
  if (plan.endedAt !== null && plan.endedAt > anchor) return { ...plan, outcome: null, endReason: null, endedAt: null };
  return plan;
}

function plannedCall(i: number, size: DatasetSize, anchor: number): CallPlan {
  const r = new Random(SEED ^ Math.imul(i + 1, 2654435761));
  // Spread evenly over the days up to the anchor; within a day, most calls come in
  // the working day (UTC hours: near enough for a dataset).
  const even = anchor - Math.floor(size.days * DAY_MS * (1 - i / size.calls));
  const minuteOfDay = r.chance(0.75) ? r.int(8 * 60, 18 * 60 - 1) : r.int(0, 24 * 60 - 1);
  const shaped = even - (even % DAY_MS) + minuteOfDay * MINUTE_MS + r.int(0, 59_999);
  const startedAt = shaped < anchor ? shaped : even - 1;
  const carrier = r.weighted([['asterisk', 85], ['twilio', 13], ['cli', 2]] as const);
  const carrierCallId =
    carrier === 'twilio' ? `CA${i.toString(16).padStart(32, '0')}` : carrier === 'asterisk' ? `${Math.floor(startedAt / 1000)}.${i}` : `cli-${i}`;
  const known = r.chance(0.85);
  const account = known ? accountAt(skewed(r, size.accounts)) : null;
  const from = account ? `+4416329${String(account.id % 100_000).padStart(5, '0')}` : `+447700${String(r.int(0, 999_999)).padStart(6, '0')}`;
  const plan: CallPlan = {
    index: i,
    id: r.uuid(),
    carrier,
    carrierCallId,
    from,
    accountId: account?.id ?? null,
    tier: account?.tier ?? null,
    priority: null,
    menu: null,
    route: null,
    routeReason: null,
    outcome: null,
    endReason: null,
    startedAt,
    endedAt: null,
    escalationFailed: false,
    recording: false,
    legs: [],
    ticketKind: null,
  };
  const at = new Date(startedAt);

  if (!account) {
    // Unidentified: half give up, half leave a message after the safe default.
    if (r.chance(0.5)) return finish(plan, r, 'abandoned', 'abandoned-before-identification');
    const office = decideRoute({ tier: 'None', priority: null, menu: 'complaint', at, calendar: CTX });
    plan.route = office.route === 'desk' ? 'desk' : 'voicemail';
    plan.routeReason = 'no valid entry after 3 re-prompts: safe default';
    plan.ticketKind = 'message';
    plan.recording = plan.route === 'voicemail';
    return finish(plan, r, plan.route === 'desk' ? 'desk' : 'message', plan.route === 'desk' ? 'completed' : 'message-recorded');
  }
  if (r.chance(0.04)) return finish(plan, r, 'refused', 'authentication-failed');
  plan.menu = r.weighted([['fault', 70], ['status', 12], ['complaint', 6], ['billing', 12]] as const);
  if (plan.menu === 'status') return finish(plan, r, 'informed', 'ticket-status-enquiry');

  plan.priority = plan.menu === 'fault' ? (r.chance(0.2) ? 'critical' : 'standard') : null;
  const decision = decideRoute({ tier: account.tier, priority: plan.priority, menu: plan.menu, at, calendar: CTX });
  plan.route = decision.route;
  plan.routeReason = decision.reason;
  plan.ticketKind = plan.menu;
  switch (decision.route) {
    case 'desk':
      if (r.chance(0.9)) return finish(plan, r, 'desk', 'completed');
      plan.recording = true;
      return finish(plan, r, 'message', 'message-recorded');
    case 'oncall': {
      const rounds = r.weighted([[1, 60], [2, 25], [4, 15]] as const);
      for (let k = 0; k < rounds; k++) plan.legs.push(1 + ((i + k) % size.engineers));
      if (rounds < 4 || r.chance(0.3)) return finish(plan, r, 'engineer', 'completed');
      plan.escalationFailed = true;
      plan.recording = true;
      return finish(plan, r, 'message', 'message-recorded');
    }
    case 'voicemail':
      plan.recording = r.chance(0.85);
      return finish(plan, r, plan.recording ? 'message' : 'abandoned', plan.recording ? 'message-recorded' : 'caller-hung-up-at-message');
  }
}

function finish(plan: CallPlan, r: Random, outcome: CallOutcome, reason: string): CallPlan {
  plan.outcome = outcome;
  plan.endReason = reason;
  plan.endedAt = plan.startedAt + r.int(20, 15 * 60) * 1000;
  return plan;
}

/** Small account ids call far more often than large ones (a few big customers). */
function skewed(r: Random, n: number): number {
  return Math.min(n - 1, Math.floor(n * r.next() ** 2));
}

export interface TicketPlan {
  id: number;
  reference: string;
  accountId: number | null;
  callId: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: 'critical' | 'standard' | null;
  channel: 'phone' | 'console' | 'api';
  status: TicketStatus;
  route: Route | null;
  summary: string;
  escalationFailed: boolean;
  recording: string | null;
  openedAt: number;
  respondedAt: number | null;
  respondedBy: number | null;
}

export function ticketForCall(call: CallPlan, id: number, anchor: number): TicketPlan | null {
  if (!call.ticketKind) return null;
  const r = new Random(SEED ^ Math.imul(id, 40503));
  const tier = call.tier ?? 'None';
  const status = ticketStatus(r, call.startedAt, anchor, call.ticketKind === 'fault' && call.outcome === 'abandoned');
  const engineer = call.outcome === 'engineer' ? call.legs[call.legs.length - 1]! : null;
  const responded = engineer !== null || (status !== 'new' && status !== 'caller_abandoned' && call.ticketKind === 'fault');
  return {
    id,
    reference: String(1000 + id),
    accountId: call.accountId,
    callId: call.id,
    kind: call.ticketKind,
    tier,
    priority: call.ticketKind === 'fault' ? (call.priority ?? 'standard') : null,
    channel: 'phone',
    status,
    route: call.route,
    summary: `Phone call from ${call.from}: ${call.ticketKind}, ${call.route ?? 'none'}`,
    escalationFailed: call.escalationFailed,
    recording: call.recording ? `support-line/${call.id}` : null,
    openedAt: call.startedAt,
    respondedAt: responded ? call.startedAt + r.int(2, 6 * 60) * MINUTE_MS : null,
    respondedBy: responded ? (engineer ?? 1 + (id % 30)) : null,
  };
}

/** A ticket raised at the console or over the API (no call). */
export function consoleTicket(id: number, size: DatasetSize, anchor: number): TicketPlan {
  const r = new Random(SEED ^ Math.imul(id, 69069));
  const account = accountAt(skewed(r, size.accounts));
  const openedAt = anchor - r.int(60_000, size.days * DAY_MS);
  const kind = r.weighted([['fault', 80], ['complaint', 10], ['billing', 10]] as const);
  const status = ticketStatus(r, openedAt, anchor, false);
  return {
    id,
    reference: String(1000 + id),
    accountId: account.id,
    callId: null,
    kind,
    tier: account.tier,
    priority: kind === 'fault' ? (r.chance(0.15) ? 'critical' : 'standard') : null,
    channel: r.chance(0.7) ? 'console' : 'api',
    status,
    route: null,
    summary: `Raised at the console: ${kind}`,
    escalationFailed: false,
    recording: null,
    openedAt,
    respondedAt: status !== 'new' ? openedAt + r.int(5, 8 * 60) * MINUTE_MS : null,
    respondedBy: status !== 'new' ? 1 + (id % 30) : null,
  };
}

/** Old tickets are closed; the younger a ticket, the likelier it is still open. */
function ticketStatus(r: Random, openedAt: number, anchor: number, abandoned: boolean): TicketStatus {
  const ageDays = (anchor - openedAt) / DAY_MS;
  const open = ageDays < 21 && r.chance(1 - ageDays / 21);
  if (!open) return r.chance(0.7) ? 'closed' : 'resolved';
  if (abandoned) return 'caller_abandoned';
  return r.weighted([['new', 25], ['acknowledged', 40], ['waiting_on_customer', 15], ['onsite_decided', 10], ['onsite', 10]] as const);
}

export interface TimerPlan {
  target: string;
  calendar: string;
  minutes: number;
  startsAt: number | null;
  dueAt: number | null;
  warnAt: number | null;
  state: 'running' | 'paused' | 'met' | 'breached' | 'cancelled' | 'pending';
  warnedAt: number | null;
  breachedAt: number | null;
  metAt: number | null;
  pausedAt: number | null;
  serviceCredit: boolean | null;
  nextFireAt: number | null;
}

const CONTRACT_TARGETS = new Set(['response', 'resolution', 'onsite']);
const CREDIT_TIERS = new Set<Tier>(['Cat1', 'Cat2', 'Cat4']);

/**
 * The ticket's timers as the watcher would have left them at `anchor`: finished ones
 * met or breached, running ones pointing at their next warning or due time. Only
 * those whose instant fell in the last minute are due now (the watcher runs every 30 s).
 */
export function timersFor(t: TicketPlan, anchor: number): TimerPlan[] {
  const r = new Random(SEED ^ Math.imul(t.id, 22695477));
  const closed = t.status === 'resolved' || t.status === 'closed';
  return targetsFor(t.tier, t.priority, t.kind).map((spec) => {
    const base: TimerPlan = {
      target: spec.name,
      calendar: spec.calendar,
      minutes: spec.minutes,
      startsAt: null,
      dueAt: null,
      warnAt: null,
      state: 'pending',
      warnedAt: null,
      breachedAt: null,
      metAt: null,
      pausedAt: null,
      serviceCredit: null,
      nextFireAt: null,
    };
    if (spec.startsOn !== 'opened') return closed ? { ...base, state: 'cancelled' } : base;
    const start = new Date(t.openedAt);
    const due = dueAt(spec.calendar, start, spec.minutes, CTX).getTime();
    const warn = warnAt(spec.calendar, start, spec.minutes, CTX).getTime();
    const timer: TimerPlan = { ...base, startsAt: t.openedAt, dueAt: due, warnAt: warn, state: 'running' };
    const credit = CREDIT_TIERS.has(t.tier) && CONTRACT_TARGETS.has(spec.name);
    const met = (at: number): TimerPlan =>
      at <= due
        ? { ...timer, state: 'met', metAt: at, warnedAt: at > warn ? warn : null }
        : { ...timer, state: 'breached', metAt: at, warnedAt: warn, breachedAt: due, serviceCredit: credit || null };
    if (spec.name === 'response' && t.respondedAt !== null && t.respondedAt <= anchor) return met(t.respondedAt);
    if (closed) {
      // Finished: mostly in time.
      const at = r.chance(0.85) ? t.openedAt + Math.floor((due - t.openedAt) * r.next()) : due + r.int(1, 600) * MINUTE_MS;
      return met(Math.min(at, anchor));
    }
    if (t.status === 'waiting_on_customer' && due > anchor) {
      return { ...timer, state: 'paused', pausedAt: Math.max(t.openedAt, anchor - r.int(1, 48 * 60) * MINUTE_MS) };
    }
    // Still running at the anchor.
    const dueNow = (at: number) => at <= anchor && at > anchor - MINUTE_MS;
    if (warn > anchor || dueNow(warn)) return { ...timer, nextFireAt: warn };
    if (due > anchor || dueNow(due)) return { ...timer, warnedAt: warn, nextFireAt: due };
    return { ...timer, state: 'breached', warnedAt: warn, breachedAt: due, serviceCredit: credit || null };
  });
}
