// The call flow under any input at all: keypad garbage, `*` and `#` anywhere,
// overlong digit strings, silence, hang-ups at any moment, engineers and desks
// answering (or not) when nobody asked, and data answers arriving out of order.
// Whatever comes, the flow never throws, never leaves a caller with nothing next,
// and ends every call once, with a reason. A carrier that restarts (resumed) at any
// moment changes nothing the flow counts, and is given again what the flow waits on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventEntry } from '../../src/calls/timeline.ts';
import { initialState, transition } from '../../src/domain/flow/transition.ts';
import type {
  AccountSummary,
  Command,
  EngineerLeg,
  FlowEvent,
  FlowState,
  MediaCommand,
  Phase,
} from '../../src/domain/flow/types.ts';
import { isMediaCommand } from '../../src/domain/flow/types.ts';
import { TIERS } from '../../src/domain/contracts.ts';

const PIN = '4821';
const ACCOUNT = '10042';
const ENGINEER_IDS = ['e1', 'e2', 'e3'] as const;

const keys = fc.oneof(
  // What callers mostly press: entries the line expects, with and without `#`.
  { weight: 3, arbitrary: fc.constantFrom(PIN, `${PIN}#`, ACCOUNT, `${ACCOUNT}#`, '1', '2', '3', '4', '1001#', '') },
  // And everything else: any keys, `*` and `#` anywhere, far too many of them.
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789*#'), maxLength: 64 }) },
);

const engineerId = fc.constantFrom(...ENGINEER_IDS, 'stranger');

const account: fc.Arbitrary<AccountSummary> = fc.record({
  accountId: fc.constantFrom('1', '2'),
  number: fc.constant(ACCOUNT),
  name: fc.constantFrom('ACME Ltd', 'Bramble & Sons <script>'),
  tier: fc.constantFrom(...TIERS),
});

const leg = (id: string, level: EngineerLeg['level']): EngineerLeg => ({ engineerId: id, name: `Engineer ${id}`, phone: '+447700900123', dialTarget: '', level });

/** What a carrier, a caller or the stores might deliver at any moment — in order or not. */
const anyEvent: fc.Arbitrary<FlowEvent> = fc.oneof(
  { weight: 8, arbitrary: keys.map((digits): FlowEvent => ({ type: 'input', digits })) },
  { weight: 2, arbitrary: fc.constant<FlowEvent>({ type: 'inputTimeout' }) },
  { weight: 1, arbitrary: fc.constant<FlowEvent>({ type: 'promptFinished' }) },
  { weight: 2, arbitrary: fc.constant<FlowEvent>({ type: 'resumed' }) },
  { weight: 1, arbitrary: fc.constantFrom('Normal Clearing', 'caller-hung-up', '').map((cause): FlowEvent => ({ type: 'hangup', cause })) },
  { weight: 2, arbitrary: engineerId.map((id): FlowEvent => ({ type: 'engineerAnswered', engineerId: id })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ id: engineerId, outcome: fc.constantFrom('accepted', 'declined', 'no_key', 'no_answer', 'busy', 'failed', 'locked' as const) })
      .map(({ id, outcome }): FlowEvent => ({ type: 'engineerResult', engineerId: id, outcome })),
  },
  { weight: 2, arbitrary: fc.constantFrom('answered', 'no_answer', 'failed' as const).map((outcome): FlowEvent => ({ type: 'deskResult', outcome })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ name: fc.option(fc.constant('support-line/call-1')), seconds: fc.integer({ min: 0, max: 400 }) })
      .map(({ name, seconds }): FlowEvent => ({ type: 'recorded', recordingName: name, durationSeconds: seconds })),
  },
  // Data answers nobody asked for (a late reply, a replayed delivery).
  { weight: 1, arbitrary: fc.option(fc.constant(ACCOUNT)).map((n): FlowEvent => ({ type: 'callerLookedUp', accountNumber: n })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ result: fc.constantFrom('ok', 'wrong', 'locked' as const), account: fc.option(account) })
      .map(({ result, account: a }): FlowEvent => ({ type: 'pinChecked', result, account: a })),
  },
  { weight: 1, arbitrary: fc.constant<FlowEvent>({ type: 'ticketCreated', ticketId: 't9', reference: '9999' }) },
  { weight: 1, arbitrary: fc.constant<FlowEvent>({ type: 'ticketFound', ticket: null }) },
  { weight: 1, arbitrary: fc.boolean().map((queued): FlowEvent => ({ type: 'dutyManagerAlerted', queued })) },
  { weight: 1, arbitrary: fc.constant<FlowEvent>({ type: 'escalationPlanned', plan: { legs: [leg('e3', 'manager')], ringSeconds: 25, rounds: 1 } }) },
  {
    weight: 1,
    arbitrary: fc.constant<FlowEvent>({ type: 'started', callId: 'call-1', carrier: 'cli', from: '+441632960123', to: '+441632960000', division: 'england-and-wales', closures: [] }),
  },
);

