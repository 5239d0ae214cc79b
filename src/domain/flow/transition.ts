// The one call flow. Pure: (state, event, now) → (state, commands). Asterisk, Twilio
// and the command-line simulator all execute what it returns and feed back what happened.
import { prompt, type Segment } from '../prompts.ts';
import { calendarStatus } from '../calendar/calendar.ts';
import { decideRoute } from '../routing.ts';
import {
  DESK_RING_SECONDS,
  ENGINEER_ACCEPT_KEY,
  MAX_PIN_FAILURES,
  MAX_REPROMPTS,
  RECORDING_RETENTION_DAYS,
  VOICEMAIL_MAX_SECONDS,
  VOICEMAIL_MAX_SILENCE_SECONDS,
  WHISPER_TIMEOUT_SECONDS,
  anyQuestionKey,
  deskCommand,
  gather,
  validEntry,
} from './rules.ts';
import { notTheirNumber, recordingNotice, ticketPromise, ticketReference, ticketStatus, whisper } from './speech.ts';
import { afterCallText } from './after-call.ts';
import { calendarOf, newTicket, replyDue } from './tickets.ts';
import { textRelayCaller } from '../text-relay.ts';
import { announcementSpeech, dueAnnouncements, joinableIncident, markHeard } from './announcements.ts';
import { MAIN_LINE, firstStep } from '../dialled.ts';
import type {
  CallOutcome,
  Command,
  DeskQueue,
  EngineerLeg,
  EscalationPlan,
  FlowEvent,
  FlowState,
  GatherPurpose,
  MenuChoice,
  Phase,
  Route,
  TicketKind,
  Transition,
} from './types.ts';

export function initialState(event: Extract<FlowEvent, { type: 'started' }>, now: Date): FlowState {
  return {
    phase: 'new',
    callId: event.callId,
    carrier: event.carrier,
    from: event.from,
    to: event.to,
    startedAt: now.toISOString(),
    division: event.division,
    closures: event.closures,
    deskRingSeconds: event.deskRingSeconds ?? DESK_RING_SECONDS,
    recordingRetentionDays: event.recordingRetentionDays ?? RECORDING_RETENTION_DAYS,
    announcements: event.announcements ?? [],
    announced: [],
    joinable: null,
    dialled: event.dialled ?? MAIN_LINE,
    accountNumber: null,
    callerIdMatched: false,
    account: null,
    pinFailures: 0,
    retries: 0,
    menu: null,
    priority: null,
    adHocAccepted: null,
    route: null,
    routeReason: null,
    ticket: null,
    pendingTicket: null,
    ladder: null,
    engineerId: null,
    escalationFailed: false,
    recordingName: null,
    outcome: null,
    endReason: null,
  };
}

const stay = (state: FlowState): Transition => ({ state, commands: [] });

/** The question each waiting phase asks, for re-prompts. */
const QUESTIONS: Partial<Record<Phase, { purpose: GatherPurpose; prompt: Segment[] }>> = {
  account: { purpose: 'account', prompt: [prompt('enter-account')] },
  pin: { purpose: 'pin', prompt: [prompt('enter-pin')] },
  menu: { purpose: 'menu', prompt: [prompt('main-menu')] },
  critical: { purpose: 'critical', prompt: [prompt('fault-critical-question')] },
  ticketRef: { purpose: 'ticket', prompt: [prompt('enter-ticket')] },
  announcement: { purpose: 'announcement', prompt: [prompt('announcement-join')] },
};

