// Legs we originate for a call: on-call engineers (rung, whispered to, bridged only
// on a 1) and the desk (rung through the dialplan, bridged on answer, overflowing to
// voicemail). Each leg's outcome goes back to the flow exactly once.
import { randomUUID } from 'node:crypto';
import { deskDestination, engineerKeyOutcome } from '../../domain/flow/rules.ts';
import type { EngineerOutcome } from '../../domain/flow/types.ts';
import type { AriCall, DeskCommand, DialCommand, Leg } from './call.ts';
import { unansweredOutcome } from './causes.ts';
import { mediaFor } from './media.ts';
import { play, startHold, startMusic, stopHold, stopPlayback } from './caller-media.ts';
import { isNotFound } from './rest.ts';

/** Asterisk's own originate timeout, a backstop behind our ring timer. */
const ORIGINATE_GRACE_SECONDS = 10;

export function engineerEndpoint(call: AriCall, command: DialCommand): string {
  const own = command.engineer.dialTarget.trim();
  if (own !== '') return unoptimised(own);
  return unoptimised(call.ctx.settings.engineerDialTemplate.replaceAll('{number}', command.engineer.phone));
}

/**
 * `Local/x@ctx` → `Local/x@ctx/n`. Asterisk otherwise optimises a Local channel pair
 * away once both halves are bridged, swapping the far end into our bridge: the half we
 * watch would leave the application and the line would take it for a hangup.
 */
export function unoptimised(endpoint: string): string {
  const m = /^Local\/([^/]+)(?:\/([a-z]*))?$/i.exec(endpoint);
  if (!m) return endpoint;
  const options = m[2] ?? '';
  return options.includes('n') ? endpoint : `Local/${m[1]}/${options}n`;
}

/**
 * A leg's channel id names its call, so a process that restarts while the leg is
 * still ringing (not yet in Stasis, so without our appArgs) can still tell it is ours.
 */
export function legId(callId: string): string {
  return `${LEG_PREFIX}${callId}-${randomUUID().slice(0, 8)}`;
}

export const LEG_PREFIX = 'leg-';

/**
 * The call id a leg's channel id names, or null if it is not one of our legs. The other
 * half of a Local leg, which Asterisk names `<our id>;2`, is not a leg of ours: it lives
 * and dies with ours, and hanging it up would end the conversation.
 */
export function legCallId(channelId: string): string | null {
  if (!channelId.startsWith(LEG_PREFIX) || channelId.includes(';')) return null;
  const rest = channelId.slice(LEG_PREFIX.length);
  const cut = rest.lastIndexOf('-');
  return cut > 0 ? rest.slice(0, cut) : null;
}

function newLeg(call: AriCall, kind: Leg['kind'], engineerId: string | null, endpoint: string): Leg {
  const leg: Leg = {
    id: legId(call.callId ?? 'unknown'),
    kind,
    engineerId,
    endpoint,
    status: 'ringing',
    dialStatus: null,
    destroyed: false,
    ringTimer: null,
    whisper: null,
  };
  call.legs.set(leg.id, leg);
  call.ctx.index.channels.set(leg.id, { call, role: 'leg' });
  return leg;
}

// --- engineers -------------------------------------------------------------------

