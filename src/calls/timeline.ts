// What goes into a call's timeline for each event and command: enough for a
// supervisor to replay the call, never a PIN digit.
import { redactCommand, redactEvent } from '../domain/flow/redact.ts';
import type { Command, FlowEvent, FlowState } from '../domain/flow/types.ts';
import { utteranceText, type Utterance } from '../domain/prompts.ts';

export interface Entry {
  type: string;
  detail: Record<string, unknown>;
}

const promptIds = (u: Utterance): string[] => u.flatMap((s) => (s.type === 'prompt' ? [s.id] : []));
const said = (u: Utterance) => ({ prompts: promptIds(u), text: utteranceText(u) });

export function eventEntry(state: FlowState, event: FlowEvent): Entry | null {
  const e = redactEvent(state, event);
  switch (e.type) {
    case 'started':
      return { type: 'call-started', detail: { from: e.from, to: e.to, dialledProfile: e.dialled?.profile ?? 'main', carrier: e.carrier, closures: e.closures.length } };
    case 'input':
      return { type: 'keys', detail: { digits: e.digits, question: state.phase } };
    case 'inputTimeout':
      return { type: 'no-keys', detail: { question: state.phase } };
    case 'callerLookedUp':
      return { type: 'caller-id', detail: { matched: e.accountNumber !== null } };
    case 'pinChecked':
      return { type: 'pin-checked', detail: { result: e.result } };
    case 'ticketCreated':
      return { type: 'ticket-created', detail: { ticketId: e.ticketId, reference: e.reference } };
    case 'ticketFound':
      return { type: 'ticket-looked-up', detail: { found: e.ticket !== null, reference: e.ticket?.reference ?? null } };
    case 'escalationPlanned':
      return {
        type: 'escalation-planned',
        detail: { legs: e.plan.legs.map((l) => ({ engineerId: l.engineerId, name: l.name, level: l.level })), rounds: e.plan.rounds, ringSeconds: e.plan.ringSeconds },
      };
    case 'engineerAnswered':
      return { type: 'engineer-answered', detail: { engineerId: e.engineerId } };
    case 'dutyManagerAlerted':
      return { type: 'duty-manager-alerted', detail: { queued: e.queued } };
    case 'engineerResult':
      return { type: 'engineer-result', detail: { engineerId: e.engineerId, outcome: e.outcome } };
    case 'deskResult':
      return { type: 'desk-result', detail: { outcome: e.outcome } };
    case 'recorded':
      return { type: 'recorded', detail: { recordingName: e.recordingName, durationSeconds: e.durationSeconds } };
    case 'hangup':
      // After the goodbye the line hangs up, on every carrier; otherwise whoever the carrier says.
      return { type: 'hangup', detail: { cause: e.cause, by: e.by ?? (state.phase === 'ending' ? 'line' : 'caller') } };
    case 'resumed':
      return { type: 'resumed', detail: { phase: state.phase } };
    case 'promptFinished':
      return null;
  }
}

export function commandEntry(command: Command): Entry | null {
  const c = redactCommand(command);
  switch (c.kind) {
    case 'play':
      return { type: 'said', detail: said(c.utterance) };
    case 'gather':
      return { type: 'asked', detail: { question: c.purpose, ...said(c.utterance), maxDigits: c.maxDigits } };
    case 'connectDesk':
      return { type: 'connect-desk', detail: { queue: c.queue } };
    case 'dialEngineer':
      return {
        type: 'engineer-rung',
        detail: {
          engineerId: c.engineer.engineerId,
          name: c.engineer.name,
          level: c.engineer.level,
          ringSeconds: c.ringSeconds,
          // The announcement said while it rings (the ticket reference on the first dial).
          ...(c.announce.length > 0 ? { announced: said(c.announce) } : {}),
        },
      };
    case 'bridgeEngineer':
      return { type: 'bridge', detail: { engineerId: c.engineerId } };
    case 'record':
      return { type: 'record', detail: { name: c.name, maxSeconds: c.maxSeconds } };
    case 'hangup':
      return { type: 'hangup-sent', detail: {} };
    case 'log':
      return { type: c.event, detail: c.detail };
    case 'endCall':
      return { type: 'call-ended', detail: { outcome: c.outcome, reason: c.reason } };
    case 'createTicket':
      return { type: 'ticket-requested', detail: { kind: c.ticket.kind, tier: c.ticket.tier, priority: c.ticket.priority, route: c.ticket.route, targets: c.ticket.targets } };
    case 'markResponded':
      return { type: 'response-met', detail: { ticketId: c.ticketId, ...c.by, at: c.at } };
    case 'flagTicket':
      return { type: 'ticket-flagged', detail: { ticketId: c.ticketId, flag: c.flag } };
    case 'alertEscalationFailed':
      return { type: 'ticket-flagged', detail: { ticketId: c.ticketId, flag: 'escalation_failed', alert: 'duty manager' } };
    case 'lookupCaller':
    case 'checkPin':
    case 'lookupTicket':
    case 'planEscalation':
    case 'attachRecording':
    case 'textCaller':
      return null;
  }
}