export function transition(state: FlowState, event: FlowEvent, now: Date): Transition {
  if (state.phase === 'ended') return stay(state);
  if (event.type === 'hangup') return callerHungUp(state, event.cause, now);
  if (state.phase === 'ending') return stay(state);

  switch (event.type) {
    case 'started':
      return state.phase === 'new'
        ? { state: { ...state, phase: 'identifying' }, commands: [{ kind: 'lookupCaller', phone: textRelayCaller(state.from) ?? state.from }] }
        : stay(state);
    case 'callerLookedUp':
      return state.phase === 'identifying' ? callerLookedUp(state, event.accountNumber, now) : stay(state);
    case 'pinChecked':
      return state.phase === 'checkingPin' ? pinChecked(state, event, now) : stay(state);
    case 'input':
    case 'inputTimeout':
      return keys(state, event.type === 'input' ? event.digits : null, now);
    case 'ticketFound':
      return state.phase === 'lookingUpTicket' ? ticketFound(state, event.ticket, now) : stay(state);
    case 'ticketCreated':
      return state.phase === 'creatingTicket' ? ticketCreated(state, event) : stay(state);
    case 'escalationPlanned':
      if (state.phase !== 'planning') return stay(state);
      return nextEngineer({ ...state, ladder: { plan: event.plan, index: -1, round: 1, current: null, announce: onCallAnnouncement(state) } });
    case 'engineerAnswered':
      return stay(state);
    case 'dutyManagerAlerted':
      return state.phase === 'alerting' ? dutyManagerAlerted(state, event.queued) : stay(state);
    case 'engineerResult':
      return state.phase === 'ringing' && state.ladder?.current === event.engineerId
        ? engineerResult(state, event.engineerId, event.outcome, now)
        : stay(state);
    case 'deskResult':
      return state.phase === 'desk' ? deskResult(state, event.outcome, now) : stay(state);
    case 'recorded':
      return state.phase === 'recording' ? recorded(state, event.recordingName, now) : stay(state);
    case 'promptFinished':
      return stay(state);
    case 'resumed':
      return resumed(state);
  }
}

// --- identification and authentication ------------------------------------

function callerLookedUp(state: FlowState, accountNumber: string | null, now: Date): Transition {
  // A relay assistant cannot key a PIN in time: straight to a person, or a message.
  const announcements = dueAnnouncements(state, now, false);
  const heard = markHeard(state, announcements);
  const said = announcements.map(announcementSpeech);
  if (textRelayCaller(state.from)) return toAPerson({ ...heard, accountNumber }, now, 'text relay caller', [prompt('greeting'), ...said]);
  const greeting = [prompt('greeting'), prompt('keys-help'), ...said];
  if (accountNumber) {
    return ask({ ...heard, accountNumber, callerIdMatched: true }, 'pin', [...greeting, prompt('enter-pin')]);
  }
  return ask(heard, 'account', [...greeting, prompt('enter-account')]);
}

function ask(state: FlowState, phase: Phase, utterance: Segment[], extra: Command[] = []): Transition {
  const question = QUESTIONS[phase];
  const purpose = question?.purpose ?? (phase === 'adhoc' ? 'adhoc' : 'menu');
  return { state: { ...state, phase }, commands: [...extra, gather(purpose, utterance)] };
}

function keys(state: FlowState, digits: string | null, now: Date): Transition {
  const question = QUESTIONS[state.phase];
  const purpose = question?.purpose ?? (state.phase === 'adhoc' ? 'adhoc' : null);
  if (!purpose) return stay(state);
  const meant = digits === null ? null : anyQuestionKey(digits);
  if (meant === 'repeat') return ask(state, state.phase, questionPrompt(state));
  if (meant === 'person') return toAPerson(state, now, 'caller pressed 0 for a person');
  if (state.phase === 'announcement') return announcementAnswered(state, digits === null ? null : validEntry(purpose, digits), now);
  const entry = digits === null ? null : validEntry(purpose, digits);
  if (entry === null) {
    if (purpose === 'pin' && digits !== null && digits.length > 0) return wrongPin(state, false);
    return reprompt(state, digits === null ? 'no-entry' : 'invalid-entry', now);
  }
  const answered = { ...state, retries: 0 };
  switch (state.phase) {
    case 'account':
      return ask({ ...answered, accountNumber: entry }, 'pin', [prompt('enter-pin')]);
    case 'pin':
      return {
        state: { ...answered, phase: 'checkingPin' },
        commands: [{ kind: 'checkPin', accountNumber: state.accountNumber ?? '', pin: entry, callerPhone: state.from }],
      };
    case 'menu':
      return menuChoice(answered, MENU[entry] ?? 'fault', now);
    case 'critical':
      return faultReported({ ...answered, priority: entry === '1' ? 'critical' : 'standard' }, now);
    case 'adhoc':
      if (entry === '2') return end(answered, [prompt('ad-hoc-declined')], 'refused', 'ad-hoc-declined');
      return raiseTicket({ ...answered, adHocAccepted: true }, 'fault', state.route ?? 'desk');
    case 'ticketRef':
      // A reference that is well formed but not found still counts against the retries.
      return {
        state: { ...state, phase: 'lookingUpTicket' },
        commands: [{ kind: 'lookupTicket', accountId: state.account?.accountId ?? '', reference: entry }],
      };
    default:
      return stay(state);
  }
}

