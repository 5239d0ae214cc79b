// After the event socket comes back (or the process starts), Asterisk may hold calls
// we missed events for. Calls still in memory re-check what they were waiting on;
// calls only the call service remembers are picked up from its snapshot; the rest
// are told of a technical problem and hung up cleanly (their ticket stays).
import type { FlowState } from '../../domain/flow/types.ts';
import { AriCall, type CallContext, type Leg } from './call.ts';
import { playHoldIfStopped, startGather, stopLastPlayback, stopPlayback } from './caller-media.ts';
import { legAnswered, legCallId, legGone, whisperPromptDone } from './legs.ts';
import type { Channel } from './models.ts';
import { isNotFound } from './rest.ts';

export async function resumeCalls(ctx: CallContext): Promise<void> {
  let channels: Channel[];
  try {
    channels = await ctx.rest.listChannels();
  } catch (err) {
    ctx.logger.warn({ err }, 'could not list channels to resume calls');
    return;
  }
  const present = new Map(channels.map((c) => [c.id, c]));
  for (const call of [...ctx.index.calls]) call.enqueue(() => recheck(call, present));
  for (const channel of channels) {
    if (ctx.index.channels.has(channel.id)) continue;
    const args = stasisArgs(channel, ctx.settings.app);
    // Legs are dealt with by their caller's call; other channels are not ours.
    if (legCallId(channel.id) !== null || args === null || args[0] === 'dialed' || args[0] === 'desk') continue;
    await adopt(ctx, channel, channels);
  }
}

/** The arguments of `Stasis(app,args…)` the channel sits in, or null if not in ours. */
export function stasisArgs(channel: Channel, app: string): string[] | null {
  if (channel.dialplan.app_name !== 'Stasis') return null;
  const [name, ...args] = (channel.dialplan.app_data ?? '').split(',');
  return name === app ? args : null;
}

// --- calls still in memory --------------------------------------------------------

async function recheck(call: AriCall, present: Map<string, Channel>): Promise<void> {
  if (call.gone) return;
  if (!present.has(call.channelId)) {
    await call.callerGone(undefined, 'channel gone while the event socket was down');
    return;
  }
  call.note('resumed', { after: 'event socket reconnect', waitingOn: call.activity?.kind ?? null });
  for (const leg of [...call.legs.values()]) await recheckLeg(call, leg, present.get(leg.id));
  if (call.gone) return;
  await playHoldIfStopped(call);
  const activity = call.activity;
  switch (activity?.kind) {
    case 'play':
      if (await playbackGone(call, activity.playbackId)) {
        call.activity = null;
        await call.next();
      }
      return;
    case 'gather':
      // Keys pressed while we were away are lost: ask the question again.
      call.clearActivity();
      if (activity.playbackId) await stopPlayback(call, activity.playbackId);
      await startGather(call, activity.command);
      return;
    case 'record':
      if (await recordingGone(call, activity.name)) {
        const stored = await call.ctx.rest.getStoredRecording(activity.name).then(
          () => true,
          () => false,
        );
        call.clearActivity();
        call.ctx.index.recordings.delete(activity.name);
        const seconds = activity.startedAt ? Math.round((call.now().getTime() - activity.startedAt.getTime()) / 1000) : 0;
        await call.feed({ type: 'recorded', recordingName: stored ? activity.name : null, durationSeconds: seconds });
      }
      return;
    default:
      return;
  }
}

async function recheckLeg(call: AriCall, leg: Leg, channel: Channel | undefined): Promise<void> {
  if (leg.status === 'done' || call.gone) return;
  if (!channel) return legGone(call, leg, undefined);
  // Its StasisStart was lost: it answered while we were away.
  if (leg.status === 'ringing' && channel.state === 'Up' && stasisArgs(channel, call.ctx.settings.app) !== null) {
    return legAnswered(call, leg);
  }
  const whisper = leg.whisper;
  if (leg.status === 'whisper' && whisper?.playbackId && !whisper.promptDone && (await playbackGone(call, whisper.playbackId))) {
    await whisperPromptDone(call, leg, whisper.playbackId);
  }
}