export async function dialEngineer(call: AriCall, command: DialCommand): Promise<void> {
  const endpoint = engineerEndpoint(call, command);
  const leg = newLeg(call, 'engineer', command.engineer.engineerId, endpoint);
  leg.whisper = { command, playbackId: null, promptDone: false, timer: null, accepting: false };
  call.activity = { kind: 'engineer', legId: leg.id };
  leg.ringTimer = call.timer(command.ringSeconds * 1000, () => {
    if (leg.status === 'ringing') return engineerResult(call, leg, 'no_answer', { reason: 'ring timeout' });
  });
  call.note('engineer-dialled', { engineerId: leg.engineerId, endpoint, legId: leg.id, ringSeconds: command.ringSeconds });
  // Ring first: the originate goes out before the caller's announcement and hold start,
  // and neither waits for the other.
  const originated = call.ctx.rest.originate({
    endpoint,
    app: call.ctx.settings.app,
    appArgs: `dialed,${call.callId}`,
    callerId: call.ctx.settings.callerId,
    timeoutSeconds: command.ringSeconds + ORIGINATE_GRACE_SECONDS,
    channelId: leg.id,
  });
  originated.catch(() => undefined); // handled below, after the hold has started
  await startHold(call, command.hold, command.announce);
  try {
    await originated;
  } catch (err) {
    call.log.warn({ err, endpoint }, 'engineer originate refused');
    leg.destroyed = true;
    if (leg.status === 'ringing') {
      await engineerResult(call, leg, 'failed', { reason: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** The leg answered: its StasisStart. */
export async function legAnswered(call: AriCall, leg: Leg): Promise<void> {
  if (leg.status !== 'ringing' || call.gone) {
    // Answered after we gave up on it (or after the caller left).
    await hangUpLeg(call, leg);
    return;
  }
  call.clearTimer(leg.ringTimer);
  leg.ringTimer = null;
  if (leg.kind === 'desk') return deskAnswered(call, leg);
  leg.status = 'whisper';
  call.note('leg-answered', { engineerId: leg.engineerId, legId: leg.id });
  await call.feed({ type: 'engineerAnswered', engineerId: leg.engineerId as string });
  const whisper = leg.whisper;
  if (leg.status !== 'whisper' || call.gone || !whisper) return;
  const media = mediaFor(whisper.command.whisper, call.ctx.settings.soundsFolder);
  const id = randomUUID();
  whisper.playbackId = id;
  if (media.length > 0 && (await play(call, leg.id, id, media, 'whisper'))) return;
  await whisperPromptDone(call, leg, id);
}

/** The whisper's playback ended (played out, or stopped by the engineer's key). */
export async function whisperPromptDone(call: AriCall, leg: Leg, playbackId: string): Promise<void> {
  const whisper = leg.whisper;
  if (leg.status !== 'whisper' || !whisper || whisper.playbackId !== playbackId || whisper.promptDone) return;
  whisper.promptDone = true;
  if (whisper.accepting) return connectEngineer(call, leg);
  whisper.timer = call.timer(whisper.command.whisperTimeoutSeconds * 1000, () => {
    // Nobody pressed anything: most likely their voicemail took the call.
    if (leg.status === 'whisper') return engineerResult(call, leg, 'no_key', { reason: 'whisper timeout' });
  });
}

/** How long an accepted engineer waits for the stopped whisper to end before we bridge regardless. */
const WHISPER_STOP_GRACE_MS = 1_000;

/**
 * One key from the engineer decides; what it means is the flow's rule (engineerKeyOutcome).
 * The accept key stops the whisper and bridges once its playback has ended: Asterisk
 * holds addChannel behind a channel's playback, so bridging first would leave the caller
 * waiting (and our request timing out) until the whisper had played out.
 */
export async function legDigit(call: AriCall, leg: Leg, digit: string): Promise<void> {
  if (leg.status !== 'whisper' || !leg.whisper || leg.whisper.accepting) return;
  const whisper = leg.whisper;
  const outcome = engineerKeyOutcome(whisper.command, digit);
  call.note('engineer-key', { engineerId: leg.engineerId, digit });
  const playing = !whisper.promptDone && whisper.playbackId !== null;
  if (outcome !== 'accepted') {
    if (playing) {
      whisper.promptDone = true;
      await stopPlayback(call, whisper.playbackId as string);
    }
    return engineerResult(call, leg, outcome, {});
  }
  whisper.accepting = true;
  call.clearTimer(whisper.timer);
  whisper.timer = null;
  if (!playing) return connectEngineer(call, leg);
  await stopPlayback(call, whisper.playbackId as string);
  // Its PlaybackFinished calls whisperPromptDone, which connects; this is the backstop.
  whisper.timer = call.timer(WHISPER_STOP_GRACE_MS, () => {
    if (leg.status !== 'whisper') return;
    call.log.warn({ legId: leg.id }, 'the whisper did not stop when asked: bridging the engineer anyway');
    whisper.promptDone = true;
    return connectEngineer(call, leg);
  });
}

/**
 * The engineer accepted and the whisper is over: bridge them, and only then tell the
 * flow they accepted (so the response is met only for a call that was really put
 * through). A bridge Asterisk refuses, or an engineer already gone, counts as a failed
 * leg: the flow rings the next engineer.
 */
async function connectEngineer(call: AriCall, leg: Leg): Promise<void> {
  if (leg.status !== 'whisper' || call.gone) return;
  const whisper = leg.whisper;
  if (whisper) call.clearTimer(whisper.timer);
  leg.status = 'accepted';
  if (call.activity?.kind === 'engineer' && call.activity.legId === leg.id) call.activity = null;
  await stopHold(call);
  if (call.gone) return;
  if (leg.destroyed || !(await bridge(call, leg, 'report'))) {
    await hangUpLeg(call, leg);
    call.note('leg-result', { engineerId: leg.engineerId, legId: leg.id, outcome: 'failed', reason: 'could not bridge after the accept key' });
    if (call.gone) return;
    await call.feed({ type: 'engineerResult', engineerId: leg.engineerId as string, outcome: 'failed' });
    return;
  }
  call.note('leg-result', { engineerId: leg.engineerId, legId: leg.id, outcome: 'accepted' });
  await call.feed({ type: 'engineerResult', engineerId: leg.engineerId as string, outcome: 'accepted' });
}

/** Dial progress on a leg (RINGING, then ANSWER / BUSY / NOANSWER …). */
export function legDialStatus(call: AriCall, leg: Leg, status: string): void {
  if (status === '' || status === 'PROGRESS' || status === 'PROCEEDING') return;
  leg.dialStatus = status;
  call.note('leg-dial', { kind: leg.kind, engineerId: leg.engineerId, legId: leg.id, status });
}

/** The leg's channel is gone. */
export async function legGone(call: AriCall, leg: Leg, cause: number | undefined): Promise<void> {
  if (leg.status === 'done') return;
  leg.destroyed = true;
  switch (leg.status) {
    case 'ringing': {
      const outcome = unansweredOutcome(leg.dialStatus, cause);
      if (leg.kind === 'desk') return deskUnanswered(call, leg, outcome === 'failed' ? 'failed' : 'no_answer', { cause });
      return engineerResult(call, leg, outcome, { cause: cause ?? null, dialStatus: leg.dialStatus });
    }
    case 'whisper':
      return engineerResult(call, leg, 'no_key', { reason: 'hung up during the whisper', cause: cause ?? null });
    case 'accepted':
    case 'bridged':
      // The engineer (or the desk) ended the conversation: the call is over.
      leg.status = 'done';
      call.note('leg-hangup', { kind: leg.kind, engineerId: leg.engineerId, legId: leg.id, cause: cause ?? null });
      await call.hangUpCaller();
      return;
  }
}

async function engineerResult(
  call: AriCall,
  leg: Leg,
  outcome: Exclude<EngineerOutcome, 'locked'>,
  detail: Record<string, unknown>,
): Promise<void> {
  if (leg.status === 'done' || leg.status === 'accepted' || leg.status === 'bridged') return;
  call.clearTimer(leg.ringTimer);
  if (leg.whisper) call.clearTimer(leg.whisper.timer);
  leg.ringTimer = null;
  if (outcome === 'accepted') leg.status = 'accepted';
  else await hangUpLeg(call, leg);
  call.note('leg-result', { engineerId: leg.engineerId, legId: leg.id, outcome, ...detail });
  if (call.gone) return;
  if (call.activity?.kind === 'engineer' && call.activity.legId === leg.id) call.activity = null;
  await call.feed({ type: 'engineerResult', engineerId: leg.engineerId as string, outcome });
}

/** Hangs up a leg that is still up (idempotent; a gone channel is fine). */
export async function hangUpLeg(call: AriCall, leg: Leg): Promise<void> {
  call.clearTimer(leg.ringTimer);
  if (leg.whisper) call.clearTimer(leg.whisper.timer);
  leg.ringTimer = null;
  const wasUp = !leg.destroyed;
  leg.status = 'done';
  leg.destroyed = true;
  if (!wasUp) return;
  try {
    await call.ctx.rest.hangup(leg.id, 'normal');
  } catch (err) {
    if (!isNotFound(err)) call.log.warn({ err, legId: leg.id }, 'could not hang up a leg');
  }
}

/** The flow's bridgeEngineer: the engineer was bridged before the flow heard they accepted (connectEngineer). */
export async function bridgeEngineer(call: AriCall, engineerId: string): Promise<void> {
  const leg = [...call.legs.values()].find((l) => l.engineerId === engineerId && (l.status === 'bridged' || l.status === 'accepted'));
  if (!leg) {
    call.log.warn({ engineerId }, 'asked to bridge an engineer who is no longer on the line');
    await call.fail('engineer leg gone before the bridge');
    return;
  }
  if (leg.status === 'accepted') {
    await stopHold(call);
    if (!(await bridge(call, leg, 'fail'))) return;
  }
  // Nothing more is fed to the flow until someone hangs up: the connection's facts go now.
  call.flushNotes();
}

/**
 * Puts the caller and the leg in a new bridge. When Asterisk refuses, `fail` ends the
 * call with the technical-problem message; `report` leaves the call to the caller of this.
 */
async function bridge(call: AriCall, leg: Leg, onRefusal: 'fail' | 'report'): Promise<boolean> {
  const bridgeId = randomUUID();
  try {
    await call.ctx.rest.createBridge(bridgeId);
    call.bridgeId = bridgeId;
    await call.ctx.rest.addToBridge(bridgeId, [call.channelId, leg.id]);
  } catch (err) {
    call.log.error({ err, legId: leg.id }, 'could not bridge the call');
    if (onRefusal === 'fail') {
      await call.fail('bridge refused');
    } else if (call.bridgeId === bridgeId) {
      call.bridgeId = null;
      await call.ctx.rest.destroyBridge(bridgeId).catch(() => undefined);
    }
    return false;
  }
  leg.status = 'bridged';
  call.activity = { kind: 'bridged', bridgeId, legId: leg.id };
  call.note('bridged', { bridgeId, kind: leg.kind, engineerId: leg.engineerId, legId: leg.id });
  return true;
}

// --- the desk ----------------------------------------------------------------------

export async function connectDesk(call: AriCall, command: DeskCommand): Promise<void> {
  const settings = call.ctx.settings;
  const target = deskDestination(command, settings.deskExtensions);
  if (!target) {
    call.note('desk-result', { outcome: 'failed', reason: `no desk extension for ${command.queue}` });
    await call.feed({ type: 'deskResult', outcome: 'failed' });
    return;
  }
  const endpoint = unoptimised(`Local/${target.destination}@${settings.deskContext}`);
  const leg = newLeg(call, 'desk', null, endpoint);
  const overflow = call.timer(command.ringSeconds * 1000, () => {
    if (leg.status === 'ringing') return deskUnanswered(call, leg, 'no_answer', { reason: 'overflow' });
  });
  call.activity = { kind: 'desk', legId: leg.id, overflow };
  await startMusic(call);
  const fellBack = target.queue !== command.queue ? { insteadOf: command.queue } : {};
  call.note('desk-dialled', { queue: target.queue, ...fellBack, endpoint, legId: leg.id, overflowSeconds: command.ringSeconds });
  try {
    await call.ctx.rest.originate({
      endpoint,
      app: settings.app,
      appArgs: `desk,${call.callId}`,
      // The desk sees who is calling.
      callerId: call.channel.caller.number,
      timeoutSeconds: command.ringSeconds + ORIGINATE_GRACE_SECONDS,
      channelId: leg.id,
    });
  } catch (err) {
    call.log.warn({ err, endpoint }, 'desk originate refused');
    leg.destroyed = true;
    if (leg.status === 'ringing') await deskUnanswered(call, leg, 'failed', { reason: 'originate refused' });
  }
}

async function deskAnswered(call: AriCall, leg: Leg): Promise<void> {
  if (call.activity?.kind === 'desk') call.clearActivity();
  call.note('desk-answered', { legId: leg.id });
  await stopHold(call);
  if (!(await bridge(call, leg, 'fail'))) return;
  await call.feed({ type: 'deskResult', outcome: 'answered' });
}

async function deskUnanswered(
  call: AriCall,
  leg: Leg,
  outcome: 'no_answer' | 'failed',
  detail: Record<string, unknown>,
): Promise<void> {
  if (leg.status === 'done') return;
  await hangUpLeg(call, leg);
  if (call.gone) return;
  if (call.activity?.kind === 'desk' && call.activity.legId === leg.id) call.clearActivity();
  await stopHold(call);
  call.note('desk-result', { legId: leg.id, outcome, ...detail });
  await call.feed({ type: 'deskResult', outcome });
}
