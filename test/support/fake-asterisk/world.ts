// What the simulated Asterisk holds (channels, bridges, playbacks, recordings) and
// how each changes, emitting events in Asterisk's order and shapes
// (../shared/ari/IVR-SUBSET.md §3-4). Time is the virtual clock's.
import type { TimerHandle } from '../../../src/carriers/ari/timers.ts';
import type { VirtualClock } from './clock.ts';

export interface CallerIdJson {
  name: string;
  number: string;
}

export interface Heard {
  media: string;
  at: number;
  playbackId: string;
  /** Stopped before its end (barge-in). */
  cut: boolean;
}

/** What plays a party's part on a leg we are asked to originate (engineer, desk). */
export interface PartyHooks {
  readonly label: string;
  answerAfterMs: number | null;
  busy: boolean;
  unreachable: boolean;
  onOriginated(channel: SimChannel): void;
  onAnswered(channel: SimChannel): void;
  onPlaybackStarted(channel: SimChannel): void;
  onPlaybackFinished(channel: SimChannel): void;
  onGone(channel: SimChannel): void;
}

export interface SimChannel {
  id: string;
  name: string;
  protocolId: string;
  state: string;
  caller: CallerIdJson;
  connected: CallerIdJson;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  /** The Stasis application it is in, if any. */
  app: string | null;
  /** The application its events go to (set by originate before it answers). */
  subscribed: string | null;
  alive: boolean;
  party: PartyHooks | null;
  originate: { appArgs: string; dialstring: string } | null;
  vars: Map<string, string>;
  bridge: SimBridge | null;
  moh: boolean;
  playing: SimPlayback | null;
  queue: SimPlayback[];
  recording: SimRecording | null;
  heard: Heard[];
  talkingUntil: number;
  /** When the person on it spoke: [from, to) in virtual ms. */
  talks: Array<[number, number]>;
  hungUpBy: 'far-end' | 'ari' | null;
  destroyCause: number | null;
  /** The other half of a Local channel (`<id>;2` for the `;1` we originated, and back). */
  twin: SimChannel | null;
}

export interface SimPlayback {
  id: string;
  media: string[];
  index: number;
  channel: SimChannel;
  state: 'queued' | 'playing' | 'continuing' | 'done' | 'failed';
  timer: TimerHandle | null;
  /**
   * Asterisk accepts a stop only once a `sound:`, `recording:` or `tone:` item has started
   * (res_stasis_playback.c sets `controllable` there); before that DELETE answers 500.
   */
  controllable: boolean;
  /**
   * Stopped while still queued (playback_cancel): it stays queued, says `done`, and its
   * PlaybackFinished comes only when its turn on the channel comes (playback_first_update).
   */
  cancelled: boolean;
  /**
   * A stop was asked during an item that ignores it (`digits:` …): Asterisk holds the
   * playback as stopped until that item ends, then carries on as if nothing was asked.
   */
  stopping: boolean;
  /** Called once when the playback ends (a held addChannel waits on these). */
  onEnd: Array<() => void>;
}

export interface SimBridge {
  id: string;
  type: 'mixing' | 'holding';
  name: string;
  channels: SimChannel[];
  creationtime: string;
  app: string;
}

export interface SimRecording {
  name: string;
  format: string;
  channel: SimChannel;
  state: 'queued' | 'recording' | 'done' | 'failed' | 'canceled';
  startedAt: number;
  maxSilenceSeconds: number;
  terminateOn: string;
  timers: TimerHandle[];
}

export interface StoredRecording {
  name: string;
  format: string;
  duration: number;
}

export type Emit = (app: string, type: string, fields: Record<string, unknown>) => void;

export interface WorldOptions {
  clock: VirtualClock;
  emit: Emit;
  /** How long a media URI takes to play, in ms; null for a sound file that does not exist. */
  durationOf: (media: string) => number | null;
  /** A problem in what the line asked for that real Asterisk would not have done as asked. */
  violation: (message: string) => void;
}

export const CAUSE_TEXT: Record<number, string> = {
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
};