const MENU: Record<string, MenuChoice> = { '1': 'fault', '2': 'status', '3': 'complaint', '4': 'billing' };

function reprompt(state: FlowState, why: 'no-entry' | 'invalid-entry', now: Date): Transition {
  const retries = state.retries + 1;
  const next = { ...state, retries };
  if (retries > MAX_REPROMPTS) return safeDefault(next, now);
  return ask(next, state.phase, [prompt(why), ...questionPrompt(state)]);
}

/** The current question's own words (the ad hoc offer is the one question not in QUESTIONS). */
function questionPrompt(state: FlowState): Segment[] {
  return QUESTIONS[state.phase]?.prompt ?? [prompt(state.account?.tier === 'None' ? 'no-contract-offer' : 'ad-hoc-offer')];
}

/**
 * The carrier lost the call's media (a restart) and the caller is still on the line:
 * the same question, engineer or desk again, with nothing counted against the caller.
 * Phases the flow cannot repeat (a message being recorded, a connected call) are left
 * to the carrier.
 */
function resumed(state: FlowState): Transition {
  if (QUESTIONS[state.phase] || state.phase === 'adhoc') return ask(state, state.phase, questionPrompt(state));
  const ladder = state.ladder;
  const leg = ladder?.current ? ladder.plan.legs[ladder.index] : undefined;
  if (state.phase === 'ringing' && ladder && leg?.engineerId === ladder.current) return { state, commands: [dial(state, ladder.plan, leg)] };
  if (state.phase === 'desk' && state.outcome !== 'desk') return { state, commands: [deskCommand(deskQueue(state), state.deskRingSeconds ?? DESK_RING_SECONDS)] };
  return stay(state);
}

function wrongPin(state: FlowState, checked: boolean): Transition {
  const pinFailures = state.pinFailures + 1;
  const log: Command = { kind: 'log', event: 'pin-rejected', detail: { attempt: pinFailures, checked } };
  if (pinFailures >= MAX_PIN_FAILURES) {
    return end({ ...state, pinFailures }, [prompt('auth-failed')], 'refused', 'authentication-failed', [log]);
  }
  const next = { ...state, pinFailures, retries: 0 };
  // A keyed-in account number may itself be the mistake, so ask for both again.
  if (!state.callerIdMatched) {
    return ask({ ...next, accountNumber: null }, 'account', [prompt('not-verified'), prompt('enter-account')], [log]);
  }
  return ask(next, 'pin', [prompt('not-verified'), prompt('enter-pin')], [log]);
}

function pinChecked(state: FlowState, event: Extract<FlowEvent, { type: 'pinChecked' }>, now: Date): Transition {
  if (event.result === 'locked') {
    const log: Command = { kind: 'log', event: 'pin-locked', detail: {} };
    return end(state, [prompt('pin-locked')], 'refused', 'pin-locked', [log]);
  }
  if (event.result === 'wrong' || !event.account) return wrongPin(state, true);
  const account = event.account;
  const log: Command = {
    kind: 'log',
    event: 'authenticated',
    detail: { accountId: account.accountId, accountNumber: account.number, tier: account.tier, byCallerId: state.callerIdMatched },
  };
  return afterIdentification({ ...state, account, accountNumber: account.number }, now, [log]);
}

/**
 * The caller is identified: the announcements meant for their account or service, then,
 * when one they heard belongs to an incident, the offer to join it; else the menu.
 */
function afterIdentification(state: FlowState, now: Date, before: Command[]): Transition {
  const announcements = dueAnnouncements(state, now, true);
  const heard = markHeard(state, announcements);
  const said = announcements.map(announcementSpeech);
  const joinable = joinableIncident(heard, now);
  const log: Command[] = heard.announced?.length
    ? [{ kind: 'log', event: 'announcements-heard', detail: { ids: heard.announced, joinable } }]
    : [];
  if (joinable) return ask({ ...heard, joinable }, 'announcement', [...said, prompt('announcement-join')], [...before, ...log]);
  return theMenu(heard, said, [...before, ...log], now);
}

