// The caller's side of a call: prompts, key entry with barge-in, the hold loop and
// the voicemail recording, each as ARI playbacks and recordings.
import { randomUUID } from 'node:crypto';
import type { Utterance } from '../../domain/prompts.ts';
import type { Activity, AriCall, Gather, GatherCommand, PlaybackInfo } from './call.ts';
import type { LiveRecording, Playback } from './models.ts';
import { mediaFor, promptOf } from './media.ts';
import { isNotFound } from './rest.ts';
import type { MediaCommand } from '../../domain/flow/types.ts';
import { isMessage } from '../../domain/flow/rules.ts';

/** Silence between two runs of the hold prompt, so it does not nag. */
export const HOLD_GAP_MS = 4_000;
/** Asterisk ends a recording at maxDurationSeconds; this is our backstop if it does not. */
const RECORDING_GRACE_SECONDS = 30;

type RecordCommand = Extract<MediaCommand, { kind: 'record' }>;

export async function startPlay(call: AriCall, utterance: Utterance): Promise<void> {
  const media = mediaFor(utterance, call.ctx.settings.soundsFolder);
  if (media.length === 0) return;
  const id = randomUUID();
  call.activity = { kind: 'play', playbackId: id };
  if (await play(call, call.channelId, id, media, 'caller')) return;
  // Could not play it: say nothing rather than stall the call.
  if (call.activity?.kind === 'play' && call.activity.playbackId === id) call.activity = null;
}

export async function startGather(call: AriCall, command: GatherCommand): Promise<void> {
  const gather: Gather = { kind: 'gather', command, playbackId: null, promptDone: false, digits: '', timer: null };
  call.activity = gather;
  const media = mediaFor(command.utterance, call.ctx.settings.soundsFolder);
  if (media.length > 0) {
    const id = randomUUID();
    gather.playbackId = id;
    if (await play(call, call.channelId, id, media, 'caller')) return;
  }
  gather.promptDone = true;
  armGather(call, gather, command.timeoutSeconds);
}

/**
 * A key from the caller: barge-in, then collect until #, maxDigits or a pause. Keys are
 * not noted one by one: the flow's `keys` entry has the whole entry (a PIN masked).
 */
export async function callerDigit(call: AriCall, digit: string): Promise<void> {
  const gather = call.activity;
  if (gather?.kind !== 'gather') {
    // Keys outside a question (during a message, a recording, the hold prompt) mean nothing;
    // the digit itself is not kept, as it may be a PIN typed ahead.
    call.note('key-ignored', { during: gather?.kind ?? 'nothing' });
    return;
  }
  const command = gather.command;
  if (!gather.promptDone && gather.playbackId) {
    gather.promptDone = true;
    call.note('barge-in', { question: command.purpose });
    await stopPlayback(call, gather.playbackId);
  }
  if (command.terminator !== null && digit === command.terminator) return finishGather(call, gather);
  gather.digits += digit;
  if (gather.digits.length >= command.maxDigits) return finishGather(call, gather);
  armGather(call, gather, command.interDigitSeconds);
}

function armGather(call: AriCall, gather: Gather, seconds: number): void {
  call.clearTimer(gather.timer);
  gather.timer = call.timer(seconds * 1000, async () => {
    if (call.activity !== gather) return;
    gather.timer = null;
    if (gather.digits === '') {
      call.activity = null;
      await call.feed({ type: 'inputTimeout' });
    } else {
      await finishGather(call, gather);
    }
  });
}

async function finishGather(call: AriCall, gather: Gather): Promise<void> {
  call.clearTimer(gather.timer);
  gather.timer = null;
  call.activity = null;
  await call.feed({ type: 'input', digits: gather.digits });
}

/** A playback of ours ended (done, stopped or failed). */
export async function playbackFinished(call: AriCall, info: PlaybackInfo, playback: Playback): Promise<void> {
  // Asterisk ends a playback cut short by its channel's hang-up as failed ("Playback
  // failed"): that is the hang-up, not a sound that could not be played.
  const failed = playback.state === 'failed' && !info.hungUp;
  if (info.role !== 'hold' || failed) {
    const folder = call.ctx.settings.soundsFolder;
    call.note(failed ? 'playback-failed' : 'playback', {
      on: info.role === 'whisper' ? 'engineer' : 'caller',
      media: info.media.map((m) => promptOf(m, folder) ?? m),
      stopped: info.stopped,
      ...(info.hungUp ? { hungUp: true } : {}),
    });
  }
  if (info.role === 'hold') return holdFinished(call, playback.id, failed);
  const activity = call.activity;
  if (activity?.kind === 'play' && activity.playbackId === playback.id) {
    call.activity = null;
    await call.next();
  } else if (activity?.kind === 'gather' && activity.playbackId === playback.id && !activity.promptDone) {
    activity.promptDone = true;
    armGather(call, activity, activity.command.timeoutSeconds);
  }
}

