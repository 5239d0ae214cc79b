// The call flow's vocabulary: what carriers and the call service feed in (events),
// what the flow asks for (commands) and what it remembers between them (state).
// Everything here is plain JSON so a live call's state can sit in Redis.
import type { Priority, Tier } from '../contracts.ts';
import type { Utterance } from '../prompts.ts';
import type { CalendarName } from '../calendar/calendar.ts';
import type { Division } from '../calendar/bank-holidays.ts';
import type { SlaTargetName } from '../sla/policy.ts';
import type { AnnouncementView, Service } from '../announcements/rules.ts';
import type { Dialled } from '../dialled.ts';

export type CarrierName = 'asterisk' | 'twilio' | 'cli';
export type Route = 'desk' | 'oncall' | 'voicemail';
export type DeskQueue = 'support' | 'billing';
export type MenuChoice = 'fault' | 'status' | 'complaint' | 'billing';
export type TicketKind = 'fault' | 'complaint' | 'billing' | 'message';

/** What the line knows of a caller once their PIN is accepted. */
export interface AccountSummary {
  accountId: string;
  number: string;
  name: string;
  /** Effective tier at the time of the call (suspended or lapsed → None). */
  tier: Tier;
  /** What the account takes from us (announcements scoped to a service); absent in older sessions. */
  services?: Service[];
}

/** A closure as the flow keeps it (ISO instants, so state stays JSON). */
export interface ClosureWindow {
  from: string;
  to: string;
  reason: string;
}

export interface EngineerLeg {
  engineerId: string;
  name: string;
  phone: string;
  /** Carrier dial string, e.g. `PJSIP/+447700900123@trunk`; empty → the carrier's template. */
  dialTarget: string;
  level: 'primary' | 'secondary' | 'manager';
}

/** Who answered a call live: an engineer who pressed 1, or the desk that picked up. */
export type Responder = { engineerId: string } | { desk: DeskQueue };

export interface EscalationPlan {
  legs: EngineerLeg[];
  ringSeconds: number;
  rounds: number;
}

/** An SLA target as promised when the ticket is created (the policy frozen onto it). */
export interface PlannedTarget {
  name: SlaTargetName;
  calendar: CalendarName;
  minutes: number;
  /** When the clock starts; null until a later decision starts it (on-site). */
  startsAt: string | null;
  dueAt: string | null;
  /** When 75% of the target's time has gone: the watcher warns then. */
  warnAt: string | null;
}

export interface NewTicket {
  callId: string;
  accountId: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  /** Null for a caller who joined an incident: nobody is routed to. */
  route: Route | null;
  /** When the call arrived: the response clock starts here. */
  openedAt: string;
  adHocAccepted: boolean | null;
  targets: PlannedTarget[];
  summary: string;
  /** The incident the caller joined (pressed 1 at its announcement); its parent ticket holds the SLA clock. */
  incidentId?: string | null;
}

export interface TicketStatusView {
  reference: string;
  kind: TicketKind;
  status: TicketStatus;
  /**
   * The earliest running promise made to the customer (CUSTOMER_PROMISES: the callback,
   * the complaint's acknowledgement), if any; never an internal target such as the
   * complaint's management escalation. It may have passed: the flow says only a future one.
   */
  nextDueAt: string | null;
}

export type TicketStatus =
  | 'new'
  | 'acknowledged'
  | 'waiting_on_customer'
  | 'onsite_decided'
  | 'onsite'
  | 'resolved'
  | 'closed'
  | 'caller_abandoned';

export type EngineerOutcome =
  | 'accepted'
  | 'declined' // pressed something other than 1
  | 'no_key' // answered but pressed nothing (e.g. their voicemail picked up)
  | 'no_answer'
  | 'busy'
  | 'failed'
  | 'locked'; // already on another escalated call

// ---------------------------------------------------------------------------
// Events

