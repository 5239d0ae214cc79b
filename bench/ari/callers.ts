// Callers on the simulated Asterisk for the load benchmark, and the probe that times
// the line. Each caller rings, listens to each question to its end, keys the answer
// a moment later (account number when their caller ID is unknown, PIN, 1 for a
// fault, 2 for not critical), is put through to the support desk and stays on the
// line until told to hang up.
//
// The probe sits in the simulated Asterisk: it notes when the caller's last key
// went out as an event, and when the next request for that caller's channel
// arrives (the line's next command: normally the next prompt). Requests are seen by
// wrapping the simulator's operation handlers; keys by the simulator's pressKeys.
import { HANDLERS, type SimRequest } from '../../test/support/fake-asterisk/handlers.ts';
import type { FakeAsterisk } from '../../test/support/fake-asterisk/server.ts';
import type { PartyHooks, SimChannel } from '../../test/support/fake-asterisk/world.ts';
import type { Customer } from '../line/stores.ts';
import { Random } from '../random.ts';

export interface KeySample {
  question: string;
  ms: number;
  /** Calls in progress when the key was pressed. */
  active: number;
  /** The operation that arrived (e.g. channels.play). */
  op: string;
}

export type CallFate = 'ringing' | 'in-ivr' | 'connected' | 'failed' | 'ended';

interface BenchCall {
  index: number;
  customer: Customer;
  knownCallerId: boolean;
  channel: SimChannel;
  startedAt: number;
  connectedAt: number | null;
  fate: CallFate;
  failure: string | null;
  /** The question whose answer was just keyed, until the line's next request for this channel. */
  awaiting: { question: string; at: number } | null;
}

const QUESTIONS: Record<string, string> = {
  'enter-account': 'account',
  'enter-pin': 'pin',
  'main-menu': 'menu',
  'fault-critical-question': 'critical',
};
/** Prompts a caller on this script must never hear. */
const WRONG_TURNS = new Set(['not-verified', 'no-entry', 'invalid-entry', 'auth-failed', 'pin-locked', 'technical-problem', 'office-closed', 'desk-busy']);

export class CallLoad {
  readonly samples: KeySample[] = [];
  readonly calls: BenchCall[] = [];
  private readonly byChannel = new Map<string, BenchCall>();
  private readonly random = new Random(42);
  private readonly original: typeof HANDLERS = { ...HANDLERS };
  private active = 0;

  constructor(
    private readonly sim: FakeAsterisk,
    private readonly customers: readonly Customer[],
    /** How long after a question ends the caller starts keying (ms). */
    private readonly reactionMs: number,
  ) {
    for (const [op, handler] of Object.entries(this.original)) {
      HANDLERS[op] = (req, ctx) => {
        this.requestArrived(op, req);
        return handler(req, ctx);
      };
    }
  }

  /** Puts the simulator's handlers back. */
  detach(): void {
    Object.assign(HANDLERS, this.original);
  }

  get inProgress(): number {
    return this.active;
  }

  count(fate: CallFate): number {
    return this.calls.filter((c) => c.fate === fate).length;
  }

  /** A new call; half the callers ring from a number the line does not know. */
  ring(): BenchCall | null {
    const index = this.calls.length;
    const customer = this.customers[index % this.customers.length]!;
    const knownCallerId = index % 2 === 0;
    const caller = this.sim.call({ from: knownCallerId ? customer.phone : `+447700${String(900_000 + index).padStart(6, '0')}` });
    if (!caller.channel) return null;
    const call: BenchCall = {
      index,
      customer,
      knownCallerId,
      channel: caller.channel,
      startedAt: performance.now(),
      connectedAt: null,
      fate: 'ringing',
      failure: null,
      awaiting: null,
    };
    caller.channel.party = this.hooksFor(call);
    this.calls.push(call);
    this.byChannel.set(call.channel.id, call);
    this.active += 1;
    return call;
  }

  /** Marks calls connected to the desk; fails those stuck longer than `stallMs`. */
  sweep(stallMs: number): void {
    const now = performance.now();
    for (const call of this.calls) {
      if (call.fate !== 'ringing' && call.fate !== 'in-ivr') continue;
      const bridge = call.channel.bridge;
      if (bridge && bridge.channels.length >= 2) {
        call.fate = 'connected';
        call.connectedAt = now;
      } else if (!call.channel.alive) {
        this.fail(call, 'the line hung up before the desk');
      } else if (now - call.startedAt > stallMs) {
        this.fail(call, `not through to the desk after ${Math.round(stallMs / 1000)} s (heard: ${this.heard(call).slice(-4).join(', ')})`);
      }
    }
  }

  /** Every caller still on the line hangs up. */
  hangUpAll(): void {
    for (const call of this.calls) {
      if (call.channel.alive) this.sim.world.hangup(call.channel, 16, 'far-end');
      if (call.fate !== 'failed') call.fate = 'ended';
    }
    this.active = 0;
  }

  failures(): string[] {
    return this.calls.filter((c) => c.fate === 'failed').map((c) => `call ${c.index}: ${c.failure}`);
  }

  private fail(call: BenchCall, why: string): void {
    if (call.fate === 'failed') return;
    call.fate = 'failed';
    call.failure = why;
  }

  private heard(call: BenchCall): string[] {
    const prefix = `sound:${this.sim.soundsFolder}/`;
    return call.channel.heard.map((h) => (h.media.startsWith(prefix) ? h.media.slice(prefix.length) : h.media));
  }

  private hooksFor(call: BenchCall): PartyHooks {
    return {
      label: `caller ${call.index}`,
      answerAfterMs: null,
      busy: false,
      unreachable: false,
      onOriginated: () => undefined,
      onAnswered: () => undefined,
      onPlaybackStarted: () => undefined,
      onPlaybackFinished: (ch) => this.promptEnded(call, ch),
      onGone: () => undefined,
    };
  }

  private promptEnded(call: BenchCall, ch: SimChannel): void {
    const last = ch.heard[ch.heard.length - 1];
    if (!last || last.cut) return;
    const prompt = last.media.replace(`sound:${this.sim.soundsFolder}/`, '');
    if (WRONG_TURNS.has(prompt)) {
      this.fail(call, `heard "${prompt}"`);
      return;
    }
    const question = QUESTIONS[prompt];
    if (!question) return;
    if (call.fate === 'ringing') call.fate = 'in-ivr';
    const keys = this.answer(call, question);
    const delay = this.reactionMs * (0.6 + 0.8 * this.random.next());
    setTimeout(() => {
      if (!ch.alive || call.fate === 'failed') return;
      this.sim.world.pressKeys(ch, keys);
      // pressKeys has sent every key's event by now: the last one is out.
      call.awaiting = { question, at: performance.now() };
    }, delay);
  }

  private answer(call: BenchCall, question: string): string {
    switch (question) {
      case 'account':
        return `${call.customer.number}#`;
      case 'pin':
        return `${call.customer.pin}#`;
      case 'menu':
        return '1';
      default:
        return '2';
    }
  }

  private requestArrived(op: string, req: SimRequest): void {
    const channelId = req.pathParams['channelId'];
    if (!channelId) return;
    const call = this.byChannel.get(channelId);
    const awaiting = call?.awaiting;
    if (!call || !awaiting) return;
    call.awaiting = null;
    this.samples.push({ question: awaiting.question, ms: performance.now() - awaiting.at, active: this.active, op });
  }
}
