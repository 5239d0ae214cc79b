// Callers of the burst benchmark on the simulated Asterisk: all ring within a few
// seconds during an incident announcement. Each one listens; the announcement's first
// word is timed from the moment the call rang; then half press 1 to join the incident
// and half press 2, report a fault and are put to the desk, which does not answer, so
// the overflow (DESK_OVERFLOW_SECONDS) must take their message.
import type { FakeAsterisk } from '../../test/support/fake-asterisk/server.ts';
import type { PartyHooks, SimChannel } from '../../test/support/fake-asterisk/world.ts';
import type { Customer } from '../line/stores.ts';

export interface BurstCall {
  index: number;
  customer: Customer;
  channel: SimChannel;
  startedAt: number;
  /** Call start → the announcement's first word (ms); null until heard. */
  announcementMs: number | null;
  joins: boolean;
  /** When the desk was rung (the caller heard "connecting you") and when the overflow said it was busy. */
  deskAt: number | null;
  overflowAt: number | null;
  failure: string | null;
}

/** Prompts a caller on this script must never hear. */
const WRONG_TURNS = new Set(['not-verified', 'no-entry', 'invalid-entry', 'auth-failed', 'pin-locked', 'technical-problem', 'office-closed']);

export class BurstLoad {
  readonly calls: BurstCall[] = [];

  constructor(
    private readonly sim: FakeAsterisk,
    private readonly customers: readonly Customer[],
    /** The announcement's sound, as Asterisk plays it (`sound:…`). */
    private readonly announcement: string,
    private readonly reactionMs: number,
  ) {}

  ring(): void {
    const index = this.calls.length;
    const customer = this.customers[index % this.customers.length]!;
    const caller = this.sim.call({ from: customer.phone });
    if (!caller.channel) {
      throw new Error(`call ${index} was refused before the application`);
    }
    const call: BurstCall = { index, customer, channel: caller.channel, startedAt: performance.now(), announcementMs: null, joins: index % 2 === 0, deskAt: null, overflowAt: null, failure: null };
    caller.channel.party = this.hooksFor(call);
    this.calls.push(call);
  }

  private hooksFor(call: BurstCall): PartyHooks {
    return {
      label: `caller ${call.index}`,
      answerAfterMs: null,
      busy: false,
      unreachable: false,
      onOriginated: () => undefined,
      onAnswered: () => undefined,
      onPlaybackStarted: (ch) => this.started(call, ch),
      onPlaybackFinished: (ch) => this.finished(call, ch),
      onGone: () => undefined,
    };
  }

  private label(media: string): string {
    const prefix = `sound:${this.sim.soundsFolder}/`;
    return media.startsWith(prefix) ? media.slice(prefix.length) : media;
  }

  private started(call: BurstCall, ch: SimChannel): void {
    const last = ch.heard[ch.heard.length - 1];
    if (!last) return;
    const now = performance.now();
    if (last.media === this.announcement && call.announcementMs === null) call.announcementMs = now - call.startedAt;
    const prompt = this.label(last.media);
    if (prompt === 'connecting-desk') call.deskAt = now;
    if (prompt === 'desk-busy') call.overflowAt = now;
    if (WRONG_TURNS.has(prompt)) call.failure ??= `heard "${prompt}"`;
  }

  private finished(call: BurstCall, ch: SimChannel): void {
    const last = ch.heard[ch.heard.length - 1];
    if (!last || last.cut) return;
    const keys: Record<string, string> = {
      'enter-pin': `${call.customer.pin}#`,
      'announcement-join': call.joins ? '1' : '2',
      'main-menu': '1',
      'fault-critical-question': '2',
      // The message: a moment of speech, then # (the recording has started at the tone).
      'leave-message': '#',
    };
    const answer = keys[this.label(last.media)];
    if (answer === undefined) return;
    const delay = this.label(last.media) === 'leave-message' ? 4_000 + this.reactionMs : this.reactionMs;
    setTimeout(() => {
      if (ch.alive) this.sim.world.pressKeys(ch, answer);
    }, delay);
  }
}