/**
 * Where a signed-in caller starts, after any announcements: the number they dialled
 * decides (src/domain/dialled.ts) between the menu, the fault questions and billing.
 */
function theMenu(state: FlowState, said: Segment[], before: Command[], now: Date): Transition {
  const dialled = state.dialled ?? MAIN_LINE;
  const step = firstStep(dialled, state.account?.tier ?? 'None');
  if (step === 'menu') return ask(state, 'menu', [...said, prompt('main-menu')], before);
  if (step === 'wrongNumberMenu') return ask(state, 'menu', [...said, ...notTheirNumber(dialled.mainNumber), prompt('main-menu')], before);
  const chosen = menuChoice(state, step, now);
  const announced: Command[] = said.length > 0 ? [{ kind: 'play', utterance: said }] : [];
  return { state: chosen.state, commands: [...before, ...announced, ...chosen.commands] };
}

/** 1 at an incident's announcement joins it; any other key, or none, is the menu. */
function announcementAnswered(state: FlowState, entry: string | null, now: Date): Transition {
  const incidentId = state.joinable ?? null;
  if (entry !== '1' || !incidentId) return theMenu({ ...state, retries: 0 }, [], [], now);
  // The caller's own ticket is recorded, joined to the incident; the parent holds the SLA clock.
  const joined: FlowState = { ...state, retries: 0, menu: 'fault', priority: 'standard', route: null, routeReason: 'joined incident' };
  const ticket = { ...newTicket(joined, 'fault', null), incidentId, targets: [] };
  return {
    state: { ...joined, phase: 'creatingTicket', pendingTicket: ticket },
    commands: [{ kind: 'log', event: 'incident-joined', detail: { incidentId } }, { kind: 'createTicket', ticket }],
  };
}

// --- the menu and routing ----------------------------------------------------

function menuChoice(state: FlowState, choice: MenuChoice, now: Date): Transition {
  const next = { ...state, menu: choice };
  switch (choice) {
    case 'fault':
      return ask(next, 'critical', [prompt('fault-critical-question')]);
    case 'status':
      return ask(next, 'ticketRef', [prompt('enter-ticket')]);
    case 'complaint':
      return routeAndRaise(next, 'complaint', [prompt('complaint-intro')], now);
    case 'billing':
      return routeAndRaise(next, 'billing', [], now);
  }
}

function faultReported(state: FlowState, now: Date): Transition {
  const tier = state.account?.tier ?? 'None';
  const decision = decideRoute({ tier, priority: state.priority, menu: 'fault', at: now, calendar: calendarOf(state) });
  const decided = withRoute(state, decision.route, decision.reason);
  // In hours and out: a caller without a contract hears the charge before a ticket is raised.
  if (tier === 'None' || tier === 'CatS') {
    const offer = prompt(tier === 'None' ? 'no-contract-offer' : 'ad-hoc-offer');
    return ask({ ...decided.state, retries: 0 }, 'adhoc', [offer], decided.commands);
  }
  return raiseTicket(decided.state, 'fault', decision.route, decided.commands);
}

function routeAndRaise(state: FlowState, kind: 'complaint' | 'billing', intro: Segment[], now: Date): Transition {
  const decision = decideRoute({
    tier: state.account?.tier ?? 'None',
    priority: null,
    menu: kind,
    at: now,
    calendar: calendarOf(state),
  });
  const decided = withRoute(state, decision.route, decision.reason);
  return raiseTicket(decided.state, kind, decision.route, decided.commands, intro);
}

function withRoute(state: FlowState, route: Route, reason: string): Transition {
  return {
    state: { ...state, route, routeReason: reason },
    commands: [{ kind: 'log', event: 'route-decided', detail: { route, reason } }],
  };
}

/**
 * After the caller stops answering (or mis-keys) too often. At the critical question a
 * contract customer is taken to mean "down" (one who cannot press keys at 3 am may be in
 * trouble): their contract then decides, on-call out of hours for Cat4. Otherwise a person.
 */