export async function play(
  call: AriCall,
  channelId: string,
  id: string,
  media: string[],
  role: PlaybackInfo['role'],
): Promise<boolean> {
  const playbacks = call.ctx.index.playbacks;
  playbacks.set(id, { call, channelId, role, media, stopped: false, hungUp: false });
  try {
    // The caller's playback id rides on their channel: a process that takes the call over
    // after a restart stops it before asking again (stopLastPlayback), or the caller would
    // hear the question twice. Sent before the play and never awaited: Asterisk sets a
    // variable on the channel's Stasis thread, after what is queued there, so the request
    // answers only once a playback ahead of it has ended. Awaited, it held the call's next
    // step (keys, the engineer's answer) for up to the 5 s request timeout on every
    // question (Asterisk 22.10.1: an engineer's answer was seen 2 s late).
    if (channelId === call.channelId) void call.ctx.rest.setVariable(channelId, PLAYBACK_VARIABLE, id).catch(() => undefined);
    await call.ctx.rest.play(channelId, id, media);
    return true;
  } catch (err) {
    playbacks.delete(id);
    call.log.warn({ err, media }, 'playback refused');
    if (isNotFound(err) && channelId === call.channelId) call.pending = [];
    return false;
  }
}

/** The channel variable holding the id of the last playback started on the caller's channel. */
export const PLAYBACK_VARIABLE = 'SUPPORT_LINE_PLAYBACK';

/** After a restart: stops what the previous process was still playing to the caller, if anything. */
export async function stopLastPlayback(call: AriCall): Promise<void> {
  let id: string;
  try {
    id = (await call.ctx.rest.getVariable(call.channelId, PLAYBACK_VARIABLE)).value;
  } catch {
    return; // never set (nothing played yet), or the channel is gone
  }
  if (id === '') return;
  try {
    await call.ctx.rest.stopPlayback(id);
    call.note('playback-stopped', { after: 'restart' });
  } catch (err) {
    // 404: it had already ended.
    if (!isNotFound(err)) call.log.warn({ err }, 'could not stop the previous process\'s playback');
  }
}

export async function stopPlayback(call: AriCall, id: string): Promise<void> {
  const info = call.ctx.index.playbacks.get(id);
  if (info) info.stopped = true;
  try {
    await call.ctx.rest.stopPlayback(id);
  } catch (err) {
    // 404: it had just finished.
    if (!isNotFound(err)) call.log.warn({ err }, 'could not stop a playback');
  }
}

// --- the hold loop -------------------------------------------------------------

/** `intro` is said once, first (an announcement); `utterance` is repeated until the hold stops. */
export async function startHold(call: AriCall, utterance: Utterance, intro: Utterance = []): Promise<void> {
  if (call.hold) return;
  const folder = call.ctx.settings.soundsFolder;
  const media = mediaFor(utterance, folder);
  const introMedia = mediaFor(intro, folder);
  if (media.length === 0 && introMedia.length === 0) return startMusic(call);
  call.hold = { kind: 'prompt', media, intro: introMedia, playbackId: null, timer: null };
  call.note('hold-started', { media: [...introMedia, ...media].map((m) => promptOf(m, folder) ?? m) });
  await playHold(call);
}

export async function startMusic(call: AriCall): Promise<void> {
  if (call.hold) return;
  call.hold = { kind: 'moh' };
  call.note('hold-started', { music: true });
  try {
    await call.ctx.rest.startMoh(call.channelId);
  } catch (err) {
    call.log.warn({ err }, 'could not start music on hold');
  }
}

async function playHold(call: AriCall): Promise<void> {
  const hold = call.hold;
  if (hold?.kind !== 'prompt' || call.gone || hold.playbackId !== null) return;
  hold.timer = null;
  const media = [...hold.intro, ...hold.media];
  hold.intro = [];
  if (media.length === 0) return;
  const id = randomUUID();
  hold.playbackId = id;
  if (!(await play(call, call.channelId, id, media, 'hold')) && hold.playbackId === id) hold.playbackId = null;
}