export type FlowEvent =
  | {
      type: 'started';
      callId: string;
      carrier: CarrierName;
      from: string;
      to: string;
      /** The office calendar's division and the closures around now (loaded by the call service). */
      division: Division;
      closures: ClosureWindow[];
      /** How long the desk rings before a message is offered (DESK_OVERFLOW_SECONDS); absent → DESK_RING_SECONDS. */
      deskRingSeconds?: number;
      /** Days a voicemail is kept (RECORDING_RETENTION_DAYS), told to the caller before the tone. */
      recordingRetentionDays?: number;
      /** Announcements live around the call's start (loaded by the call service); the flow decides who hears which. */
      announcements?: AnnouncementView[];
      /** Which of the line's numbers was dialled (looked up by the call service); absent → the main line. */
      dialled?: Dialled;
    }
  | { type: 'callerLookedUp'; accountNumber: string | null }
  | { type: 'input'; digits: string }
  | { type: 'inputTimeout' }
  | { type: 'promptFinished' }
  | { type: 'pinChecked'; result: 'ok' | 'wrong' | 'locked'; account: AccountSummary | null }
  | { type: 'ticketCreated'; ticketId: string; reference: string }
  | { type: 'ticketFound'; ticket: TicketStatusView | null }
  | { type: 'escalationPlanned'; plan: EscalationPlan }
  /** The duty manager's alert is in the outbox (queued), or could not be queued yet. */
  | { type: 'dutyManagerAlerted'; queued: boolean }
  | { type: 'engineerAnswered'; engineerId: string }
  | { type: 'engineerResult'; engineerId: string; outcome: EngineerOutcome }
  | { type: 'deskResult'; outcome: 'answered' | 'no_answer' | 'failed' }
  | { type: 'recorded'; recordingName: string | null; durationSeconds: number }
  /** The call is over. `by` when the carrier knows who hung up (the line ends calls too). */
  | { type: 'hangup'; cause: string; by?: 'caller' | 'line' }
  /**
   * The carrier lost what it was doing for the call (this process restarted) and the
   * caller is still there: the flow repeats what it is waiting on. Not an answer, so
   * no retry is counted and the ladder does not move.
   */
  | { type: 'resumed' };

export type FlowEventType = FlowEvent['type'];

// ---------------------------------------------------------------------------
// Commands

export type GatherPurpose =
  | 'account'
  | 'pin'
  | 'menu'
  | 'critical'
  | 'adhoc'
  | 'ticket'
  | 'announcement';

/** Commands a carrier executes (media). */
export type MediaCommand =
  | { kind: 'play'; utterance: Utterance }
  | {
      kind: 'gather';
      purpose: GatherPurpose;
      /** Played first; a key press stops it (barge-in). */
      utterance: Utterance;
      maxDigits: number;
      /** Seconds to wait for the first key after the prompt. */
      timeoutSeconds: number;
      /** Seconds allowed between keys. */
      interDigitSeconds: number;
      /** The key that ends entry early (not part of the digits). */
      terminator: '#' | null;
      /** PIN entry: the digits must never reach logs or timelines. */
      secret: boolean;
    }
  | {
      kind: 'connectDesk';
      queue: DeskQueue;
      /** Where the call goes if the carrier has no destination for `queue` (billing → the support desk). */
      fallbackQueue: DeskQueue | null;
      /** How long the desk rings before the flow hears `no_answer` and offers a message. */
      ringSeconds: number;
    }
  | {
      kind: 'dialEngineer';
      engineer: EngineerLeg;
      ringSeconds: number;
      /** What the engineer hears on answering, before pressing 1 or 2. */
      whisper: Utterance;
      whisperTimeoutSeconds: number;
      /** The one key that connects the engineer; any other key passes the call on (see engineerKeyOutcome). */
      acceptKey: string;
      /**
       * Said to the caller once, first, while the engineer's phone already rings (the
       * ticket reference on the first dial; empty after): the engineer is not kept
       * waiting for the announcement.
       */
      announce: Utterance;
      /** What the caller hears while the engineer's phone rings (after any announcement, repeated). */
      hold: Utterance;
    }
  | { kind: 'bridgeEngineer'; engineerId: string }
  | { kind: 'record'; name: string; maxSeconds: number; maxSilenceSeconds: number }
  | { kind: 'hangup' };