function safeDefault(state: FlowState, now: Date): Transition {
  const tier = state.account?.tier;
  if (state.phase === 'critical' && (tier === 'Cat1' || tier === 'Cat2' || tier === 'Cat4')) {
    const log: Command = { kind: 'log', event: 'critical-assumed', detail: { reason: `no answer at the critical question after ${MAX_REPROMPTS} re-prompts` } };
    const reported = faultReported({ ...state, priority: 'critical' }, now);
    return { state: reported.state, commands: [log, ...reported.commands] };
  }
  return toAPerson(state, now, `no valid entry after ${MAX_REPROMPTS} re-prompts: safe default`);
}

/**
 * A person where one is available: the desk in office hours, a message otherwise. Never
 * a silent hang-up. A caller not yet signed in gets a message ticket with no account:
 * the desk sees the call as unauthenticated.
 */
function toAPerson(state: FlowState, now: Date, why: string, intro: Segment[] = []): Transition {
  const officeOpen = calendarStatus('office', now, calendarOf(state)).open;
  const route: Route = officeOpen ? 'desk' : 'voicemail';
  const decided = withRoute(state, route, `${why} (${officeOpen ? 'office open' : 'office closed'})`);
  if (!state.account) return raiseTicket(decided.state, 'message', route, decided.commands, intro);
  if (state.phase === 'adhoc') return raiseTicket({ ...decided.state, adHocAccepted: false }, 'fault', route, decided.commands, intro);
  const kind: TicketKind = state.menu === 'complaint' || state.menu === 'billing' ? state.menu : 'fault';
  return raiseTicket({ ...decided.state, menu: state.menu ?? 'fault', priority: state.priority ?? 'standard' }, kind, route, decided.commands, intro);
}

// --- tickets and where the caller goes next -----------------------------------

function raiseTicket(
  state: FlowState,
  kind: TicketKind,
  route: Route,
  before: Command[] = [],
  intro: Segment[] = [],
): Transition {
  const ticket = newTicket({ ...state, route }, kind, route);
  const commands: Command[] = [...before];
  if (intro.length > 0) commands.push({ kind: 'play', utterance: intro });
  commands.push({ kind: 'createTicket', ticket });
  return { state: { ...state, route, phase: 'creatingTicket', pendingTicket: ticket }, commands };
}

function ticketCreated(state: FlowState, event: Extract<FlowEvent, { type: 'ticketCreated' }>): Transition {
  const pending = state.pendingTicket;
  const kind = pending?.kind ?? 'message';
  const next: FlowState = {
    ...state,
    pendingTicket: null,
    ticket: { id: event.ticketId, reference: event.reference, kind, replyDueAt: pending ? replyDue(pending) : null },
  };
  if (pending?.incidentId) {
    return end(next, [prompt('incident-joined'), ...ticketReference(event.reference), prompt('goodbye')], 'informed', 'joined-incident');
  }
  switch (state.route) {
    case 'desk': {
      const queue = deskQueue(next);
      const connecting = prompt(queue === 'billing' ? 'connecting-billing' : 'connecting-desk');
      return {
        state: { ...next, phase: 'desk' },
        commands: [
          // Being connected now: the reference, and no callback time (that is for a caller who is not).
          { kind: 'play', utterance: [...ticketReference(event.reference), connecting] },
          deskCommand(queue, next.deskRingSeconds ?? DESK_RING_SECONDS),
        ],
      };
    }
    case 'oncall':
      // Ring first: the reference is said with the first dial, while the engineer's
      // phone already rings, not before it (16 s of speech a Cat4 outage cannot spare).
      return {
        state: { ...next, phase: 'planning' },
        commands: [{ kind: 'planEscalation', tier: next.account?.tier ?? 'None', priority: next.priority ?? 'standard' }],
      };
    case 'voicemail':
    case null:
      return takeMessage(next, [prompt(kind === 'billing' ? 'billing-closed' : 'office-closed')]);
  }
}

/** Billing calls go to the accounts team; every other call to the support desk. */
function deskQueue(state: FlowState): DeskQueue {
  return state.ticket?.kind === 'billing' ? 'billing' : 'support';
}