/** What a caller, engineer or desk doing the expected thing would deliver next, so calls get deep. */
function expected(state: FlowState): fc.Arbitrary<FlowEvent> {
  const press = (...options: string[]) => fc.constantFrom(...options).map((digits): FlowEvent => ({ type: 'input', digits }));
  switch (state.phase) {
    case 'account':
      return press(ACCOUNT, '999');
    case 'pin':
      return press(PIN, '0000');
    case 'menu':
      return press('1', '2', '3', '4');
    case 'critical':
    case 'adhoc':
      return press('1', '2');
    case 'ticketRef':
      return press('1042', '77');
    case 'ringing': {
      const current = state.ladder?.current ?? 'e1';
      return fc
        .constantFrom('accepted', 'accepted', 'declined', 'no_key', 'no_answer', 'busy', 'failed' as const)
        .map((outcome): FlowEvent => ({ type: 'engineerResult', engineerId: current, outcome }));
    }
    case 'desk':
      return fc.constantFrom('answered', 'no_answer', 'failed' as const).map((outcome): FlowEvent => ({ type: 'deskResult', outcome }));
    case 'recording':
      return fc.option(fc.constant(`support-line/${state.callId}`)).map((name): FlowEvent => ({ type: 'recorded', recordingName: name, durationSeconds: name ? 20 : 0 }));
    default:
      return fc.constant<FlowEvent>({ type: 'inputTimeout' });
  }
}

/**
 * A restart is not the caller's doing: nothing the flow counts moves (retries, wrong
 * PINs, the ladder), and the only commands are the wait being given again.
 */
function resumedChangesNothing(before: FlowState, after: FlowState, commands: Command[]): void {
  expect(after).toEqual(before);
  const kinds = commands.map((c) => c.kind);
  switch (before.phase) {
    case 'account':
    case 'pin':
    case 'menu':
    case 'critical':
    case 'adhoc':
    case 'ticketRef':
      expect(kinds).toEqual(['gather']);
      return;
    case 'ringing':
      expect(commands).toEqual([expect.objectContaining({ kind: 'dialEngineer', engineer: expect.objectContaining({ engineerId: before.ladder?.current }) })]);
      return;
    case 'desk':
      expect(kinds).toEqual(before.outcome === 'desk' ? [] : ['connectDesk']);
      return;
    default:
      expect(kinds).toEqual([]);
  }
}

/** Instants across a year: weekdays, nights, weekends, bank holidays, both sides of the clock change. */
const instant = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true });

/** What the flow may be waiting on in each phase, as the last media command it sent. */
function waitingOn(phase: Phase, last: MediaCommand | undefined, state: FlowState): boolean {
  switch (phase) {
    case 'account':
    case 'pin':
    case 'menu':
    case 'critical':
    case 'adhoc':
    case 'announcement':
    case 'ticketRef': {
      const purpose = { account: 'account', pin: 'pin', menu: 'menu', critical: 'critical', adhoc: 'adhoc', announcement: 'announcement', ticketRef: 'ticket' }[phase];
      return last?.kind === 'gather' && last.purpose === purpose;
    }
    case 'ringing':
      return last?.kind === 'dialEngineer' && last.engineer.engineerId === state.ladder?.current;
    case 'bridged':
      return last?.kind === 'bridgeEngineer' && last.engineerId === state.engineerId;
    case 'desk':
      return last?.kind === 'connectDesk';
    case 'recording':
      return last?.kind === 'record';
    case 'ending':
      return last?.kind === 'hangup';
    // Waiting on a data answer: the call service gives one in the same step, so none may be left over.
    case 'new':
    case 'identifying':
    case 'checkingPin':
    case 'lookingUpTicket':
    case 'creatingTicket':
    case 'planning':
    case 'alerting':
    case 'ended':
      return false;
  }
}

