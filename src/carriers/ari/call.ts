// One live call on Asterisk: the caller's channel, the legs rung for it, and the
// media command the flow is waiting on. Everything for the call runs on its own
// queue; the flow's state lives behind the CallDriver, this only holds the wiring.
import type { Logger } from 'pino';
import type { CallDriver, CarrierNote, FeedOptions, Step } from '../../calls/types.ts';
import type { FlowEvent, MediaCommand } from '../../domain/flow/types.ts';
import { prompt } from '../../domain/prompts.ts';
import { isMessage } from '../../domain/flow/rules.ts';
import { causeText } from './causes.ts';
import type { Channel } from './models.ts';
import { SerialQueue, type WorkCounter } from './queue.ts';
import { isNotFound, type AriRest } from './rest.ts';
import type { AriSettings } from './settings.ts';
import type { TimerHandle, Timers } from './timers.ts';
import { discardRecording, startGather, startPlay, startRecord, stopHold } from './caller-media.ts';
import { bridgeEngineer, connectDesk, dialEngineer, hangUpLeg } from './legs.ts';

/** Notes waiting for a feed beyond this many are written on their own (a long wait with much going on). */
const MAX_WAITING_NOTES = 32;

export type GatherCommand = Extract<MediaCommand, { kind: 'gather' }>;
export type DialCommand = Extract<MediaCommand, { kind: 'dialEngineer' }>;
export type DeskCommand = Extract<MediaCommand, { kind: 'connectDesk' }>;

export interface Gather {
  kind: 'gather';
  command: GatherCommand;
  playbackId: string | null;
  promptDone: boolean;
  digits: string;
  timer: TimerHandle | null;
}

/** What the caller's side is waiting on. */
export type Activity =
  | { kind: 'play'; playbackId: string }
  | Gather
  | { kind: 'record'; name: string; startedAt: Date | null; backstop: TimerHandle | null }
  | { kind: 'engineer'; legId: string }
  | { kind: 'desk'; legId: string; overflow: TimerHandle | null }
  | { kind: 'bridged'; bridgeId: string; legId: string };

/** What the caller hears while someone else's phone rings. */
export type Hold =
  | {
      kind: 'prompt';
      media: string[];
      /** Said once before the first round of `media` (the dial's announcement). */
      intro: string[];
      playbackId: string | null;
      timer: TimerHandle | null;
    }
  | { kind: 'moh' };

export interface Whisper {
  command: DialCommand;
  playbackId: string | null;
  promptDone: boolean;
  timer: TimerHandle | null;
  /** The engineer pressed the accept key: they are bridged once the whisper has stopped. */
  accepting: boolean;
}

/** A channel we originated for this call: an engineer or the desk. */
export interface Leg {
  id: string;
  kind: 'engineer' | 'desk';
  engineerId: string | null;
  endpoint: string;
  status: 'ringing' | 'whisper' | 'accepted' | 'bridged' | 'done';
  dialStatus: string | null;
  destroyed: boolean;
  ringTimer: TimerHandle | null;
  whisper: Whisper | null;
}

export interface PlaybackInfo {
  call: AriCall;
  channelId: string;
  role: 'caller' | 'hold' | 'whisper';
  media: string[];
  stopped: boolean;
  /** Its channel's hang-up was asked for: Asterisk then ends the playback as failed. */
  hungUp: boolean;
}

/** Which call an id Asterisk mentions belongs to. */
export class CallIndex {
  readonly calls = new Set<AriCall>();
  readonly channels = new Map<string, { call: AriCall; role: 'caller' | 'leg' }>();
  readonly playbacks = new Map<string, PlaybackInfo>();
  readonly recordings = new Map<string, AriCall>();
}

export interface CallContext {
  /** Set when the carrier stops: calls stay in Asterisk for the next process to resume. */
  lifecycle: { stopped: boolean };
  /** What a call picked up from its session was resumed after (its timeline says so). */
  resumedAfter: 'restart' | 'failover';
  rest: AriRest;
  driver: CallDriver;
  timers: Timers;
  settings: AriSettings;
  logger: Logger;
  index: CallIndex;
  work: WorkCounter;
}

export class AriCall {
  callId: string | null = null;
  log: Logger;
  activity: Activity | null = null;
  hold: Hold | null = null;
  pending: MediaCommand[] = [];
  readonly legs = new Map<string, Leg>();
  bridgeId: string | null = null;
  hangupCause: number | undefined;
  /** Asterisk said the caller's channel is hanging up: no more media for it. */
  hangupRequested = false;
  /** We sent the hangup (the flow's goodbye, or a failure). */
  hungUpByLine = false;
  gone = false;
  failing = false;
  private readonly queue: SerialQueue;
  /**
   * Carrier facts not yet on the timeline. Each on its own would cost the call service a
   * session read, a timeline insert and a session write ahead of the caller's next event,
   * so they wait for the next feed and go in its timeline write.
   */
  private notes: CarrierNote[] = [];

