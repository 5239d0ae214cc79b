// The people in a simulated call, scripted the way a test reads:
//   caller.hears('greeting').presses('4821#').hears('main-menu')
//   sim.engineer('+447700900123').answersAfter(3000).presses('1')
// Each caller step waits (in virtual time) for what it expects and fails with the
// caller's transcript when it does not come.
import type { FakeAsterisk } from './server.ts';
import type { PartyHooks, SimChannel } from './world.ts';

export class Caller implements PromiseLike<void> {
  private chain: Promise<void> = Promise.resolve();
  /** Position in what the caller has heard: each `hears` looks after the previous one. */
  private cursor = 0;

  constructor(
    private readonly sim: FakeAsterisk,
    /** Null when the call never reached the application (Stasis failed). */
    readonly channel: SimChannel | null,
    readonly from: string,
  ) {}

  /** The call was refused before the application saw it. */
  get rejected(): boolean {
    return this.channel === null;
  }

  get channelId(): string {
    return this.live().id;
  }

  /** What the caller has heard so far: prompt ids (ours), else media URIs. */
  get transcript(): string[] {
    return (this.channel?.heard ?? []).map((h) => this.label(h.media) + (h.cut ? ' (cut)' : ''));
  }

  /** Waits until the caller hears these prompts (or media URIs, or 'moh'), in order, after what they heard before. */
  hears(...what: string[]): this {
    for (const w of what) this.hearsOne(w);
    return this;
  }

  private hearsOne(what: string): this {
    return this.step(async () => {
      const ch = this.live();
      const media = this.mediaFor(what);
      let found = -1;
      await this.sim.until(
        () => {
          found = ch.heard.findIndex((h, i) => i >= this.cursor && h.media === media);
          return found >= 0;
        },
        `caller ${this.from} to hear "${what}"; heard: ${this.transcriptFrom(this.cursor)}`,
      );
      this.cursor = found + 1;
    });
  }

  /** Waits until a prompt has been heard to its end (not cut short). */
  hearsAll(what: string): this {
    return this.hears(what).step(async () => {
      const ch = this.live();
      const entry = ch.heard[this.cursor - 1];
      await this.sim.until(
        () => !ch.alive || !this.stillPlaying(ch, entry?.playbackId ?? '', this.cursor - 1),
        `caller ${this.from} to hear all of "${what}"`,
      );
    });
  }

  presses(keys: string): this {
    return this.step(() => this.sim.world.pressKeys(this.live(), keys));
  }

  /** Talks for a while (a recording notices; nothing else does). */
  speaks(seconds: number): this {
    return this.step(async () => {
      this.sim.world.talk(this.live(), seconds);
      await this.sim.advance(seconds * 1000);
    });
  }

  /** Waits for the recording to start (the beep). */
  hearsTheTone(): this {
    return this.step(() =>
      this.sim.until(() => this.live().recording?.state === 'recording', `caller ${this.from} to hear the tone; heard: ${this.transcriptFrom(0)}`),
    );
  }

  /** Leaves a voicemail: waits for the tone, talks, then presses # to finish. */
  leavesMessage(seconds = 10): this {
    return this.hearsTheTone().speaks(seconds).presses('#');
  }

  /**
   * Does nothing. Reads as the call does ("stays silent, hears no-entry"): the next
   * expectation lets virtual time run until the line gives up waiting.
   */
  staysSilent(): this {
    return this;
  }

  /** Says and presses nothing for a while. */
  waits(seconds: number): this {
    return this.step(() => this.sim.advance(seconds * 1000));
  }

  hangsUp(): this {
    return this.step(() => this.sim.world.hangup(this.live(), 16, 'far-end'));
  }

  /** Waits until the caller is in a bridge with one of this party's legs. */
  isConnectedTo(party: PartyScript): this {
    return this.step(() =>
      this.sim.until(() => {
        const bridge = this.live().bridge;
        return bridge !== null && bridge.channels.some((c) => party.legs.includes(c));
      }, `caller ${this.from} to be connected to ${party.label}; heard: ${this.transcriptFrom(0)}`),
    );
  }

  /** Waits until the line hangs the caller up. */
  isHungUp(): this {
    return this.step(() =>
      this.sim.until(() => !this.live().alive, `the line to hang up on ${this.from}; heard: ${this.transcriptFrom(0)}`),
    );
  }

  /** Runs any check at this point of the call. */
  then<T = void, E = never>(onFulfilled?: ((value: void) => T | PromiseLike<T>) | null, onRejected?: ((reason: unknown) => E | PromiseLike<E>) | null): Promise<T | E> {
    return this.chain.then(onFulfilled, onRejected);
  }

  private step(fn: () => Promise<void> | void): this {
    this.chain = this.chain.then(fn);
    return this;
  }

  private live(): SimChannel {
    if (!this.channel) throw new Error(`the call from ${this.from} never reached the application`);
    return this.channel;
  }

  private mediaFor(what: string): string {
    return what === 'moh' || what.includes(':') ? what : `sound:${this.sim.soundsFolder}/${what}`;
  }

  private label(media: string): string {
    const prefix = `sound:${this.sim.soundsFolder}/`;
    return media.startsWith(prefix) ? media.slice(prefix.length) : media;
  }

