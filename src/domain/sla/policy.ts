// What a ticket is promised, by contract tier, fault priority and kind of call.
// The policy is data: a ticket copies its targets when it is opened, so a later
// change of policy does not rewrite an open ticket's promise.
//
// Sources (shared/seeds):
//   004 — Cat1: "target initial response time its 8 working hours"; Cat2: "cover
//         extended to 7am - 11pm cover and a 4 [hour] response"; Cat4: "24 hours
//         on-site from when it is determined that an on-site visit is required",
//         with a 24-hour access number; CatS is ad hoc with no target; no
//         contract means no support.
//   000 — "Critical issues within 2 hours" response and "within 4 hours"
//         resolution (Cat4 critical, round the clock); complaints "acknowledged
//         within 4 working hours", resolved "within 5 working days", "escalation
//         to management for unresolved issues within 48 hours" (counted as two
//         working days on the office calendar: a complaint made on Friday evening
//         or in the Christmas closure is never escalated before it is even due to be
//         acknowledged); "Automatic
//         service credits for SLA breaches" (5.2).
//   002 — after 8 weeks the customer may take a complaint to alternative
//         dispute resolution, and must be told so.
import type { CalendarName } from '../calendar/calendar.ts';
import type { Priority, Tier } from '../contracts.ts';

export const SLA_TARGET_NAMES = [
  'response',
  'resolution',
  'onsite',
  'complaint_ack',
  'complaint_escalation',
  'complaint_resolution',
  'adr_notice',
] as const;
export type SlaTargetName = (typeof SLA_TARGET_NAMES)[number];

export type TicketKind = 'fault' | 'complaint' | 'billing' | 'message';

export interface TargetSpec {
  name: SlaTargetName;
  calendar: CalendarName;
  minutes: number;
  /** When the clock starts: the ticket opening, or the decision to send an engineer. */
  startsOn: 'opened' | 'onsite_decided';
}

export interface SlaPolicy {
  /** Recorded on each ticket beside the targets it copied. */
  id: string;
  faults: Readonly<Record<Tier, Readonly<Record<Priority, readonly TargetSpec[]>>>>;
  complaints: readonly TargetSpec[];
}

const HOUR = 60;
const WORKING_DAY = 8 * HOUR; // 09:00–17:00

const target = (
  name: SlaTargetName,
  calendar: CalendarName,
  minutes: number,
  startsOn: TargetSpec['startsOn'] = 'opened',
): TargetSpec => Object.freeze({ name, calendar, minutes, startsOn });

const list = (...targets: TargetSpec[]): readonly TargetSpec[] => Object.freeze(targets);
const same = (targets: readonly TargetSpec[]) => Object.freeze({ critical: targets, standard: targets });

export const DEFAULT_POLICY: SlaPolicy = Object.freeze({
  id: 'default-2026-2',
  faults: Object.freeze({
    None: same(list()),
    CatS: same(list()),
    Cat1: same(list(target('response', 'office', 8 * HOUR))),
    Cat2: same(list(target('response', 'extended', 4 * HOUR))),
    Cat4: Object.freeze({
      critical: list(
        target('response', 'always', 2 * HOUR),
        target('resolution', 'always', 4 * HOUR),
        target('onsite', 'always', 24 * HOUR, 'onsite_decided'),
      ),
      standard: list(target('response', 'office', 8 * HOUR), target('onsite', 'always', 24 * HOUR, 'onsite_decided')),
    }),
  }),
  complaints: list(
    target('complaint_ack', 'office', 4 * HOUR),
    target('complaint_resolution', 'office', 5 * WORKING_DAY),
    target('complaint_escalation', 'office', 2 * WORKING_DAY),
    target('adr_notice', 'always', 8 * 7 * 24 * HOUR),
  ),
});

/** The targets a new ticket gets. A fault of unknown priority counts as standard. */
export function targetsFor(
  tier: Tier,
  priority: Priority | null,
  kind: TicketKind,
  policy: SlaPolicy = DEFAULT_POLICY,
): TargetSpec[] {
  switch (kind) {
    case 'fault':
      return [...policy.faults[tier][priority ?? 'standard']];
    case 'complaint':
      // Complaint handling is owed to every customer, contract or not.
      return [...policy.complaints];
    case 'billing':
    case 'message':
      return [];
  }
}

// Seed 000 §5.2: "Automatic service credits for SLA breaches". The SLAs are the
// support contracts of seed 004, so a breach of a contracted fault target
// (response, resolution, on-site) on Cat1, Cat2 or Cat4 earns a credit without
// the customer asking. CatS and no-contract callers have no SLA to breach, and
// the complaint targets are complaint-handling duties, not contracted service
// levels.
export const SERVICE_CREDIT_TIERS: readonly Tier[] = ['Cat1', 'Cat2', 'Cat4'];
export const SERVICE_CREDIT_TARGETS: readonly SlaTargetName[] = ['response', 'resolution', 'onsite'];

export function earnsServiceCredit(tier: Tier, target: SlaTargetName): boolean {
  return SERVICE_CREDIT_TIERS.includes(tier) && SERVICE_CREDIT_TARGETS.includes(target);
}