  constructor(
    readonly ctx: CallContext,
    readonly channel: Channel,
  ) {
    this.log = ctx.logger.child({ carrier: 'asterisk', channelId: channel.id });
    this.queue = new SerialQueue(ctx.work, (err) => {
      this.log.error({ err }, 'call step failed');
      this.enqueue(() => this.fail('internal error'));
    });
    ctx.index.calls.add(this);
    ctx.index.channels.set(channel.id, { call: this, role: 'caller' });
  }

  get channelId(): string {
    return this.channel.id;
  }

  enqueue(task: () => Promise<void> | void): void {
    if (this.ctx.lifecycle.stopped) return;
    this.queue.run(task);
  }

  /** The carrier is stopping: drop every timer; the call itself carries on in Asterisk. */
  halt(): void {
    this.flushNotes();
    this.clearActivity();
    if (this.hold?.kind === 'prompt') this.clearTimer(this.hold.timer);
    for (const leg of this.legs.values()) {
      this.clearTimer(leg.ringTimer);
      if (leg.whisper) this.clearTimer(leg.whisper.timer);
    }
  }

  /** A timer whose callback runs on this call's queue. */
  timer(ms: number, fn: () => Promise<void> | void): TimerHandle {
    return this.ctx.timers.setTimeout(() => this.enqueue(fn), ms);
  }

  clearTimer(handle: TimerHandle | null): void {
    if (handle !== null) this.ctx.timers.clearTimeout(handle);
  }

  now(): Date {
    return this.ctx.timers.now();
  }

  /** StasisStart of a caller: answer, start the flow, do what it says. */
  async begin(args: string[]): Promise<void> {
    try {
      await this.ctx.rest.answer(this.channelId);
    } catch (err) {
      this.log.warn({ err }, 'could not answer the call');
      if (isNotFound(err)) return;
    }
    this.note('answered', { channel: this.channel.name, args, from: this.channel.caller.number, to: this.channel.dialplan.exten });
    try {
      const step = await this.ctx.driver.start({
        carrier: 'asterisk',
        carrierCallId: this.channelId,
        from: this.channel.caller.number,
        to: this.channel.dialplan.exten,
        at: this.now(),
        notes: this.notes.splice(0),
      });
      this.adopt(step.callId);
      if (this.gone) return;
      await this.run(step.commands);
    } catch (err) {
      this.log.error({ err }, 'the call service could not start the call');
      await this.fail('call service unavailable');
    }
  }

  /** The call id is known: log with it. */
  adopt(callId: string): void {
    this.callId = callId;
    this.log = this.log.child({ callId });
  }

  async run(commands: readonly MediaCommand[]): Promise<void> {
    this.pending.push(...commands);
    await this.next();
  }

  /** Executes pending commands until one has to wait for Asterisk. */
  async next(): Promise<void> {
    while (!this.gone && this.pending.length > 0 && !this.blocked()) {
      if (this.hangupRequested) {
        this.pending = [];
        return;
      }
      const command = this.pending.shift() as MediaCommand;
      await this.execute(command);
    }
  }

  private blocked(): boolean {
    return this.activity !== null && this.activity.kind !== 'bridged';
  }

  private async execute(command: MediaCommand): Promise<void> {
    switch (command.kind) {
      case 'play':
        await stopHold(this);
        return startPlay(this, command.utterance);
      case 'gather':
        await stopHold(this);
        return startGather(this, command);
      case 'record':
        await stopHold(this);
        return startRecord(this, command);
      case 'dialEngineer':
        return dialEngineer(this, command);
      case 'connectDesk':
        await stopHold(this);
        return connectDesk(this, command);
      case 'bridgeEngineer':
        return bridgeEngineer(this, command.engineerId);
      case 'hangup':
        await stopHold(this);
        return this.hangUpCaller();
    }
  }

  /** Tells the flow what happened and carries out what it answers. */
  async feed(event: FlowEvent): Promise<void> {
    if (this.callId === null) return;
    try {
      const step = await this.send(event);
      if (this.gone) return;
      await this.run(step.commands);
    } catch (err) {
      this.log.error({ err, event: event.type }, 'the call service failed');
      if (event.type !== 'hangup') await this.fail('call service unavailable');
    }
  }

  /** Feeds the flow one event, with the carrier facts gathered since the last one. */
  send(event: FlowEvent): Promise<Step> {
    const options: FeedOptions = { notes: this.notes.splice(0) };
    return this.ctx.driver.feed(this.callId as string, event, this.now(), options);
  }

  /**
   * A fact for the call's timeline (legs, playbacks, barge-in, bridges, causes), typed
   * `ari.<type>`. It goes with the next event fed to the flow (see send).
   */
  note(kind: string, detail: Record<string, unknown>): void {
    this.notes.push({ type: `ari.${kind}`, detail, at: this.now() });
    if (this.notes.length >= MAX_WAITING_NOTES) this.flushNotes();
  }

