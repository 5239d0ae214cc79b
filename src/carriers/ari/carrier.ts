// The Asterisk carrier: a Stasis application that runs the one call flow. Events from
// Asterisk are routed to the call they belong to and handled on that call's queue;
// the flow's media commands are carried out with ARI (see call.ts and beside it).
// With several instances, one holds the application and the others stand by (holder.ts).
import type { Logger } from 'pino';
import type { CallDriver } from '../../calls/types.ts';
import { AriCall, CallIndex, type CallContext, type Leg } from './call.ts';
import { callerDigit, playbackFinished, recordingFinished, recordingStarted } from './caller-media.ts';
import { AriClient, type AriClientOptions, type AriStatus } from './client.ts';
import type { AriEvent } from './events.ts';
import { FallbackSweep } from './fallback-sweep.ts';
import { AppHolder, type HolderStatus } from './holder.ts';
import { legAnswered, legDialStatus, legDigit, legGone, whisperPromptDone } from './legs.ts';
import { WorkCounter } from './queue.ts';
import { resumeCalls } from './resume.ts';
import { SoundCheck } from './sounds.ts';
import type { AriSettings } from './settings.ts';
import { realTimers, type Timers } from './timers.ts';

/** How long stop() waits for steps under way. */
const STOP_GRACE_MS = 5_000;

export interface AriCarrierDeps {
  settings: AriSettings;
  driver: CallDriver;
  logger: Logger;
  timers?: Timers;
  /** Connection tuning (backoff, timeouts, keepalive); the tests shorten them. */
  connection?: Pick<AriClientOptions, 'backoff' | 'requestTimeoutMs' | 'keepaliveMs' | 'random'>;
  /**
   * Several instances share the application: this one runs it only while it holds the
   * lease. Without one (a single instance, no Redis) it runs it from the start.
   */
  holder?: AppHolder;
}

export interface AriCarrierStatus extends AriStatus {
  activeCalls: number;
  /** `single` without a lease; otherwise whether this instance holds the application now. */
  role: 'single' | HolderStatus['role'];
  /** Who holds the application as last seen (null without a lease). */
  heldBy: string | null;
}

export interface AriCarrier {
  start(): void;
  stop(): Promise<void>;
  /** For /readyz and metrics. */
  status(): AriCarrierStatus;
  /** Events, requests and notes still in flight (0 when the carrier is idle). */
  pendingWork(): number;
  /** The same, in parts: queue tasks under way, promises tracked, requests to Asterisk (for the tests' idle check). */
  workInParts(): { running: number; tracked: number; requests: number };
  readonly client: AriClient;
  /** Whether Asterisk has every sound the line plays (asked on connect, and by /readyz). */
  readonly sounds: SoundCheck;
  /** Messages the dialplan took while the line was not connected, handed to the call service. */
  readonly fallback: FallbackSweep;
}