/** Commands the call service executes (data); most answer with an event. */
export type DataCommand =
  | { kind: 'lookupCaller'; phone: string }
  | { kind: 'checkPin'; accountNumber: string; pin: string; callerPhone: string }
  | { kind: 'createTicket'; ticket: NewTicket }
  /** The caller reached a person: the ticket's first response, by whom. */
  | { kind: 'markResponded'; ticketId: string; by: Responder; at: string }
  | { kind: 'flagTicket'; ticketId: string; flag: 'escalation_failed' | 'caller_abandoned' }
  /** Every engineer failed: flag the ticket and tell the duty manager; answered with dutyManagerAlerted. */
  | { kind: 'alertEscalationFailed'; ticketId: string }
  | { kind: 'attachRecording'; ticketId: string; recordingName: string }
  /** After the call: the reference (and promise) by text, if the number is a mobile and the account allows. */
  | { kind: 'textCaller'; ticketId: string; phone: string; text: string }
  | { kind: 'lookupTicket'; accountId: string; reference: string }
  | { kind: 'planEscalation'; tier: Tier; priority: Priority }
  | { kind: 'log'; event: string; detail: Record<string, unknown> }
  | { kind: 'endCall'; outcome: CallOutcome; reason: string };

export type Command = MediaCommand | DataCommand;
export type CommandKind = Command['kind'];

export const MEDIA_KINDS = [
  'play',
  'gather',
  'connectDesk',
  'dialEngineer',
  'bridgeEngineer',
  'record',
  'hangup',
] as const satisfies readonly MediaCommand['kind'][];

export function isMediaCommand(c: Command): c is MediaCommand {
  return (MEDIA_KINDS as readonly string[]).includes(c.kind);
}

export type CallOutcome =
  | 'desk' // handed to the support or accounts desk
  | 'engineer' // an on-call engineer accepted
  | 'message' // a voicemail was taken
  | 'informed' // the caller was told something (ticket status) and left
  | 'abandoned' // the caller hung up first
  | 'refused'; // authentication failed, locked, or charge declined

// ---------------------------------------------------------------------------
// State

export type Phase =
  | 'new'
  | 'identifying' // waiting for the caller-ID lookup
  | 'account' // collecting the account number
  | 'pin'
  | 'checkingPin'
  | 'menu'
  | 'critical'
  | 'adhoc'
  | 'ticketRef'
  | 'announcement' // heard an incident announcement: 1 joins it, anything else the menu
  | 'lookingUpTicket'
  | 'creatingTicket'
  | 'planning'
  | 'ringing' // an engineer leg is ringing / whispering
  | 'alerting' // the ladder is exhausted: queueing the duty manager's alert
  | 'bridged'
  | 'desk'
  | 'recording'
  | 'ending' // goodbye said, hangup sent
  | 'ended';

export interface FlowState {
  phase: Phase;
  callId: string;
  carrier: CarrierName;
  from: string;
  to: string;
  startedAt: string;
  division: Division;
  closures: ClosureWindow[];
  /** Seconds the desk rings; absent in a session saved before it was kept (DESK_RING_SECONDS then). */
  deskRingSeconds?: number;
  /** Days a voicemail is kept; absent in a session saved before it was kept (RECORDING_RETENTION_DAYS then). */
  recordingRetentionDays?: number;
  /** Announcements live around the call's start; absent in older sessions. */
  announcements?: AnnouncementView[];
  /** Ids of the announcements this caller has heard. */
  announced?: string[];
  /** The incident the caller may join (the announcement they just heard links to it). */
  joinable?: string | null;
  /** The profile of the number dialled, decided before the greeting; absent in a session saved before it was kept (the main line then). */
  dialled?: Dialled;
  /** Account number entered or matched by caller ID (not yet verified). */
  accountNumber: string | null;
  callerIdMatched: boolean;
  account: AccountSummary | null;
  /** Wrong PINs on this call. */
  pinFailures: number;
  /** Failed attempts at the current question (invalid key or silence). */
  retries: number;
  menu: MenuChoice | null;
  priority: Priority | null;
  adHocAccepted: boolean | null;
  route: Route | null;
  routeReason: string | null;
  ticket: { id: string; reference: string; kind: TicketKind; replyDueAt: string | null } | null;
  /** Ticket being created: kept until its reference is known. */
  pendingTicket: NewTicket | null;
  ladder: {
    plan: EscalationPlan;
    index: number;
    round: number;
    current: string | null;
    /** Still to be said to the caller: rides with the next dial until a leg actually rings (absent in older sessions). */
    announce?: Utterance | null;
  } | null;
  engineerId: string | null;
  /** Every engineer on the ladder was tried and none accepted. */
  escalationFailed: boolean;
  recordingName: string | null;
  outcome: CallOutcome | null;
  endReason: string | null;
}

export interface Transition {
  state: FlowState;
  commands: Command[];
}