  /**
   * Writes waiting notes on their own, for when no event will carry them soon: the
   * caller is talking to someone, the call is over, the carrier stops.
   */
  flushNotes(): void {
    if (this.callId === null || this.notes.length === 0) return;
    const callId = this.callId;
    const notes = this.notes.splice(0);
    // Not awaited (the caller should not wait on the timeline); the call service orders
    // them with this call's events all the same.
    const written = (async () => {
      for (const n of notes) await this.ctx.driver.note(callId, n.type, n.detail, n.at);
    })().catch((err: unknown) => {
      this.log.warn({ err, notes: notes.length }, 'could not note on the timeline');
    });
    this.ctx.work.track(written);
  }

  /**
   * Something broke that the flow cannot recover from (the call service is down,
   * Asterisk refused a bridge): say so and hang up. The ticket, if any, stays.
   */
  async fail(reason: string): Promise<void> {
    if (this.gone || this.hangupRequested) return;
    this.note('technical-problem', { reason });
    this.clearActivity();
    for (const leg of this.legs.values()) await hangUpLeg(this, leg);
    await stopHold(this);
    if (this.failing) {
      this.pending = [];
      return this.hangUpCaller();
    }
    this.failing = true;
    this.pending = [{ kind: 'play', utterance: [prompt('technical-problem')] }, { kind: 'hangup' }];
    await this.next();
  }

  clearActivity(): void {
    const a = this.activity;
    this.activity = null;
    if (!a) return;
    if (a.kind === 'gather') this.clearTimer(a.timer);
    if (a.kind === 'record') this.clearTimer(a.backstop);
    if (a.kind === 'desk') this.clearTimer(a.overflow);
  }

  async hangUpCaller(): Promise<void> {
    if (this.gone || this.hungUpByLine) return;
    this.hungUpByLine = true;
    this.pending = [];
    try {
      await this.ctx.rest.hangup(this.channelId, 'normal');
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ err }, 'could not hang up the caller');
    }
  }

  /**
   * ChannelHangupRequest. A soft hangup (ours through ARI, or an operator's) carries
   * Asterisk's soft-hangup flag as `cause` (32, AST_SOFTHANGUP_EXPLICIT), not a Q.850
   * cause: only a hard request's cause is kept. The real one also comes with ChannelDestroyed.
   */
  onHangupRequest(cause: number | undefined, soft: boolean): void {
    this.hangupRequested = true;
    if (cause !== undefined && !soft) this.hangupCause = cause;
  }

  /** The caller's channel left us (hung up, or vanished while we were away). */
  async callerGone(cause: number | undefined, why?: string): Promise<void> {
    if (this.gone) return;
    // We hang up with reason "normal": Normal Clearing, whatever came first.
    const code = cause ?? this.hangupCause ?? (this.hungUpByLine ? 16 : undefined);
    const text = why ?? causeText(code);
    const by = this.hungUpByLine ? 'line' : 'caller';
    const recording = this.activity?.kind === 'record' ? this.activity : null;
    this.gone = true;
    this.pending = [];
    this.clearActivity();
    await stopHold(this);
    for (const leg of this.legs.values()) await hangUpLeg(this, leg);
    if (this.bridgeId) {
      await this.ctx.rest.destroyBridge(this.bridgeId).catch(() => undefined);
      this.note('bridge-destroyed', { bridgeId: this.bridgeId });
    }
    this.note('hangup-cause', { cause: code ?? null, causeText: text, by });
    if (this.callId !== null) {
      // A caller who hangs up to end their message has still left one.
      if (recording) await this.recordingEnded(recording.name, recording.startedAt);
      await this.send({ type: 'hangup', cause: text, by }).catch((err: unknown) => this.log.error({ err }, 'could not tell the call service of the hangup'));
    }
    this.flushNotes();
    this.forget();
  }

  private async recordingEnded(name: string, startedAt: Date | null): Promise<void> {
    const seconds = startedAt ? Math.round((this.now().getTime() - startedAt.getTime()) / 1000) : 0;
    // Asterisk's own figures have not come: the time since the tone is all there is.
    const message = isMessage({ durationSeconds: seconds, talkingSeconds: null });
    await Promise.all([
      message ? undefined : discardRecording(this, name),
      this.send({ type: 'recorded', recordingName: message ? name : null, durationSeconds: seconds }).catch((err: unknown) =>
        this.log.error({ err }, 'could not report the recording'),
      ),
    ]);
  }

  /** Drops every id of this call from the index (the call is over). */
  forget(): void {
    const index = this.ctx.index;
    index.calls.delete(this);
    for (const [id, entry] of index.channels) if (entry.call === this) index.channels.delete(id);
    for (const [id, info] of index.playbacks) if (info.call === this) index.playbacks.delete(id);
    for (const [name, call] of index.recordings) if (call === this) index.recordings.delete(name);
    if (this.hold?.kind === 'prompt') this.clearTimer(this.hold.timer);
  }
}