function takeMessage(state: FlowState, lead: Segment[]): Transition {
  return {
    state: { ...state, phase: 'recording' },
    commands: [
      // UK GDPR: the caller is told before the tone why the message is kept and for how long.
      { kind: 'play', utterance: [...lead, ...recordingNotice(state.recordingRetentionDays ?? RECORDING_RETENTION_DAYS), prompt('leave-message')] },
      {
        kind: 'record',
        name: `support-line/${state.callId}`,
        maxSeconds: VOICEMAIL_MAX_SECONDS,
        maxSilenceSeconds: VOICEMAIL_MAX_SILENCE_SECONDS,
      },
    ],
  };
}

function recorded(state: FlowState, recordingName: string | null, now: Date): Transition {
  const next = { ...state, recordingName };
  const attach: Command[] =
    recordingName && state.ticket ? [{ kind: 'attachRecording', ticketId: state.ticket.id, recordingName }] : [];
  const said = prompt(recordingName ? 'message-taken' : 'no-message');
  return end(next, [said, ...ticketPromise(next, now), prompt('goodbye')], 'message', recordingName ? 'message-recorded' : 'no-message-left', [
    ...attach,
    ...afterCallText(next, 'message', now),
  ]);
}

function deskResult(state: FlowState, outcome: 'answered' | 'no_answer' | 'failed', now: Date): Transition {
  if (outcome === 'answered') {
    // A person at the desk has the caller: that is the ticket's first response.
    const responded: Command[] = state.ticket
      ? [{ kind: 'markResponded', ticketId: state.ticket.id, by: { desk: deskQueue(state) }, at: now.toISOString() }]
      : [];
    return {
      state: { ...state, outcome: 'desk' },
      commands: [{ kind: 'log', event: 'desk-answered', detail: {} }, ...responded],
    };
  }
  return takeMessage({ ...state, outcome: null }, [prompt('desk-busy')]);
}

// --- the on-call ladder ---------------------------------------------------------

function nextEngineer(state: FlowState): Transition {
  const ladder = state.ladder;
  if (!ladder) return stay(state);
  let { index, round } = ladder;
  index += 1;
  if (index >= ladder.plan.legs.length) {
    index = 0;
    round += 1;
  }
  const leg = ladder.plan.legs[index];
  if (!leg || round > ladder.plan.rounds) return ladderExhausted(state);
  return {
    state: { ...state, phase: 'ringing', ladder: { ...ladder, index, round, current: leg.engineerId } },
    commands: [dial(state, ladder.plan, leg)],
  };
}

function dial(state: FlowState, plan: EscalationPlan, leg: EngineerLeg): Command {
  return {
    kind: 'dialEngineer',
    engineer: leg,
    ringSeconds: plan.ringSeconds,
    whisper: whisper(state),
    whisperTimeoutSeconds: WHISPER_TIMEOUT_SECONDS,
    acceptKey: ENGINEER_ACCEPT_KEY,
    announce: state.ladder?.announce ?? [],
    hold: [prompt('hold')],
  };
}

/** What an on-call caller hears as the first engineer is rung: their reference and that we are calling. */
function onCallAnnouncement(state: FlowState): Segment[] {
  return [...(state.ticket ? ticketReference(state.ticket.reference) : []), prompt('connecting-oncall')];
}

function engineerResult(
  state: FlowState,
  engineerId: string,
  outcome: Extract<FlowEvent, { type: 'engineerResult' }>['outcome'],
  now: Date,
): Transition {
  // A leg that rang has said the announcement; one refused for a lock never rang, so the next dial says it.
  const ladder = state.ladder && outcome !== 'locked' ? { ...state.ladder, announce: null } : state.ladder;
  if (outcome !== 'accepted') return nextEngineer({ ...state, ladder });
  const commands: Command[] = [];
  if (state.ticket) commands.push({ kind: 'markResponded', ticketId: state.ticket.id, by: { engineerId }, at: now.toISOString() });
  commands.push({ kind: 'bridgeEngineer', engineerId });
  return {
    state: { ...state, phase: 'bridged', engineerId, outcome: 'engineer', ladder: state.ladder ? { ...state.ladder, current: null } : null },
    commands,
  };
}