/** After a reconnect: the hold prompt's end may have been missed. */
export async function playHoldIfStopped(call: AriCall): Promise<void> {
  const hold = call.hold;
  if (hold?.kind !== 'prompt' || hold.playbackId === null) return;
  const id = hold.playbackId;
  try {
    await call.ctx.rest.getPlayback(id);
  } catch (err) {
    if (!isNotFound(err) || call.hold !== hold || hold.playbackId !== id) return;
    call.ctx.index.playbacks.delete(id);
    hold.playbackId = null;
    await playHold(call);
  }
}

function holdFinished(call: AriCall, id: string, failed: boolean): void {
  const hold = call.hold;
  if (hold?.kind !== 'prompt' || hold.playbackId !== id) return;
  hold.playbackId = null;
  // A hold prompt that cannot be played would loop on failure: leave silence instead.
  if (failed) return;
  hold.timer = call.timer(HOLD_GAP_MS, () => {
    if (call.hold === hold) return playHold(call);
  });
}

export async function stopHold(call: AriCall): Promise<void> {
  const hold = call.hold;
  if (!hold) return;
  call.hold = null;
  if (hold.kind === 'prompt') call.clearTimer(hold.timer);
  if (call.gone) return;
  call.note('hold-stopped', {});
  if (hold.kind === 'moh') {
    await call.ctx.rest.stopMoh(call.channelId).catch((err: unknown) => {
      if (!isNotFound(err)) call.log.warn({ err }, 'could not stop music on hold');
    });
  } else if (hold.playbackId) {
    await stopPlayback(call, hold.playbackId);
  }
}

// --- voicemail ------------------------------------------------------------------

export async function startRecord(call: AriCall, command: RecordCommand): Promise<void> {
  const activity: Extract<Activity, { kind: 'record' }> = { kind: 'record', name: command.name, startedAt: null, backstop: null };
  call.activity = activity;
  call.ctx.index.recordings.set(command.name, call);
  try {
    await call.ctx.rest.record(call.channelId, {
      name: command.name,
      format: 'wav',
      maxDurationSeconds: command.maxSeconds,
      maxSilenceSeconds: command.maxSilenceSeconds,
      beep: true,
      terminateOn: '#',
      // A resumed call may record again under the same name.
      ifExists: 'overwrite',
    });
  } catch (err) {
    call.log.warn({ err }, 'recording refused');
    call.ctx.index.recordings.delete(command.name);
    if (call.activity === activity) call.activity = null;
    call.note('recording-failed', { name: command.name, error: err instanceof Error ? err.message : String(err) });
    await call.feed({ type: 'recorded', recordingName: null, durationSeconds: 0 });
    return;
  }
  const current = call.activity;
  if (current?.kind === 'record' && current.name === command.name) {
    current.backstop = call.timer((command.maxSeconds + RECORDING_GRACE_SECONDS) * 1000, async () => {
      await call.ctx.rest.stopRecording(command.name).catch(() => undefined);
    });
  }
}

export function recordingStarted(call: AriCall, recording: LiveRecording): void {
  const activity = call.activity;
  if (activity?.kind !== 'record' || activity.name !== recording.name) return;
  activity.startedAt = call.now();
  call.note('recording-started', { name: recording.name });
}

export async function recordingFinished(call: AriCall, recording: LiveRecording, failed: boolean): Promise<void> {
  const activity = call.activity;
  if (activity?.kind !== 'record' || activity.name !== recording.name) return;
  call.clearTimer(activity.backstop);
  call.activity = null;
  call.ctx.index.recordings.delete(recording.name);
  const duration = recording.duration ?? 0;
  const talking = recording.talking_duration ?? null;
  const message = !failed && isMessage({ durationSeconds: duration, talkingSeconds: talking });
  call.note(failed ? 'recording-failed' : 'recording-finished', {
    name: recording.name,
    state: recording.state,
    durationSeconds: duration,
    talkingSeconds: talking,
    cause: recording.cause ?? null,
  });
  await Promise.all([
    message ? undefined : discardRecording(call, recording.name),
    call.feed({ type: 'recorded', recordingName: message ? recording.name : null, durationSeconds: duration }),
  ]);
}

/**
 * A recording that holds no message is deleted from Asterisk at once: nothing refers to
 * it (the call and ticket say no message was left), so retention would never find it and
 * such files would pile up on the PBX.
 */
export async function discardRecording(call: AriCall, name: string): Promise<void> {
  call.note('recording-discarded', { name });
  try {
    await call.ctx.rest.deleteStoredRecording(name);
  } catch (err) {
    // 404: nothing was written (a failed recording, a caller gone before the tone).
    if (!isNotFound(err)) call.log.warn({ err, recording: name }, 'could not delete a recording that holds no message; it stays on Asterisk');
  }
}
