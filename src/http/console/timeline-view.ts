// A call's timeline as a supervisor reads it: one plain sentence per step, grouped
// by what it was (something said, keys pressed, a routing decision, an engineer
// leg, the ticket), and each engineer leg summarised: rung, answered, accepted or
// passed, bridged. Pure: the timeline rows in, the view out.
import type { CallEvent } from '../../store/calls.ts';
import { outcomeWord, word } from './format.ts';

export type EntryKind = 'call' | 'prompt' | 'keys' | 'routing' | 'engineer' | 'desk' | 'ticket' | 'message' | 'carrier';

export interface TimelineLine {
  seq: number;
  at: Date;
  kind: EntryKind;
  type: string;
  text: string;
}

export type LegOutcome = 'accepted' | 'declined' | 'no_key' | 'no_answer' | 'busy' | 'failed' | 'locked';

export interface EngineerLegView {
  engineerId: string;
  name: string;
  level: string;
  rungAt: Date;
  answeredAt: Date | null;
  outcome: LegOutcome | null;
  outcomeAt: Date | null;
  bridgedAt: Date | null;
}

export interface TimelineView {
  lines: TimelineLine[];
  legs: EngineerLegView[];
}

const OUTCOME_TEXT: Record<LegOutcome, string> = {
  accepted: 'accepted (pressed 1)',
  declined: 'passed (pressed another key)',
  no_key: 'passed (answered, pressed nothing)',
  no_answer: 'did not answer',
  busy: 'was busy',
  failed: 'could not be rung',
  locked: 'was already on another escalated call',
};