describe('the call flow, for any sequence of events', () => {
  it('never throws, always has a next step for a caller still on the line, and ends each call once with a reason', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 40 }), fc.gen(), (now, steps, g) => {
        const started = {
          type: 'started' as const,
          callId: 'call-1',
          carrier: 'cli' as const,
          from: g(() => fc.constantFrom('+441632960123', 'anonymous', '')),
          to: '+441632960000',
          division: 'england-and-wales' as const,
          closures: [],
        };
        let state = initialState(started, now);
        const issued: Command[] = [];
        let lastMedia: MediaCommand | undefined;

        /** The call service's side: each data command answered at once, with whatever the stores might say. */
        const answer = (c: Command): FlowEvent | null => {
          switch (c.kind) {
            case 'lookupCaller':
              return { type: 'callerLookedUp', accountNumber: g(() => fc.option(fc.constant(ACCOUNT))) };
            case 'checkPin': {
              const result = g(() => fc.constantFrom('ok', 'wrong', 'locked' as const));
              return { type: 'pinChecked', result, account: result === 'ok' ? g(() => account) : null };
            }
            case 'createTicket':
              return { type: 'ticketCreated', ticketId: 't1', reference: '1042' };
            case 'lookupTicket':
              return {
                type: 'ticketFound',
                ticket: g(() => fc.option(fc.constant({ reference: '1042', kind: 'fault', status: 'new' as const, nextDueAt: '2026-06-01T12:00:00Z' }))),
              };
            case 'alertEscalationFailed':
              return { type: 'dutyManagerAlerted', queued: g(() => fc.boolean()) };
            case 'planEscalation': {
              const n = g(() => fc.integer({ min: 0, max: 3 }));
              const levels: EngineerLeg['level'][] = ['primary', 'secondary', 'manager'];
              return {
                type: 'escalationPlanned',
                plan: { legs: ENGINEER_IDS.slice(0, n).map((id, i) => leg(id, levels[i]!)), ringSeconds: 25, rounds: g(() => fc.integer({ min: 1, max: 2 })) },
              };
            }
            default:
              return null;
          }
        };

        const deliver = (event: FlowEvent): void => {
          const queue: FlowEvent[] = [event];
          while (queue.length > 0) {
            const e = queue.shift() as FlowEvent;
            const before = state;
            // The timeline never shows what was keyed at the PIN question.
            if (e.type === 'input' && before.phase === 'pin' && e.digits.length > 0) {
              expect(JSON.stringify(eventEntry(before, e))).not.toContain(e.digits);
            }
            const result = transition(before, e, now);
            if (e.type === 'resumed') resumedChangesNothing(before, result.state, result.commands);
            state = result.state;
            expect(JSON.parse(JSON.stringify(state))).toEqual(state);
            for (const c of result.commands) {
              issued.push(c);
              if (isMediaCommand(c) && c.kind !== 'play') lastMedia = c;
              const reply = answer(c);
              if (reply) queue.push(reply);
            }
          }
        };

        deliver(started);
        for (let i = 0; i < steps; i += 1) {
          // Mostly what the line asked for, often anything at all, now and then a carrier restart.
          const restart = fc.constant<FlowEvent>({ type: 'resumed' });
          deliver(g(() => fc.oneof({ weight: 6, arbitrary: expected(state) }, { weight: 4, arbitrary: anyEvent }, { weight: 1, arbitrary: restart })));
          if (state.phase !== 'ended') {
            expect(waitingOn(state.phase, lastMedia, state), `phase ${state.phase}, last command ${lastMedia?.kind}`).toBe(true);
          }
        }
        // However it went, the caller hangs up in the end (if the line had not already).
        deliver({ type: 'hangup', cause: 'Normal Clearing' });

        expect(state.phase).toBe('ended');
        const ends = issued.filter((c): c is Extract<Command, { kind: 'endCall' }> => c.kind === 'endCall');
        expect(ends).toHaveLength(1);
        expect(ends[0]!.reason).toMatch(/\S/);
        expect(state.outcome).toBe(ends[0]!.outcome);
        expect(state.endReason).toBe(ends[0]!.reason);
        // A ticket was raised, or the reason says why there is none.
        const raised = issued.some((c) => c.kind === 'createTicket');
        if (!raised) expect(['refused', 'abandoned', 'informed']).toContain(ends[0]!.outcome);
        // The line never rings an engineer it was not given, nor bridges one who did not accept.
        for (const c of issued) {
          if (c.kind === 'bridgeEngineer') expect(ENGINEER_IDS as readonly string[]).toContain(c.engineerId);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('a carrier restart anywhere in a call counts nothing against the caller and repeats what the flow waits on', () => {
    const resumedIn = new Set<Phase>();
    // Any moment, but often a weekday morning (the desk, the ad hoc offer) or a weekend night (the ladder).
    const when = fc.oneof(instant, fc.constantFrom(new Date('2026-11-23T10:00:00Z'), new Date('2026-11-21T03:00:00Z')));
    fc.assert(
      fc.property(when, fc.gen(), (now, g) => {
        const started = { type: 'started' as const, callId: 'call-1', carrier: 'asterisk' as const, from: '+441632960123', to: '+441632960000', division: 'england-and-wales' as const, closures: [] };
        let state = initialState(started, now);
        /** Stores that answer as a working line would, so calls get to every phase. */
        const answer = (c: Command): FlowEvent | null => {
          switch (c.kind) {
            case 'lookupCaller':
              return { type: 'callerLookedUp', accountNumber: g(() => fc.option(fc.constant(ACCOUNT))) };
            case 'checkPin':
              return c.pin === PIN ? { type: 'pinChecked', result: 'ok', account: g(() => account) } : { type: 'pinChecked', result: 'wrong', account: null };
            case 'createTicket':
              return { type: 'ticketCreated', ticketId: 't1', reference: '1042' };
            case 'lookupTicket':
              return { type: 'ticketFound', ticket: null };
            case 'planEscalation':
              return { type: 'escalationPlanned', plan: { legs: [leg('e1', 'primary'), leg('e2', 'secondary')], ringSeconds: 25, rounds: 2 } };
            case 'alertEscalationFailed':
              return { type: 'dutyManagerAlerted', queued: true };
            default:
              return null;
          }
        };
        const deliver = (event: FlowEvent): void => {
          const queue: FlowEvent[] = [event];
          while (queue.length > 0) {
            const e = queue.shift() as FlowEvent;
            const before = state;
            const result = transition(before, e, now);
            if (e.type === 'resumed') {
              resumedIn.add(before.phase);
              resumedChangesNothing(before, result.state, result.commands);
            }
            state = result.state;
            for (const c of result.commands) {
              const reply = answer(c);
              if (reply) queue.push(reply);
            }
          }
        };
        deliver(started);
        for (let i = 0; i < 30 && state.phase !== 'ending' && state.phase !== 'ended'; i += 1) {
          if (g(() => fc.boolean())) deliver({ type: 'resumed' });
          deliver(g(() => expected(state)));
        }
      }),
      { numRuns: 1000 },
    );
    // Every kind of wait was restarted in some call.
    for (const phase of ['account', 'pin', 'menu', 'critical', 'adhoc', 'ticketRef', 'ringing', 'desk', 'recording'] as const) {
      expect([...resumedIn], phase).toContain(phase);
    }
  });

  it('never lets a PIN digit out in a command other than the PIN check itself', () => {
    fc.assert(
      fc.property(instant, fc.array(keys, { maxLength: 12 }), (now, presses) => {
        const started = { type: 'started' as const, callId: 'call-1', carrier: 'cli' as const, from: '+441632960123', to: '+441632960000', division: 'england-and-wales' as const, closures: [] };
        let state = initialState(started, now);
        const commands: Command[] = [];
        const step = (e: FlowEvent) => {
          const r = transition(state, e, now);
          state = r.state;
          commands.push(...r.commands);
          return r;
        };
        step(started);
        step({ type: 'callerLookedUp', accountNumber: ACCOUNT });
        // Read through a function: TypeScript cannot see `step` change the phase.
        const phase = (): Phase => state.phase;
        for (const digits of [`${PIN}#`, ...presses]) {
          if (phase() !== 'pin') break;
          step({ type: 'input', digits: digits.replace(/#$/, '') });
          if (phase() === 'checkingPin') step({ type: 'pinChecked', result: 'wrong', account: null });
        }
        const leaked = commands.filter((c) => c.kind !== 'checkPin' && JSON.stringify(c).includes(PIN));
        expect(leaked).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