/**
 * Nobody accepted: the duty manager is alerted first, and the caller hears "the duty
 * manager has been told" only once that alert is queued (dutyManagerAlerted).
 */
function ladderExhausted(state: FlowState): Transition {
  const next: FlowState = { ...state, escalationFailed: true, ladder: state.ladder ? { ...state.ladder, current: null } : null };
  const log: Command = { kind: 'log', event: 'escalation-failed', detail: { rounds: state.ladder?.plan.rounds ?? 0 } };
  if (!state.ticket) {
    const message = takeMessage(next, [...unsaidReference(state), prompt('oncall-unreached')]);
    return { state: message.state, commands: [log, ...message.commands] };
  }
  return { state: { ...next, phase: 'alerting' }, commands: [log, { kind: 'alertEscalationFailed', ticketId: state.ticket.id }] };
}

/** The reference, if no engineer's ring carried it yet, then what is true of the duty manager. */
function dutyManagerAlerted(state: FlowState, queued: boolean): Transition {
  return takeMessage(state, [...unsaidReference(state), prompt(queued ? 'oncall-failed' : 'oncall-unreached')]);
}

/**
 * The ticket reference when no ring carried the announcement (nobody on the rota, or
 * every engineer locked); not its "we are calling the on-call engineer", which no longer holds.
 */
function unsaidReference(state: FlowState): Segment[] {
  return state.ladder?.announce && state.ticket ? ticketReference(state.ticket.reference) : [];
}

// --- ticket status -----------------------------------------------------------------

function ticketFound(state: FlowState, ticket: Extract<FlowEvent, { type: 'ticketFound' }>['ticket'], now: Date): Transition {
  if (!ticket) {
    const retries = state.retries + 1;
    if (retries > MAX_REPROMPTS) {
      return end({ ...state, retries }, [prompt('ticket-not-found'), prompt('goodbye')], 'informed', 'ticket-status-enquiry');
    }
    return ask({ ...state, retries }, 'ticketRef', [prompt('ticket-not-found'), prompt('enter-ticket')]);
  }
  const said = ticketStatus(ticket, now);
  return end(state, [...said, prompt('goodbye')], 'informed', 'ticket-status-enquiry');
}

// --- the end of the call -------------------------------------------------------------

function end(
  state: FlowState,
  farewell: Segment[],
  outcome: CallOutcome,
  reason: string,
  before: Command[] = [],
): Transition {
  return {
    state: { ...state, phase: 'ending', outcome, endReason: reason },
    commands: [...before, { kind: 'play', utterance: farewell }, { kind: 'endCall', outcome, reason }, { kind: 'hangup' }],
  };
}

/** The caller hung up first: close the call with a reason, keep any ticket. */
function callerHungUp(state: FlowState, cause: string, now: Date): Transition {
  if (state.phase === 'ending') return { state: { ...state, phase: 'ended' }, commands: [] };
  const ended = (outcome: CallOutcome, reason: string, extra: Command[] = []): Transition => ({
    state: { ...state, phase: 'ended', outcome, endReason: reason },
    commands: [
      ...extra,
      { kind: 'log', event: 'caller-hung-up', detail: { cause, phase: state.phase } },
      { kind: 'endCall', outcome, reason },
      ...afterCallText(state, outcome, now),
    ],
  });
  if (state.phase === 'bridged') return ended('engineer', 'completed');
  if (state.phase === 'desk' && state.outcome === 'desk') return ended('desk', 'completed');
  if (state.phase === 'recording' && state.ticket) return ended('message', state.recordingName ? 'message-recorded' : 'caller-hung-up-at-message');
  if (state.ticket) {
    const abandon: Command[] = state.ticket.kind === 'fault' ? [{ kind: 'flagTicket', ticketId: state.ticket.id, flag: 'caller_abandoned' }] : [];
    return ended('abandoned', `caller-hung-up-${state.phase}`, abandon);
  }
  if (state.pendingTicket) return ended('abandoned', 'caller-hung-up-before-ticket-reference');
  if (!state.account) return ended('abandoned', 'abandoned-before-identification');
  return ended('abandoned', 'abandoned-before-fault-reported');
}