export function legOutcomeText(outcome: LegOutcome | null): string {
  return outcome ? OUTCOME_TEXT[outcome] : 'ringing';
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
// What the line asked for, and what the caller's keys answered, by question.
const ASKED: Record<string, string> = {
  account: 'for the account number',
  pin: 'for the PIN',
  menu: 'for a menu choice',
  critical: 'whether it is critical',
  adhoc: 'whether they accept the call-out charge',
  ticket: 'for a ticket reference',
};
const ANSWERED: Record<string, string> = {
  account: 'for the account number',
  pin: 'for the PIN',
  menu: 'at the menu',
  critical: 'to say whether it is critical',
  adhoc: 'to say whether they accept the charge',
  ticket: 'for the ticket reference',
};
const asked = (v: unknown): string => ASKED[str(v)] ?? `about ${str(v) || 'something'}`;
const answered = (v: unknown): string => ANSWERED[str(v)] ?? `for ${str(v) || 'a question'}`;

export function timelineView(events: readonly CallEvent[]): TimelineView {
  const lines: TimelineLine[] = [];
  const legs: EngineerLegView[] = [];
  const names = new Map<string, string>();
  const openLeg = (engineerId: string): EngineerLegView | undefined =>
    [...legs].reverse().find((l) => l.engineerId === engineerId);
  const who = (id: unknown): string => names.get(str(id)) ?? `engineer ${str(id)}`;

  for (const e of events) {
    const d = e.detail;
    const line = (kind: EntryKind, text: string) => lines.push({ seq: e.seq, at: e.at, kind, type: e.type, text });
    switch (e.type) {
      case 'call-started':
        line('call', `Call from ${str(d.from)} to ${str(d.to)} arrived (${word(str(d.carrier))})`);
        break;
      case 'answered':
        line('carrier', 'Asterisk answered the call');
        break;
      case 'caller-id':
        line('routing', d.matched ? 'Caller ID matched an account' : 'Caller ID did not match an account');
        break;
      case 'said':
        line('prompt', `Said: “${str(d.text)}”`);
        break;
      case 'asked':
        line('prompt', `Asked ${asked(d.question)}: “${str(d.text)}”`);
        break;
      case 'keys':
        line('keys', `Caller pressed ${str(d.digits) || '(nothing)'} ${answered(d.question)}`);
        break;
      case 'key':
        if (d.masked) line('keys', `Caller pressed a key ${answered(d.question)} (masked)`);
        break; // unmasked single keys are summed up by the following 'keys' step
      case 'no-keys':
        line('keys', `No keys pressed ${answered(d.question)}`);
        break;
      case 'pin-checked':
        line('routing', d.result === 'ok' ? 'PIN accepted' : d.result === 'locked' ? 'PIN entry is locked' : 'PIN wrong');
        break;
      case 'pin-rejected':
        line('routing', `PIN rejected (attempt ${str(d.attempt)})`);
        break;
      case 'pin-locked':
        line('routing', 'Too many wrong PINs: voice sign-in locked');
        break;
      case 'authenticated':
        line('routing', `Authenticated as account ${str(d.accountNumber)} (${str(d.tier)})${d.byCallerId ? ', matched by caller ID' : ''}`);
        break;
      case 'route-decided':
        line('routing', `Routed to ${routeText(str(d.route))}: ${str(d.reason)}`);
        break;
      case 'ticket-requested':
        line('ticket', `Ticket requested: ${str(d.kind)}, ${str(d.tier)}${d.priority ? `, ${str(d.priority)}` : ''}`);
        break;
      case 'ticket-created':
        line('ticket', `Ticket ${str(d.reference)} opened`);
        break;
      case 'ticket-looked-up':
        line('ticket', d.found ? `Caller asked about ticket ${str(d.reference)}` : 'Caller asked about a ticket that was not found');
        break;
      case 'escalation-planned': {
        const planned = Array.isArray(d.legs) ? (d.legs as { engineerId?: unknown; name?: unknown; level?: unknown }[]) : [];
        for (const l of planned) names.set(str(l.engineerId), str(l.name));
        const order = planned.map((l) => `${str(l.name)} (${str(l.level)})`).join(', then ');
        line('routing', planned.length ? `Escalation planned: ${order}; ${str(d.rounds)} round(s), ${str(d.ringSeconds)}s each` : 'Escalation planned: nobody is on call');
        break;
      }
      case 'engineer-rung': {
        const id = str(d.engineerId);
        names.set(id, str(d.name) || who(id));
        legs.push({ engineerId: id, name: who(id), level: str(d.level), rungAt: e.at, answeredAt: null, outcome: null, outcomeAt: null, bridgedAt: null });
        line('engineer', `Rang ${who(id)} (${str(d.level)}) for ${str(d.ringSeconds)}s`);
        break;
      }
      case 'engineer-dialled':
        break; // the carrier's echo of engineer-rung
      case 'engineer-answered': {
        const leg = openLeg(str(d.engineerId));
        if (leg && !leg.answeredAt) {
          leg.answeredAt = e.at;
          line('engineer', `${who(d.engineerId)} answered`);
        }
        break;
      }
      case 'engineer-key':
        line('engineer', `${who(d.engineerId)} pressed ${str(d.digit)}`);
        break;
      case 'engineer-result': {
        const leg = openLeg(str(d.engineerId));
        const outcome = str(d.outcome) as LegOutcome;
        if (leg && !leg.outcome && outcome in OUTCOME_TEXT) {
          leg.outcome = outcome;
          leg.outcomeAt = e.at;
          line('engineer', `${who(d.engineerId)} ${OUTCOME_TEXT[outcome]}`);
        }
        break;
      }
      case 'bridge':
      case 'bridged': {
        const id = str(d.engineerId);
        if (!id) break;
        const leg = openLeg(id);
        if (leg && !leg.bridgedAt) {
          leg.bridgedAt = e.at;
          line('engineer', `Caller put through to ${who(id)}`);
        }
        break;
      }
      case 'response-met':
        line('ticket', `Response recorded for ${who(d.engineerId)}: the response clock stopped`);
        break;
      case 'escalation-failed':
        line('routing', 'Nobody on call accepted: escalation failed');
        break;
      case 'ticket-flagged':
        line('ticket', `Ticket flagged: ${str(d.flag).replace(/_/g, ' ')}`);
        break;
      case 'connect-desk':
        line('desk', `Put through to the ${str(d.queue)} desk`);
        break;
      case 'desk-dialled':
        break;
      case 'desk-answered':
        line('desk', 'The desk answered');
        break;
      case 'desk-result':
        if (d.outcome !== 'answered') line('desk', `The desk ${d.outcome === 'no_answer' ? 'did not answer' : 'could not be reached'}`);
        break;
      case 'record':
        line('message', `Recording a message (up to ${str(d.maxSeconds)}s)`);
        break;
      case 'recorded':
        line('message', d.recordingName ? `Message recorded (${str(d.durationSeconds)}s)` : 'No message left');
        break;
      case 'caller-hung-up':
        line('call', 'Caller hung up');
        break;
      case 'hangup':
        line('call', `Call cleared${d.by ? ` by the ${str(d.by)}` : ''}${d.cause ? ` (${str(d.cause)})` : ''}`);
        break;
      case 'hangup-sent':
        line('call', 'The line hung up');
        break;
      case 'call-ended':
        line('call', `Call ended: ${outcomeWord(str(d.outcome)).toLowerCase()} (${str(d.reason).replace(/-/g, ' ')})`);
        break;
      case 'leg-dial':
      case 'leg-hangup':
      case 'key-ignored':
      case 'barge-in':
      case 'bridge-destroyed':
        break; // carrier plumbing: the steps above already say what it meant
      default:
        line('carrier', `${e.type.replace(/-/g, ' ')}${Object.keys(d).length ? `: ${summary(d)}` : ''}`);
    }
  }
  return { lines, legs };
}

function routeText(route: string): string {
  return route === 'oncall' ? 'the on-call engineer' : route === 'desk' ? 'the desk' : route === 'voicemail' ? 'voicemail' : route;
}

function summary(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k} ${str(v)}`)
    .join(', ');
}
