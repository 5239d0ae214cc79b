// The call the flow benchmark repeats: a Cat4 customer at 03:00 on a Saturday, ringing
// from a number the line does not know. They stay silent once and mis-key their account
// number once, mis-key the menu once, report a critical fault, and the two-engineer
// ladder runs: Sam does not answer, Alex declines, Sam is busy in round two, Alex
// accepts. The data answers come from a fixture (no I/O), and the events fed in are
// recorded once so the timed loop replays exactly the same call.
import { initialState, transition } from '../../src/domain/flow/transition.ts';
import type { Command, EngineerLeg, FlowEvent, FlowState } from '../../src/domain/flow/types.ts';

export interface TimedEvent {
  event: FlowEvent;
  at: Date;
}

export interface RecordedCall {
  started: Extract<FlowEvent, { type: 'started' }>;
  startedAt: Date;
  /** Every event the flow was fed, `started` included, with the instant it arrived. */
  events: TimedEvent[];
  commands: number;
  final: FlowState;
}

export const CAT4_CALL_DESCRIPTION =
  'Cat4 critical fault at 03:00 on a Saturday: unknown caller ID, one silence and one bad account number, ' +
  'PIN, one bad menu key, critical, ticket with 24×7 SLA, ladder of two engineers over two rounds ' +
  '(no answer, decline, busy, accept), bridged, caller hangs up';

const ACCOUNT = { accountId: '1', number: '10001', name: 'Acme Dental', tier: 'Cat4' as const };
const PIN = '4821';
const SAM: EngineerLeg = { engineerId: '11', name: 'Sam Patel', phone: '+447700900201', dialTarget: '', level: 'primary' };
const ALEX: EngineerLeg = { engineerId: '12', name: 'Alex Jones', phone: '+447700900202', dialTarget: '', level: 'secondary' };

/** What the caller keys at each question, in order (null = silence). */
const CALLER_KEYS: (string | null)[] = [null, '99', ACCOUNT.number, PIN, '7', '1', '1'];
/** What each engineer rung does, in order. */
const LADDER: { id: string; outcome: 'no_answer' | 'declined' | 'busy' | 'accepted' }[] = [
  { id: SAM.engineerId, outcome: 'no_answer' },
  { id: ALEX.engineerId, outcome: 'declined' },
  { id: SAM.engineerId, outcome: 'busy' },
  { id: ALEX.engineerId, outcome: 'accepted' },
];

/** Plays the call once against the fixture and records what was fed in. */
export function recordCat4Call(): RecordedCall {
  let now = new Date('2026-11-21T03:00:00Z');
  const started: Extract<FlowEvent, { type: 'started' }> = {
    type: 'started',
    callId: '6f1c2b9e-0a4d-4c51-9a7e-3d2f1b0c9e8a',
    carrier: 'asterisk',
    from: '+441632960999',
    to: '+441632960000',
    division: 'england-and-wales',
    closures: [],
  };
  const startedAt = now;
  let state = initialState(started, now);
  const events: TimedEvent[] = [];
  let commands = 0;
  const keys = [...CALLER_KEYS];
  const ladder = [...LADDER];
  const queue: FlowEvent[] = [started];

  const answer = (c: Command): FlowEvent[] => {
    switch (c.kind) {
      case 'lookupCaller':
        return [{ type: 'callerLookedUp', accountNumber: null }];
      case 'checkPin':
        return [{ type: 'pinChecked', result: c.pin === PIN ? 'ok' : 'wrong', account: c.pin === PIN ? ACCOUNT : null }];
      case 'createTicket':
        return [{ type: 'ticketCreated', ticketId: '1042', reference: '1042' }];
      case 'planEscalation':
        return [{ type: 'escalationPlanned', plan: { legs: [SAM, ALEX], ringSeconds: 25, rounds: 2 } }];
      case 'gather': {
        now = new Date(now.getTime() + 6_000);
        if (keys.length === 0) throw new Error('the scripted caller ran out of keys');
        const k = keys.shift()!;
        return [k === null ? { type: 'inputTimeout' } : { type: 'input', digits: k }];
      }
      case 'dialEngineer': {
        const next = ladder.shift();
        if (!next || next.id !== c.engineer.engineerId) throw new Error(`unexpected engineer ${c.engineer.engineerId} rung`);
        now = new Date(now.getTime() + (next.outcome === 'no_answer' ? 25_000 : 8_000));
        const answered = next.outcome === 'declined' || next.outcome === 'accepted';
        return [
          ...(answered ? [{ type: 'engineerAnswered', engineerId: next.id } as const] : []),
          { type: 'engineerResult', engineerId: next.id, outcome: next.outcome },
        ];
      }
      case 'bridgeEngineer':
        now = new Date(now.getTime() + 600_000);
        return [{ type: 'hangup', cause: 'Normal Clearing' }];
      default:
        return [];
    }
  };

  while (queue.length > 0) {
    const event = queue.shift()!;
    events.push({ event, at: now });
    const r = transition(state, event, now);
    state = r.state;
    commands += r.commands.length;
    for (const c of r.commands) queue.push(...answer(c));
  }
  if (state.phase !== 'ended' || state.outcome !== 'engineer' || state.engineerId !== ALEX.engineerId) {
    throw new Error(`the benchmark call did not end as scripted: ${state.phase}/${state.outcome}`);
  }
  if (state.ticket === null || keys.length > 0 || ladder.length > 0) {
    throw new Error('the benchmark call did not use its whole script');
  }
  return { started, startedAt, events, commands, final: state };
}

/** Replays the recorded call from the start; returns the commands issued (a sink the JIT cannot drop). */
export function replay(call: RecordedCall): number {
  let state = initialState(call.started, call.startedAt);
  let commands = 0;
  for (const { event, at } of call.events) {
    const r = transition(state, event, at);
    state = r.state;
    commands += r.commands.length;
  }
  return commands;
}