  private transcriptFrom(from: number): string {
    const rest = this.transcript.slice(from);
    return rest.length > 0 ? rest.join(', ') : '(nothing)';
  }

  private stillPlaying(ch: SimChannel, playbackId: string, index: number): boolean {
    const playing = ch.playing;
    if (!playing || playing.id !== playbackId) return false;
    return ch.heard.length - 1 === index;
  }
}

/** An engineer's phone (or the desk), as the test scripts it. */
export class PartyScript implements PartyHooks {
  answerAfterMs: number | null = 3_000;
  busy = false;
  unreachable = false;
  private keys: string | null = null;
  private keysDuringPrompt = false;
  /** Presses `keys` this long after answering, whatever is playing then. */
  private keysAfterMs: number | null = null;
  /** Hangs up in the same instant as the timed press (a second call pulls them away). */
  private hangsUpWithKeys = false;
  private hangUpAfterMs: number | null = null;
  /** Every leg rung for this party. */
  readonly legs: SimChannel[] = [];
  private live = 0;
  /** The most legs that were up or ringing at the same moment. */
  maxAtOnce = 0;
  private readonly pressed = new Set<SimChannel>();
  /** When a timed press landed on a leg, and the media item it landed in (null: nothing playing). */
  readonly pressedAt = new Map<SimChannel, { at: number; hearing: string | null }>();

  constructor(
    private readonly sim: FakeAsterisk,
    readonly label: string,
  ) {}

  get rang(): number {
    return this.legs.length;
  }

  answersAfter(ms: number): this {
    this.answerAfterMs = ms;
    this.busy = false;
    this.unreachable = false;
    return this;
  }

  doesNotAnswer(): this {
    this.answerAfterMs = null;
    this.busy = false;
    this.unreachable = false;
    this.keys = null;
    return this;
  }

  isBusy(): this {
    this.busy = true;
    return this;
  }

  isUnreachable(): this {
    this.unreachable = true;
    return this;
  }

  /** Their voicemail picks up and listens; nobody presses anything. */
  voicemailAnswers(afterMs = 15_000): this {
    this.answersAfter(afterMs);
    this.keys = null;
    return this;
  }

  /** Presses these keys once the first message played to them has ended. */
  presses(keys: string): this {
    this.keys = keys;
    this.keysDuringPrompt = false;
    this.keysAfterMs = null;
    return this;
  }

  /** Presses these keys as soon as a message starts (barge-in). */
  pressesDuringWhisper(keys: string): this {
    this.keys = keys;
    this.keysDuringPrompt = true;
    this.keysAfterMs = null;
    return this;
  }

  /** Presses these keys this long after answering, as an engineer who knows the whisper does. */
  pressesAfterAnswering(ms: number, keys: string, options: { thenHangsUp?: boolean } = {}): this {
    this.keys = keys;
    this.keysDuringPrompt = false;
    this.keysAfterMs = ms;
    this.hangsUpWithKeys = options.thenHangsUp ?? false;
    return this;
  }

  hangsUpAfter(ms: number): this {
    this.hangUpAfterMs = ms;
    return this;
  }

  /** What one of this party's legs heard (prompt ids where ours). */
  heard(leg = this.legs.length - 1): string[] {
    const prefix = `sound:${this.sim.soundsFolder}/`;
    return (this.legs[leg]?.heard ?? []).map((h) => (h.media.startsWith(prefix) ? h.media.slice(prefix.length) : h.media));
  }

  onOriginated(channel: SimChannel): void {
    this.legs.push(channel);
    this.live += 1;
    this.maxAtOnce = Math.max(this.maxAtOnce, this.live);
  }

  onAnswered(channel: SimChannel): void {
    if (this.keysAfterMs !== null) {
      const keys = this.keys;
      this.sim.world.later(this.keysAfterMs, () => {
        if (keys === null || this.pressed.has(channel) || !channel.app) return;
        this.pressed.add(channel);
        this.pressedAt.set(channel, { at: this.sim.clock.ms, hearing: channel.playing ? (channel.heard.at(-1)?.media ?? null) : null });
        this.sim.world.pressKeys(channel, keys);
        if (this.hangsUpWithKeys) this.sim.world.hangup(channel, 16, 'far-end');
      }, channel);
    }
    if (this.hangUpAfterMs !== null) {
      this.sim.world.later(this.hangUpAfterMs, () => this.sim.world.hangup(channel, 16, 'far-end'), channel);
    }
  }

  onPlaybackStarted(channel: SimChannel): void {
    if (this.keysDuringPrompt && this.keysAfterMs === null) this.press(channel);
  }

  onPlaybackFinished(channel: SimChannel): void {
    if (!this.keysDuringPrompt && this.keysAfterMs === null) this.press(channel);
  }

  onGone(): void {
    this.live -= 1;
  }

  private press(channel: SimChannel): void {
    if (this.keys === null || this.pressed.has(channel) || !channel.app) return;
    this.pressed.add(channel);
    const keys = this.keys;
    // After the event that prompted it, as a person would.
    this.sim.world.later(0, () => this.sim.world.pressKeys(channel, keys), channel);
  }
}
