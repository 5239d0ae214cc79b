// A caller on the pure flow, with no carrier and no database: data commands are
// answered from a small fixture, media commands become what the caller hears.
import { expect } from 'vitest';
import { initialState, transition } from '../../src/domain/flow/transition.ts';
import type {
  AccountSummary,
  Command,
  EngineerLeg,
  EngineerOutcome,
  FlowEvent,
  FlowState,
  MediaCommand,
  NewTicket,
  TicketStatusView,
} from '../../src/domain/flow/types.ts';
import type { PromptId } from '../../src/domain/prompts.ts';
import { utteranceText } from '../../src/domain/prompts.ts';

export interface FlowFixture {
  at: string;
  from?: string;
  account?: AccountSummary & { pin: string; phones?: string[] };
  engineers?: EngineerLeg[];
  rounds?: number;
  closures?: { from: string; to: string; reason: string }[];
  tickets?: TicketStatusView[];
  pinLocked?: boolean;
  /** Whether the duty manager's alert can be queued when the ladder is exhausted (default yes). */
  alertQueued?: boolean;
}

export const ACME: AccountSummary & { pin: string; phones: string[] } = {
  accountId: '1',
  number: '10042',
  name: 'ACME Ltd',
  tier: 'Cat4',
  pin: '4821',
  phones: ['+441632960123'],
};

export const SAM: EngineerLeg = { engineerId: 'e1', name: 'Sam Patel', phone: '+447700900123', dialTarget: '', level: 'primary' };
export const ALEX: EngineerLeg = { engineerId: 'e2', name: 'Alex Jones', phone: '+447700900456', dialTarget: '', level: 'secondary' };

export class FlowCall {
  state: FlowState;
  readonly heard: string[] = [];
  readonly spoken: string[] = [];
  readonly log: Command[] = [];
  readonly tickets: NewTicket[] = [];
  pending: MediaCommand[] = [];
  now: Date;

  constructor(readonly fx: FlowFixture) {
    this.now = new Date(fx.at);
    const started: FlowEvent = {
      type: 'started',
      callId: 'call-1',
      carrier: 'cli',
      from: fx.from ?? '+441632960999',
      to: '+441632960000',
      division: 'england-and-wales',
      closures: fx.closures ?? [],
    };
    this.state = initialState(started, this.now);
    this.feed(started);
  }

  feed(event: FlowEvent): this {
    const queue: FlowEvent[] = [event];
    while (queue.length > 0) {
      const e = queue.shift() as FlowEvent;
      const r = transition(this.state, e, this.now);
      expect(() => JSON.parse(JSON.stringify(r.state))).not.toThrow();
      this.state = r.state;
      for (const c of r.commands) {
        this.log.push(c);
        const answer = this.answer(c);
        if (answer) queue.push(answer);
      }
    }
    return this;
  }

  private answer(c: Command): FlowEvent | null {
    const fx = this.fx;
    switch (c.kind) {
      case 'play':
      case 'gather':
        for (const s of c.utterance) if (s.type === 'prompt') this.heard.push(s.id);
        this.spoken.push(utteranceText(c.utterance));
        this.pending.push(c);
        return null;
      case 'dialEngineer':
        // The engineer's phone rings while the caller hears the announcement, once.
        if (c.announce.length > 0) {
          for (const s of c.announce) if (s.type === 'prompt') this.heard.push(s.id);
          this.spoken.push(utteranceText(c.announce));
        }
        this.pending.push(c);
        return null;
      case 'lookupCaller':
        return { type: 'callerLookedUp', accountNumber: fx.account?.phones?.includes(c.phone) ? fx.account.number : null };
      case 'checkPin': {
        if (fx.pinLocked) return { type: 'pinChecked', result: 'locked', account: null };
        const ok = fx.account && c.accountNumber === fx.account.number && c.pin === fx.account.pin;
        if (!ok || !fx.account) return { type: 'pinChecked', result: 'wrong', account: null };
        const { pin: _pin, phones: _phones, ...account } = fx.account;
        return { type: 'pinChecked', result: 'ok', account };
      }
      case 'createTicket':
        this.tickets.push(c.ticket);
        return { type: 'ticketCreated', ticketId: 't1', reference: '1042' };
      case 'lookupTicket':
        return { type: 'ticketFound', ticket: fx.tickets?.find((t) => t.reference === c.reference) ?? null };
      case 'planEscalation':
        return { type: 'escalationPlanned', plan: { legs: fx.engineers ?? [], ringSeconds: 25, rounds: fx.rounds ?? 2 } };
      case 'alertEscalationFailed':
        return { type: 'dutyManagerAlerted', queued: fx.alertQueued ?? true };
      default:
        if (c.kind !== 'log' && c.kind !== 'endCall' && c.kind !== 'markResponded' && c.kind !== 'flagTicket' && c.kind !== 'attachRecording') this.pending.push(c as MediaCommand);
        return null;
    }
  }

  /** The caller heard this prompt (since the start of the call). */
  hears(...ids: PromptId[]): this {
    for (const id of ids) expect(this.heard, `caller should hear ${id}`).toContain(id);
    return this;
  }

  lastHeard(): string | undefined {
    return this.heard[this.heard.length - 1];
  }

  presses(digits: string): this {
    const d = digits.endsWith('#') ? digits.slice(0, -1) : digits;
    return this.feed({ type: 'input', digits: d });
  }

  staysSilent(): this {
    return this.feed({ type: 'inputTimeout' });
  }

  engineer(engineerId: string, outcome: EngineerOutcome): this {
    if (outcome === 'accepted' || outcome === 'declined' || outcome === 'no_key') this.feed({ type: 'engineerAnswered', engineerId });
    return this.feed({ type: 'engineerResult', engineerId, outcome });
  }

  desk(outcome: 'answered' | 'no_answer'): this {
    return this.feed({ type: 'deskResult', outcome });
  }

  leavesMessage(seconds = 20): this {
    return this.feed({ type: 'recorded', recordingName: `support-line/${this.state.callId}`, durationSeconds: seconds });
  }

  hangsUp(): this {
    return this.feed({ type: 'hangup', cause: 'Normal Clearing' });
  }

  at(iso: string): this {
    this.now = new Date(iso);
    return this;
  }

  commands<K extends Command['kind']>(kind: K): Extract<Command, { kind: K }>[] {
    return this.log.filter((c): c is Extract<Command, { kind: K }> => c.kind === kind);
  }

  get ended(): { outcome: string; reason: string } | undefined {
    const e = this.commands('endCall').at(-1);
    return e ? { outcome: e.outcome, reason: e.reason } : undefined;
  }
}

export const call = (fx: FlowFixture) => new FlowCall(fx);