export function createAriCarrier(deps: AriCarrierDeps): AriCarrier {
  const timers = deps.timers ?? realTimers;
  const logger = deps.logger.child({ carrier: 'asterisk' });
  const holder = deps.holder ?? null;
  const client = new AriClient({
    url: deps.settings.url,
    username: deps.settings.username,
    password: deps.settings.password,
    app: deps.settings.app,
    logger,
    timers,
    ...deps.connection,
    ...(holder ? { mayAct: () => holder.mayAct() } : {}),
  });
  const work = new WorkCounter();
  // One term of running the application: calls of an earlier term (this instance held
  // the application, lost it, and took it again) were halted and are resumed afresh.
  let index = new CallIndex();
  let lifecycle = { stopped: false };
  let ctx: CallContext = newContext('restart');

  function newContext(resumedAfter: CallContext['resumedAfter']): CallContext {
    return { lifecycle, resumedAfter, rest: client.rest, driver: deps.driver, timers, settings: deps.settings, logger, index, work };
  }

  const sounds = new SoundCheck({ rest: () => client.rest, folder: deps.settings.soundsFolder, timers, logger });
  const fallback = new FallbackSweep({ rest: () => client.rest, driver: deps.driver, timers, logger });

  function connect(): void {
    client.start({
      onEvent: route,
      onConnected: () => {
        holder?.asteriskConnected();
        work.track(resumeCalls(ctx));
        work.track(sounds.check());
        fallback.start((w) => work.track(w));
      },
      onDisconnected: () => {
        fallback.stop();
        holder?.asteriskLost();
      },
    });
  }

  /** Stops acting for this term: timers dropped, the socket closed; the calls stay in Asterisk. */
  function endTerm(): Promise<void> {
    lifecycle.stopped = true;
    fallback.stop();
    for (const call of index.calls) call.halt();
    index = new CallIndex();
    return client.stop();
  }

  function route(event: AriEvent): void {
    switch (event.type) {
      case 'StasisStart':
        return stasisStart(event.channel.id, event.args, event);
      case 'StasisEnd': {
        const found = index.channels.get(event.channel.id);
        if (!found) return;
        const { call, role } = found;
        if (role === 'caller') call.enqueue(() => call.callerGone(undefined));
        else call.enqueue(() => withLeg(call, event.channel.id, (leg) => legGone(call, leg, undefined)));
        return;
      }
      case 'ChannelHangupRequest': {
        const found = index.channels.get(event.channel.id);
        if (found?.role === 'caller') found.call.onHangupRequest(event.cause, event.soft === true);
        // Even a leg already let go of: its playback's end may still come.
        for (const info of index.playbacks.values()) if (info.channelId === event.channel.id) info.hungUp = true;
        return;
      }
      case 'ChannelDestroyed': {
        const found = index.channels.get(event.channel.id);
        if (!found) return;
        const { call, role } = found;
        if (role === 'caller') call.enqueue(() => call.callerGone(event.cause));
        else call.enqueue(() => withLeg(call, event.channel.id, (leg) => legGone(call, leg, event.cause)));
        return;
      }
      case 'ChannelDtmfReceived': {
        const found = index.channels.get(event.channel.id);
        if (!found) return;
        const { call, role } = found;
        if (role === 'caller') call.enqueue(() => callerDigit(call, event.digit));
        else call.enqueue(() => withLeg(call, event.channel.id, (leg) => legDigit(call, leg, event.digit)));
        return;
      }
      case 'Dial': {
        const found = index.channels.get(event.peer.id);
        if (found?.role !== 'leg') return;
        const call = found.call;
        call.enqueue(() => withLeg(call, event.peer.id, (leg) => legDialStatus(call, leg, event.dialstatus)));
        return;
      }
      case 'PlaybackFinished': {
        const info = index.playbacks.get(event.playback.id);
        if (!info) return;
        index.playbacks.delete(event.playback.id);
        const call = info.call;
        call.enqueue(async () => {
          await playbackFinished(call, info, event.playback);
          if (info.role === 'whisper') {
            await withLeg(call, info.channelId, (leg) => whisperPromptDone(call, leg, event.playback.id));
          }
        });
        return;
      }
      case 'RecordingStarted': {
        const call = index.recordings.get(event.recording.name);
        call?.enqueue(() => recordingStarted(call, event.recording));
        return;
      }
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const call = index.recordings.get(event.recording.name);
        call?.enqueue(() => recordingFinished(call, event.recording, event.type === 'RecordingFailed'));
        return;
      }
      case 'PlaybackStarted':
      case 'PlaybackContinuing':
      case 'ChannelStateChange':
      case 'ChannelEnteredBridge':
      case 'ChannelLeftBridge':
      case 'BridgeDestroyed':
      case 'ApplicationReplaced':
        return;
    }
  }

  function stasisStart(channelId: string, args: string[], event: Extract<AriEvent, { type: 'StasisStart' }>): void {
    const found = index.channels.get(channelId);
    if (found?.role === 'leg') {
      const call = found.call;
      call.enqueue(() => withLeg(call, channelId, (leg) => legAnswered(call, leg)));
      return;
    }
    if (found) return;
    if (args[0] === 'dialed' || args[0] === 'desk') {
      // A leg nobody is waiting for any more (rung before a restart): let it go.
      logger.warn({ channelId, args }, 'unknown leg entered the application: hanging it up');
      work.track(client.rest.hangup(channelId, 'normal').catch(() => undefined));
      return;
    }
    const call = new AriCall(ctx, event.channel);
    call.enqueue(() => call.begin(args));
  }

  return {
    client,
    sounds,
    fallback,
    start() {
      if (!holder) return connect();
      holder.start({
        onHold: (after) => {
          index = new CallIndex();
          lifecycle = { stopped: false };
          ctx = newContext(after === 'failover' ? 'failover' : 'restart');
          connect();
        },
        onRelease: () => work.track(endTerm()),
      });
    },
    async stop() {
      // Calls are left in Asterisk (a bridged conversation carries on there); the next
      // holder finds them with GET /channels and picks them up from the call service.
      await endTerm();
      // The lease is given up after the socket is closed, so the next holder's connection
      // is never refused as a second one.
      await holder?.stop();
      // Steps already under way finish (a few ms), unless the call service hangs.
      await Promise.race([work.drained(), new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
    },
    status() {
      const lease = holder?.status();
      return { ...client.status(), activeCalls: index.calls.size, role: lease?.role ?? 'single', heldBy: lease?.heldBy ?? null };
    },
    pendingWork() {
      return work.pending + client.rest.inFlight + (client.connecting ? 1 : 0);
    },
    workInParts() {
      return { running: work.running, tracked: work.tracked, requests: client.rest.inFlight };
    },
  };
}

async function withLeg(call: AriCall, legId: string, fn: (leg: Leg) => Promise<void> | void): Promise<void> {
  const leg = call.legs.get(legId);
  if (leg) await fn(leg);
}