async function playbackGone(call: AriCall, id: string): Promise<boolean> {
  try {
    await call.ctx.rest.getPlayback(id);
    return false;
  } catch (err) {
    return isNotFound(err);
  }
}

async function recordingGone(call: AriCall, name: string): Promise<boolean> {
  try {
    await call.ctx.rest.getLiveRecording(name);
    return false;
  } catch (err) {
    return isNotFound(err);
  }
}

// --- calls only the call service remembers (this process restarted, or took over) -

async function adopt(ctx: CallContext, channel: Channel, channels: Channel[]): Promise<void> {
  let callId: string | null;
  let state: FlowState | null;
  try {
    callId = await ctx.driver.findCall('asterisk', channel.id);
    // No record: a brand-new call whose StasisStart is on its way.
    if (callId === null) return;
    state = await ctx.driver.snapshot(callId);
  } catch (err) {
    ctx.logger.warn({ err, channelId: channel.id }, 'could not look up a call to resume');
    return;
  }
  if (ctx.index.channels.has(channel.id)) return;
  const call = new AriCall(ctx, channel);
  call.adopt(callId);
  const legs = channels.filter((c) => {
    if (legCallId(c.id) === callId) return true;
    const args = stasisArgs(c, ctx.settings.app);
    return args !== null && (args[0] === 'dialed' || args[0] === 'desk') && args[1] === callId;
  });
  call.enqueue(() => resumeFromSnapshot(call, state, legs));
}

const QUESTION_PHASES = new Set(['account', 'pin', 'menu', 'critical', 'adhoc', 'announcement', 'ticketRef']);

/** The flow repeats what it waits on when told the call resumed: a question, an engineer's ring, the desk's. */
function repeatable(state: FlowState): boolean {
  if (QUESTION_PHASES.has(state.phase)) return true;
  if (state.phase === 'ringing') return state.ladder?.current != null;
  return state.phase === 'desk' && state.outcome !== 'desk';
}

async function resumeFromSnapshot(call: AriCall, state: FlowState | null, legs: Channel[]): Promise<void> {
  call.note('resumed', { after: call.ctx.resumedAfter, phase: state?.phase ?? null, legs: legs.length });
  if (!state || state.phase === 'ended' || state.phase === 'ending') {
    for (const leg of legs) await call.ctx.rest.hangup(leg.id).catch(() => undefined);
    await call.hangUpCaller();
    return;
  }
  const inBridge = (state.phase === 'bridged' || (state.phase === 'desk' && state.outcome === 'desk')) && legs.length > 0;
  if (inBridge) {
    // The conversation carries on in Asterisk without us; keep watching it so a
    // hangup on either side ends the other.
    const other = legs.find((l) => l.state === 'Up') ?? (legs[0] as Channel);
    for (const stray of legs) if (stray !== other) await call.ctx.rest.hangup(stray.id).catch(() => undefined);
    const leg: Leg = {
      id: other.id,
      kind: state.phase === 'bridged' ? 'engineer' : 'desk',
      engineerId: state.engineerId,
      endpoint: other.name,
      status: 'bridged',
      dialStatus: 'ANSWER',
      destroyed: false,
      ringTimer: null,
      whisper: null,
    };
    call.legs.set(leg.id, leg);
    call.ctx.index.channels.set(leg.id, { call, role: 'leg' });
    call.activity = { kind: 'bridged', bridgeId: '', legId: leg.id };
    return;
  }
  // Legs rung before the restart have nobody to report to: hang them up.
  for (const leg of legs) await call.ctx.rest.hangup(leg.id).catch(() => undefined);
  // The old process's prompt may still be playing: stop it, or the question plays twice.
  await stopLastPlayback(call);
  if (repeatable(state)) {
    // The flow asks its question again, or rings the same engineer or the desk again:
    // the restart is ours, so nothing counts against the caller (not a silence, not a failed leg).
    await call.feed({ type: 'resumed' });
    return;
  }
  if (state.phase === 'desk') {
    // The desk had answered, but their leg is gone: the conversation cannot be rejoined.
    await call.feed({ type: 'deskResult', outcome: 'failed' });
    return;
  }
  await call.fail(`cannot resume a call in phase ${state.phase}`);
}