/** What ChannelHangupRequest says as `cause` for an ARI hangup: a soft-hangup flag (channel.h), not Q.850. */
export const SOFTHANGUP_EXPLICIT = 32;

export const REASON_CAUSE: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 19,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

export function asteriskTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export class World {
  readonly channels = new Map<string, SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  readonly playbacks = new Map<string, SimPlayback>();
  readonly recordings = new Map<string, SimRecording>();
  readonly stored = new Map<string, StoredRecording>();
  /** Every channel ever created, for assertions after it is gone. */
  readonly history: SimChannel[] = [];
  // Asterisk's unique ids are `<epoch>.<sequence>`; every simulator starts its sequence
  // somewhere else, so two tests starting at the same virtual instant never share a channel id.
  private counter = Math.floor(Math.random() * 1_000_000) * 100;
  /** Bumped by a restart: callbacks from before it do nothing. */
  private epoch = 0;

  constructor(private readonly o: WorldOptions) {}

  get now(): number {
    return this.o.clock.ms;
  }

  /** Asterisk stopped: everything live vanishes at once, without a word. */
  reset(): void {
    this.epoch += 1;
    for (const ch of this.channels.values()) {
      ch.alive = false;
      ch.party?.onGone(ch);
    }
    this.channels.clear();
    this.bridges.clear();
    this.playbacks.clear();
    this.recordings.clear();
  }

  /** A timer that does nothing once Asterisk has restarted or its channel is gone. */
  later(ms: number, fn: () => void, channel?: SimChannel): TimerHandle {
    const epoch = this.epoch;
    return this.o.clock.setTimeout(() => {
      if (epoch !== this.epoch) return;
      if (channel && !channel.alive) return;
      fn();
    }, ms);
  }

  newChannelId(): string {
    this.counter += 1;
    return `${Math.floor(this.now / 1000)}.${this.counter}`;
  }

  private hex(): string {
    this.counter += 1;
    return this.counter.toString(16).padStart(8, '0');
  }

  createChannel(init: Partial<SimChannel> & Pick<SimChannel, 'id' | 'name' | 'state' | 'caller' | 'dialplan'>): SimChannel {
    const ch: SimChannel = {
      protocolId: '',
      connected: { name: '', number: '' },
      creationtime: asteriskTime(this.now),
      app: null,
      subscribed: null,
      alive: true,
      party: null,
      originate: null,
      vars: new Map(),
      bridge: null,
      moh: false,
      playing: null,
      queue: [],
      recording: null,
      heard: [],
      talkingUntil: 0,
      talks: [],
      hungUpBy: null,
      destroyCause: null,
      twin: null,
      ...init,
    };
    this.channels.set(ch.id, ch);
    this.history.push(ch);
    return ch;
  }

  channelJson(ch: SimChannel): Record<string, unknown> {
    return {
      id: ch.id,
      name: ch.name,
      state: ch.state,
      protocol_id: ch.protocolId,
      caller: { ...ch.caller },
      connected: { ...ch.connected },
      accountcode: '',
      dialplan: { ...ch.dialplan },
      creationtime: ch.creationtime,
      language: 'en',
    };
  }

  private channelEvent(ch: SimChannel, type: string, fields: Record<string, unknown> = {}): void {
    const app = ch.app ?? ch.subscribed;
    if (app) this.o.emit(app, type, { ...fields, channel: this.channelJson(ch) });
  }

  setState(ch: SimChannel, state: string): void {
    if (ch.state === state) return;
    ch.state = state;
    this.channelEvent(ch, 'ChannelStateChange');
  }

  // --- callers ---------------------------------------------------------------------

  /** A call reaches `Stasis(app,inbound)` in the support context. */
  inboundCall(from: string, to: string, app: string): SimChannel {
    const ch = this.createChannel({
      id: this.newChannelId(),
      name: `PJSIP/trunk-${this.hex()}`,
      protocolId: `${this.hex()}@127.0.0.1`,
      state: 'Ring',
      caller: { name: '', number: from },
      dialplan: { context: 'support', exten: to, priority: 2, app_name: 'Stasis', app_data: `${app},inbound` },
    });
    ch.app = app;
    this.channelEvent(ch, 'StasisStart', { args: ['inbound'] });
    return ch;
  }

  /** continueInDialplan: the channel leaves the application for the dialplan. */
  leaveStasis(ch: SimChannel, where: { context: string; exten: string; priority: number }): void {
    if (!ch.app) return;
    this.channelEvent(ch, 'StasisEnd');
    ch.app = null;
    ch.subscribed = null;
    ch.dialplan = { ...where, app_name: '', app_data: '' };
  }

  answer(ch: SimChannel): void {
    this.setState(ch, 'Up');
  }

  /** The person on the channel presses keys (one event per key, in order). */
  pressKeys(ch: SimChannel, keys: string): void {
    for (const digit of keys) {
      if (!ch.alive) return;
      if (ch.app) this.channelEvent(ch, 'ChannelDtmfReceived', { digit, duration_ms: 120 });
      const rec = ch.recording;
      if (rec && rec.state === 'recording' && (rec.terminateOn === 'any' || rec.terminateOn === digit)) {
        this.finishRecording(rec, 'done');
      }
    }
  }

  /** The person speaks for a while (only a recording notices). */
  talk(ch: SimChannel, seconds: number): void {
    const from = Math.max(ch.talkingUntil, this.now);
    ch.talkingUntil = from + seconds * 1000;
    ch.talks.push([from, ch.talkingUntil]);
    const rec = ch.recording;
    if (rec && rec.state === 'recording') this.armSilence(rec);
  }

  // --- hangups ---------------------------------------------------------------------

  /** Hangs a channel up: HangupRequest, leaving its bridge, StasisEnd, ChannelDestroyed. */
  hangup(ch: SimChannel, cause: number, by: 'far-end' | 'ari'): void {
    if (!ch.alive) return;
    ch.alive = false;
    ch.hungUpBy = by;
    ch.destroyCause = cause;
    const ringing = ch.originate !== null && ch.app === null;
    const watched = ch.app !== null || ch.subscribed !== null;
    if (watched) {
      // ARI's DELETE is a soft hangup: ast_softhangup publishes the soft-hangup flag
      // (32, AST_SOFTHANGUP_EXPLICIT) as "cause", not a Q.850 cause. A hangup from the far
      // end is queued with its real cause.
      this.channelEvent(ch, 'ChannelHangupRequest', by === 'ari' ? { cause: SOFTHANGUP_EXPLICIT, soft: true } : { cause });
    }
    if (ringing) this.dial(ch, 'CANCEL');
    if (ch.bridge) this.leaveBridge(ch);
    if (ch.recording) this.finishRecording(ch.recording, 'done');
    // The item being played is cut short by the hang-up: Asterisk counts that as a failure
    // ("Playback failed", state failed), unless a stop was already asked for it.
    if (ch.playing) this.endPlayback(ch.playing, ch.playing.stopping ? 'done' : 'failed');
    for (const pb of ch.queue.splice(0)) {
      this.playbacks.delete(pb.id);
      for (const fn of pb.onEnd.splice(0)) fn();
    }
    if (ch.app) this.channelEvent(ch, 'StasisEnd');
    // A Local half hung up softly hears the real cause back from its partner (ast_queue_hangup_with_cause).
    if (watched && by === 'ari' && ch.twin) this.channelEvent(ch, 'ChannelHangupRequest', { cause });
    this.channelEvent(ch, 'ChannelDestroyed', { cause, cause_txt: CAUSE_TEXT[cause] ?? 'Unknown' });
    this.channels.delete(ch.id);
    ch.party?.onGone(ch);
    // The two halves of a Local channel live and die together.
    if (ch.twin?.alive) this.hangup(ch.twin, cause, 'far-end');
  }

  /** A channel that never answered ends (busy, no answer, unreachable). */
  private unanswered(ch: SimChannel, dialstatus: string, cause: number): void {
    if (!ch.alive) return;
    this.dial(ch, dialstatus);
    ch.alive = false;
    ch.destroyCause = cause;
    this.channelEvent(ch, 'ChannelDestroyed', { cause, cause_txt: CAUSE_TEXT[cause] ?? 'Unknown' });
    this.channels.delete(ch.id);
    ch.party?.onGone(ch);
    if (ch.twin?.alive) this.hangup(ch.twin, cause, 'far-end');
  }

  // --- originate ---------------------------------------------------------------------

  originate(p: { id: string; tech: string; resource: string; app: string; appArgs: string; callerId: string; timeoutSeconds: number; party: PartyHooks | null }): SimChannel {
    const name =
      p.tech === 'Local' ? `Local/${p.resource.split('/')[0]}-${this.hex()};1` : `${p.tech}/${p.resource.split('@')[1] ?? p.resource}-${this.hex()}`;
    const ch = this.createChannel({
      id: p.id,
      name,
      state: 'Down',
      caller: parseCallerId(p.callerId),
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
    });
    ch.subscribed = p.app;
    ch.party = p.party;
    ch.originate = { appArgs: p.appArgs, dialstring: p.resource };
    if (p.tech === 'Local') {
      // Asterisk creates both halves: `;1` (ours, with the id we gave) goes to the
      // application; `;2`, named `<id>;2` when no otherChannelId is given, runs the
      // dialplan at exten@context. Only `;1` sends us events; both show in GET /channels.
      const [exten = 's', context = 'default'] = (p.resource.split('/')[0] as string).split('@');
      const twin = this.createChannel({
        id: `${p.id};2`,
        name: name.replace(/;1$/, ';2'),
        state: 'Ring',
        caller: parseCallerId(p.callerId),
        dialplan: { context, exten, priority: 1, app_name: 'Dial', app_data: '' },
      });
      twin.twin = ch;
      ch.twin = twin;
    }
    return ch;
  }

  /** What happens after originate's 200: Dial progress, then answer, busy, failure or timeout. */
  startDialling(ch: SimChannel, timeoutSeconds: number): void {
    const party = ch.party;
    party?.onOriginated(ch);
    this.dial(ch, '');
    if (!party || party.unreachable) {
      if (party?.unreachable) this.later(200, () => this.unanswered(ch, 'CHANUNAVAIL', 20), ch);
      else this.later(timeoutSeconds * 1000, () => this.unanswered(ch, 'NOANSWER', 19), ch);
      return;
    }
    this.setState(ch, 'Ringing');
    this.dial(ch, 'RINGING');
    if (party.busy) {
      this.later(1_000, () => this.unanswered(ch, 'BUSY', 17), ch);
      return;
    }
    const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
    if (party.answerAfterMs !== null && party.answerAfterMs < timeoutMs) {
      this.later(party.answerAfterMs, () => this.answerOriginated(ch), ch);
    } else if (Number.isFinite(timeoutMs)) {
      this.later(timeoutMs, () => this.unanswered(ch, 'NOANSWER', 19), ch);
    }
  }

  private answerOriginated(ch: SimChannel): void {
    const app = ch.subscribed as string;
    const args = ch.originate?.appArgs ?? '';
    this.dial(ch, 'ANSWER');
    this.setState(ch, 'Up');
    if (ch.twin) this.setState(ch.twin, 'Up');
    ch.app = app;
    ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: args ? `${app},${args}` : app };
    this.channelEvent(ch, 'StasisStart', { args: args === '' ? [] : args.split(',') });
    ch.party?.onAnswered(ch);
  }

  private dial(ch: SimChannel, dialstatus: string): void {
    const app = ch.app ?? ch.subscribed;
    if (!app) return;
    this.o.emit(app, 'Dial', { dialstatus, forward: '', dialstring: ch.originate?.dialstring ?? '', peer: this.channelJson(ch) });
  }

  // --- playbacks -------------------------------------------------------------------------

  queuePlayback(ch: SimChannel, id: string, media: string[]): SimPlayback {
    const pb: SimPlayback = { id, media, index: 0, channel: ch, state: 'queued', timer: null, controllable: false, cancelled: false, stopping: false, onEnd: [] };
    this.playbacks.set(id, pb);
    ch.queue.push(pb);
    return pb;
  }

  playbackJson(pb: SimPlayback): Record<string, unknown> {
    const next = pb.media[pb.index + 1];
    return {
      id: pb.id,
      media_uri: pb.media[pb.index],
      // Named whenever the item is not the last, whatever the state (stasis_app_playback_to_json).
      ...(next !== undefined ? { next_media_uri: next } : {}),
      target_uri: `channel:${pb.channel.id}`,
      language: 'en',
      state: pb.cancelled ? 'done' : pb.state,
    };
  }

  /** Starts the next queued playback on a channel, if it is free. */
  pump(ch: SimChannel): void {
    if (ch.playing || !ch.alive) return;
    const pb = ch.queue.shift();
    if (!pb) return;
    ch.playing = pb;
    if (pb.cancelled) this.endPlayback(pb, 'done');
    else this.playMedia(pb);
  }

  /**
   * One media item of a playback, as res_stasis_playback.c's play_on_channel runs each:
   * PlaybackStarted as the item starts (state playing, its own media_uri); when an item
   * that is not the last ends, PlaybackContinuing (state continuing, still naming the
   * item that ended, next_media_uri the one to come) and the next item's PlaybackStarted;
   * the last item's end is PlaybackFinished. An item that cannot be played (a missing
   * sound file) is skipped the same way: only a failed last item fails the playback.
   */
  private playMedia(pb: SimPlayback): void {
    const media = pb.media[pb.index] as string;
    const duration = this.o.durationOf(media);
    pb.state = 'playing';
    if (/^(sound|recording|tone):/.test(media)) pb.controllable = true;
    this.channelEventFor(pb, 'PlaybackStarted');
    if (duration === null) {
      this.o.violation(`played ${media}, which is not a sound file Asterisk has`);
      this.mediaEnded(pb, 'failed');
      return;
    }
    pb.channel.heard.push({ media, at: this.now, playbackId: pb.id, cut: false });
    pb.channel.party?.onPlaybackStarted(pb.channel);
    pb.timer = this.later(duration, () => {
      pb.timer = null;
      this.mediaEnded(pb, 'done');
    }, pb.channel);
  }

  private mediaEnded(pb: SimPlayback, state: 'done' | 'failed'): void {
    pb.stopping = false;
    if (pb.index + 1 >= pb.media.length) {
      this.endPlayback(pb, state);
      return;
    }
    pb.state = 'continuing';
    this.channelEventFor(pb, 'PlaybackContinuing');
    pb.index += 1;
    this.playMedia(pb);
  }

  /** Ends a playback (finished, stopped or failed) and starts the channel's next one. */
  endPlayback(pb: SimPlayback, state: 'done' | 'failed'): void {
    if (pb.state === 'done' || pb.state === 'failed') return;
    if (pb.timer) this.o.clock.clearTimeout(pb.timer);
    pb.state = state;
    this.playbacks.delete(pb.id);
    const ch = pb.channel;
    if (ch.playing === pb) ch.playing = null;
    ch.queue = ch.queue.filter((q) => q !== pb);
    this.channelEventFor(pb, 'PlaybackFinished');
    for (const fn of pb.onEnd.splice(0)) fn();
    if (ch.alive) {
      ch.party?.onPlaybackFinished(ch);
      this.pump(ch);
    }
  }

  /**
   * DELETE /playbacks/{id}, as res_stasis_playback.c does it: a queued playback is
   * cancelled; a playing one is sent a stop, which a `sound:` item obeys at once but
   * `digits:`, `number:` and `characters:` items (ast_say_*) ignore: the item plays to its
   * end and the remaining media carry on as if nothing was asked. 'failed' (HTTP 500)
   * when no stoppable item has played yet.
   */
  stopPlayback(pb: SimPlayback): 'stopped' | 'ignored' | 'failed' {
    if (pb.state === 'queued') {
      pb.cancelled = true;
      // Its turn may have come already, with nothing playing before it.
      if (pb.channel.queue[0] === pb) this.pump(pb.channel);
      return 'stopped';
    }
    if (!pb.controllable) return 'failed';
    const media = pb.media[pb.index] ?? '';
    if (/^(digits|number|characters):/.test(media)) {
      pb.stopping = true;
      return 'ignored';
    }
    const last = pb.channel.heard.findLast((h) => h.playbackId === pb.id);
    if (last && (pb.state === 'playing' || pb.state === 'continuing')) last.cut = true;
    this.endPlayback(pb, 'done');
    return 'stopped';
  }

  /**
   * Resolves when every playback playing or queued on these channels has ended: a
   * channel's Stasis commands run in order on its own thread, so a bridge operation
   * queued behind a playback waits for it (ARI's addChannel does not answer until then).
   */
  playbacksEnded(channels: SimChannel[]): Promise<void> | null {
    const waiting = channels.flatMap((ch) => [...(ch.playing ? [ch.playing] : []), ...ch.queue]);
    if (waiting.length === 0) return null;
    return Promise.all(waiting.map((pb) => new Promise<void>((resolve) => pb.onEnd.push(resolve)))).then(() => undefined);
  }

  private channelEventFor(pb: SimPlayback, type: string): void {
    const app = pb.channel.app ?? pb.channel.subscribed;
    if (app) this.o.emit(app, type, { playback: this.playbackJson(pb) });
  }

  // --- recordings ----------------------------------------------------------------------------

  startRecording(ch: SimChannel, p: { name: string; format: string; maxDurationSeconds: number; maxSilenceSeconds: number; terminateOn: string }): SimRecording {
    const rec: SimRecording = {
      name: p.name,
      format: p.format,
      channel: ch,
      state: 'queued',
      startedAt: this.now,
      maxSilenceSeconds: p.maxSilenceSeconds,
      terminateOn: p.terminateOn,
      timers: [],
    };
    this.recordings.set(p.name, rec);
    ch.recording = rec;
    if (p.maxDurationSeconds > 0) rec.timers.push(this.later(p.maxDurationSeconds * 1000, () => this.finishRecording(rec, 'done'), ch));
    return rec;
  }

  beginRecording(rec: SimRecording): void {
    rec.state = 'recording';
    rec.startedAt = this.now;
    this.recordingEvent(rec, 'RecordingStarted');
    this.armSilence(rec);
  }

  private armSilence(rec: SimRecording): void {
    if (rec.maxSilenceSeconds <= 0) return;
    const quietFrom = Math.max(this.now, rec.channel.talkingUntil);
    rec.timers.push(
      this.later(quietFrom + rec.maxSilenceSeconds * 1000 - this.now, () => {
        // Only the latest silence window counts: talking since pushed it back.
        if (Math.max(rec.startedAt, rec.channel.talkingUntil) + rec.maxSilenceSeconds * 1000 <= this.now) {
          this.finishRecording(rec, 'done');
        }
      }),
    );
  }

  /**
   * A recording as ARI describes it. Its figures once it has ended are the ones
   * res_stasis_recording.c takes from main/app.c's __ast_play_and_record: `duration` is
   * the whole seconds written, less the silence it ended on (all but 200 ms of it, in
   * whole seconds, however it ended); `talking_duration` is the whole seconds written
   * less all the silence heard (the same way), and is sent, with `silence_duration`, only
   * when the recording had a silence limit. So a recording of silence that the limit
   * ended says 1 s of talking.
   */
  recordingJson(rec: SimRecording): Record<string, unknown> {
    const base = { name: rec.name, format: rec.format, target_uri: `channel:${rec.channel.id}`, state: rec.state };
    if (rec.state !== 'done' && rec.state !== 'canceled') return base;
    const elapsed = this.now - rec.startedAt;
    const written = Math.floor(elapsed / 1000);
    if (rec.maxSilenceSeconds <= 0) return { ...base, duration: written };
    // Speech heard by the recording: the talk that overlaps it.
    const spoken = rec.channel.talks.reduce((sum, [from, to]) => sum + Math.max(0, Math.min(to, this.now) - Math.max(from, rec.startedAt)), 0);
    const quietFrom = Math.max(rec.startedAt, Math.min(rec.channel.talkingUntil, this.now));
    const trailing = rec.channel.talkingUntil > this.now ? 0 : this.now - quietFrom;
    // C's integer division: (silence - 200) / 1000 truncated, for silence over 0.
    const trimmed = (silenceMs: number) => (silenceMs > 0 ? Math.trunc((silenceMs - 200) / 1000) : 0);
    const duration = Math.max(0, written - trimmed(trailing));
    const talking = Math.max(0, written - trimmed(elapsed - spoken));
    return { ...base, duration, talking_duration: talking, silence_duration: duration - talking };
  }

  finishRecording(rec: SimRecording, state: 'done' | 'canceled' | 'failed'): void {
    if (rec.state !== 'recording' && rec.state !== 'queued') return;
    for (const t of rec.timers) this.o.clock.clearTimeout(t);
    rec.state = state;
    this.recordings.delete(rec.name);
    if (rec.channel.recording === rec) rec.channel.recording = null;
    const json = this.recordingJson(rec);
    if (state === 'done') this.stored.set(rec.name, { name: rec.name, format: rec.format, duration: Number(json['duration'] ?? 0) });
    this.recordingEvent(rec, state === 'failed' ? 'RecordingFailed' : 'RecordingFinished');
  }

  private recordingEvent(rec: SimRecording, type: string): void {
    const app = rec.channel.app ?? rec.channel.subscribed;
    if (app) this.o.emit(app, type, { recording: this.recordingJson(rec) });
  }

  // --- bridges ---------------------------------------------------------------------------------

  createBridge(id: string, type: 'mixing' | 'holding', name: string, app: string): SimBridge {
    const bridge: SimBridge = { id, type, name, channels: [], creationtime: asteriskTime(this.now), app };
    this.bridges.set(id, bridge);
    return bridge;
  }

  announceBridge(bridge: SimBridge): void {
    this.o.emit(bridge.app, 'BridgeCreated', { bridge: this.bridgeJson(bridge) });
  }

  bridgeJson(b: SimBridge): Record<string, unknown> {
    return {
      id: b.id,
      technology: b.type === 'mixing' ? 'simple_bridge' : 'holding_bridge',
      bridge_type: b.type,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: b.name,
      channels: b.channels.map((c) => c.id),
      creationtime: b.creationtime,
      video_mode: 'none',
    };
  }

  enterBridge(bridge: SimBridge, ch: SimChannel): void {
    if (ch.bridge === bridge) return;
    if (ch.bridge) this.leaveBridge(ch);
    bridge.channels.push(ch);
    ch.bridge = bridge;
    this.o.emit(bridge.app, 'ChannelEnteredBridge', { bridge: this.bridgeJson(bridge), channel: this.channelJson(ch) });
  }

  leaveBridge(ch: SimChannel): void {
    const bridge = ch.bridge;
    if (!bridge) return;
    bridge.channels = bridge.channels.filter((c) => c !== ch);
    ch.bridge = null;
    this.o.emit(bridge.app, 'ChannelLeftBridge', { bridge: this.bridgeJson(bridge), channel: this.channelJson(ch) });
  }

  destroyBridge(bridge: SimBridge): void {
    for (const ch of [...bridge.channels]) this.leaveBridge(ch);
    this.bridges.delete(bridge.id);
    this.o.emit(bridge.app, 'BridgeDestroyed', { bridge: this.bridgeJson(bridge) });
  }
}

/** `"Name" <+4412…>` or a bare number, as Asterisk reads a callerId parameter. */
export function parseCallerId(value: string): CallerIdJson {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(value);
  return m ? { name: m[1] ?? '', number: m[2] ?? '' } : { name: '', number: value.trim() };
}
