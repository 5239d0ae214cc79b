// Scripted callers on the real Asterisk. Each is a Local channel the benchmark
// originates; its second half runs [bench-in] (to the line) or [bench-ivr] (the pure
// dialplan IVR). The caller answers each question a moment after its prompt starts
// (barging in, as people who know the line do): PIN and #, 1 for a fault, then the
// critical question. Timing is Asterisk's own: from the ChannelDtmfReceived of the
// answer's last key on the IVR's half to the next prompt starting on it
// (PlaybackStarted for the line; the next Read()/Playback() for the dialplan), both
// from the events' timestamps, so neither the benchmark's nor the line's clock is in it.
import type { AriWatcher, RawEvent } from './watcher.ts';

export type Mode = 'line' | 'dialplan';
export type Step = 'pin' | 'menu' | 'critical';

export interface StepSample {
  step: Step;
  ms: number;
}

export interface CallerScript {
  /** The caller's number (their caller ID). */
  phone: string;
  pin: string;
  /** The answer to "is it critical?": 1 yes, 2 no. */
  critical: '1' | '2';
}

const PROMPT_STEP: Record<string, Step> = {
  'support-line/enter-pin': 'pin',
  'support-line/main-menu': 'menu',
  'support-line/fault-critical-question': 'critical',
};
/** Prompts a caller on this script must never hear from the line. */
const WRONG_TURNS = ['not-verified', 'no-entry', 'invalid-entry', 'auth-failed', 'pin-locked', 'technical-problem', 'enter-account'];

interface Caller {
  id: string;
  inId: string;
  script: CallerScript;
  answered: Set<Step>;
  /** The answer keyed and not yet followed by a prompt. */
  pending: { step: Step; lastKey: string; keyAt: number | null } | null;
  samples: StepSample[];
  /**
   * Playbacks already seen on the IVR's half. Asterisk 22 sends PlaybackStarted for each
   * item of a many-media playback, so only a playback not seen before is the line's reply.
   */
  playbacks: Set<string>;
  done: boolean;
  failure: string | null;
  /** Asterisk's time of the critical key (ChannelDtmfReceived), for the engineer measurement. */
  criticalKeyAt: number | null;
  resolve: () => void;
}

export class ScriptedCallers {
  private readonly callers = new Map<string, Caller>();
  private readonly off: () => void;
  private next = 0;

  constructor(
    private readonly ari: AriWatcher,
    private readonly mode: Mode,
    /** How long after a question's prompt starts the caller keys the answer. */
    private readonly reactionMs: number,
    private readonly label: string,
  ) {
    this.off = ari.on((e) => this.event(e));
  }

  /** Rings once; resolves when the caller has answered the three questions and heard the next prompt (or failed). */
  call(script: CallerScript, stallMs: number): { id: string; finished: Promise<Caller> } {
    const id = `${this.label}-${this.mode}-${this.next++}`;
    let resolve = (): void => undefined;
    const finished = new Promise<void>((r) => (resolve = r));
    const caller: Caller = { id, inId: `${id}-in`, script, answered: new Set(), pending: null, samples: [], playbacks: new Set(), done: false, failure: null, criticalKeyAt: null, resolve };
    this.callers.set(caller.inId, caller);
    const context = this.mode === 'line' ? 'bench-in' : 'bench-ivr';
    this.ari.originate(id, script.phone, context).catch((err: unknown) => this.fail(caller, `originate failed: ${err instanceof Error ? err.message : String(err)}`));
    const timer = setTimeout(() => this.fail(caller, `stalled after ${stallMs / 1000} s (answered: ${[...caller.answered].join(', ') || 'nothing'})`), stallMs);
    return {
      id,
      finished: finished.then(() => {
        clearTimeout(timer);
        return caller;
      }),
    };
  }

  /** Ends the caller's call (its half of the Local channel). */
  async hangUp(id: string): Promise<void> {
    await this.ari.hangup(id);
  }

  detach(): void {
    this.off();
  }

  private fail(caller: Caller, why: string): void {
    if (caller.done) return;
    caller.done = true;
    caller.failure = why;
    caller.resolve();
    void this.ari.hangup(caller.id);
  }

  private finish(caller: Caller): void {
    if (caller.done) return;
    caller.done = true;
    caller.resolve();
  }

  private event(e: RawEvent): void {
    const channelId = e.channel?.id ?? (e.playback?.target_uri.startsWith('channel:') ? e.playback.target_uri.slice('channel:'.length) : undefined);
    if (!channelId) return;
    const caller = this.callers.get(channelId);
    if (!caller || caller.done) return;
    switch (e.type) {
      case 'ChannelDtmfReceived':
        if (caller.pending && caller.pending.keyAt === null && e.digit === caller.pending.lastKey) {
          caller.pending.keyAt = e.at;
          if (caller.pending.step === 'critical') caller.criticalKeyAt = e.at;
        }
        return;
      case 'PlaybackStarted':
      case 'PlaybackContinuing':
        if (this.mode !== 'line' || !e.playback) return;
        {
          const fresh = !caller.playbacks.has(e.playback.id);
          caller.playbacks.add(e.playback.id);
          this.promptStarted(caller, e.playback.media_uri.replace(/^sound:/, ''), e.at, fresh);
        }
        return;
      case 'ChannelDialplan': {
        if (this.mode !== 'dialplan') return;
        const app = String(e['dialplan_app'] ?? '');
        if (app !== 'Read' && app !== 'Playback') return;
        const media = String(e['dialplan_app_data'] ?? '').replace(/^[A-Z]+,/, '').split(',')[0]!;
        this.promptStarted(caller, media, e.at, true);
        return;
      }
      case 'ChannelDestroyed':
      case 'ChannelHangupRequest':
        this.fail(caller, `hung up by the IVR (answered: ${[...caller.answered].join(', ') || 'nothing'})`);
        return;
    }
  }

  /** A prompt began on the IVR's half: the answer's reply (a sample), and maybe the next question. */
  private promptStarted(caller: Caller, media: string, at: number, newCommand: boolean): void {
    const prompt = media.split('&')[0]!;
    if (this.mode === 'line' && WRONG_TURNS.some((w) => prompt === `support-line/${w}`)) {
      this.fail(caller, `heard "${prompt}" after answering ${[...caller.answered].join(', ') || 'nothing'}`);
      return;
    }
    const pending = caller.pending;
    if (pending && pending.keyAt !== null && newCommand) {
      caller.samples.push({ step: pending.step, ms: at - pending.keyAt });
      caller.pending = null;
      if (pending.step === 'critical') {
        this.finish(caller);
        return;
      }
    }
    const step = PROMPT_STEP[prompt];
    if (!step || caller.answered.has(step)) return;
    caller.answered.add(step);
    const keys = step === 'pin' ? `${caller.script.pin}#` : step === 'menu' ? '1' : caller.script.critical;
    setTimeout(() => {
      if (caller.done) return;
      caller.pending = { step, lastKey: keys.at(-1)!, keyAt: null };
      this.ari.dtmf(caller.id, keys).catch((err: unknown) => this.fail(caller, `keys not sent: ${err instanceof Error ? err.message : String(err)}`));
    }, this.reactionMs);
  }
}
