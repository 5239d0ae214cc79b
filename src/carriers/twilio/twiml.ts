// The flow's media commands as TwiML. One document answers one webhook, so it runs
// the commands up to the first one that hands the call to Twilio (a question, a
// dial, a recording, a hang-up); Twilio's next request reports how that went.
import twilio from 'twilio';
import type { Step } from '../../calls/types.ts';
import { deskDestination } from '../../domain/flow/rules.ts';
import type { MediaCommand } from '../../domain/flow/types.ts';
import { prompt, utteranceText, type Utterance } from '../../domain/prompts.ts';
import type { Links } from './links.ts';
import type { TwilioSettings } from './settings.ts';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type SayAttributes = NonNullable<Parameters<VoiceResponse['say']>[0]>;
type Speaker = Pick<VoiceResponse, 'say' | 'play'>;

export type VoiceSettings = Pick<TwilioSettings, 'voice' | 'prompts' | 'promptsExtension'>;

/** Says an utterance: all text-to-speech, or the catalogue's recordings with the rest spoken. */
export function speak(target: Speaker, utterance: Utterance, voice: VoiceSettings, links: Links): void {
  // The voice name is configuration; Twilio rejects an unknown one when it runs the Say.
  const attributes: SayAttributes = { voice: voice.voice as SayAttributes['voice'], language: 'en-GB' };
  if (voice.prompts === 'say') {
    const text = utteranceText(utterance);
    if (text.trim() !== '') target.say(attributes, text);
    return;
  }
  let words: string[] = [];
  const flush = (): void => {
    if (words.length > 0) target.say(attributes, words.join(' '));
    words = [];
  };
  for (const segment of utterance) {
    if (segment.type === 'prompt') {
      flush();
      target.play({}, links.prompt(segment.id, voice.promptsExtension));
    } else {
      words.push(utteranceText([segment]));
    }
  }
  flush();
}

export interface CallerContext {
  callId: string;
  /** The step number every URL in this document carries. */
  step: number;
  /** Caller ID for engineer legs (the line's Twilio number). */
  callerId: string | null;
  settings: Pick<TwilioSettings, 'deskNumber' | 'billingNumber'> & VoiceSettings;
  links: Links;
  /** The engineer's call, already ringing through the REST API: the caller waits in the call's queue. */
  ringing?: { sid: string; engineerId: string } | null;
}

/** The queue a caller waits in while their engineer rings: one per call. */
export function queueName(callId: string): string {
  return `call-${callId}`.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64);
}

export interface CallerRender {
  twiml: string;
  /** What the document does, for the call's timeline. */
  rendered: string[];
  /** Commands after the one that handed the call to Twilio; they cannot run in this document. */
  dropped: MediaCommand['kind'][];
  /** Nothing to wait on and the call not over: the caller would be left in silence. */
  idle: boolean;
}

const HANDS_OVER = new Set<MediaCommand['kind']>(['gather', 'connectDesk', 'dialEngineer', 'record', 'hangup']);

export function renderCallerStep(step: Step, ctx: CallerContext): CallerRender {
  const r = new twilio.twiml.VoiceResponse();
  const rendered: string[] = [];
  const dropped: MediaCommand['kind'][] = [];
  let handedOver = false;
  for (const command of step.commands) {
    if (handedOver) {
      dropped.push(command.kind);
      continue;
    }
    rendered.push(renderCommand(r, command, ctx));
    handedOver = HANDS_OVER.has(command.kind);
  }
  let idle = false;
  if (!handedOver) {
    if (step.ended) {
      r.hangup();
      rendered.push('hangup');
    } else {
      idle = true;
    }
  }
  return { twiml: r.toString(), rendered, dropped, idle };
}

function renderCommand(r: VoiceResponse, command: MediaCommand, ctx: CallerContext): string {
  const { links, settings, callId, step } = ctx;
  switch (command.kind) {
    case 'play':
      speak(r, command.utterance, settings, links);
      return 'say';
    case 'gather': {
      const extra: Record<string, string> = { purpose: command.purpose };
      if (command.secret) extra['secret'] = '1';
      const g = r.gather({
        input: ['dtmf'],
        numDigits: command.maxDigits,
        // Twilio has one timeout for the first key and between keys.
        timeout: command.timeoutSeconds,
        finishOnKey: command.terminator ?? '',
        action: links.step(callId, step, 'gather', extra),
        actionOnEmptyResult: true,
      });
      speak(g, command.utterance, settings, links);
      return `gather:${command.purpose}`;
    }
    case 'connectDesk': {
      const target = deskDestination(command, { support: settings.deskNumber, billing: settings.billingNumber });
      if (!target) {
        r.redirect({ method: 'POST' }, links.step(callId, step, 'no-desk', { queue: command.queue }));
        return `desk:${command.queue}:unconfigured`;
      }
      // No callerId: the desk sees the customer's own number.
      const dial = r.dial({
        action: links.step(callId, step, 'desk', { queue: target.queue }),
        timeout: command.ringSeconds,
        ringTone: 'uk',
      });
      dial.number(
        {
          url: links.deskAnswer(callId, step),
          statusCallback: links.legStatus(callId, step, 'desk'),
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        },
        target.destination,
      );
      return `desk:${target.queue}`;
    }
    case 'dialEngineer': {
      const { engineer } = command;
      if (ctx.ringing?.engineerId === engineer.engineerId) {
        // Already ringing: the caller hears the reference and the hold in the queue meanwhile.
        r.enqueue(
          {
            waitUrl: links.wait(callId, command.announce, command.hold),
            action: links.step(callId, step, 'queue', { engineer: engineer.engineerId, leg: ctx.ringing.sid }),
          },
          queueName(callId),
        );
        return `queue:${engineer.engineerId}`;
      }
      // <Dial> starts only once the speech before it ends: here the announcement still comes first.
      speak(r, [...command.announce, ...command.hold], settings, links);
      const dial = r.dial({
        action: links.step(callId, step, 'engineer', { engineer: engineer.engineerId }),
        timeout: command.ringSeconds,
        ringTone: 'uk',
        ...(ctx.callerId ? { callerId: ctx.callerId } : {}),
      });
      dial.number(
        {
          url: links.screen(callId, step, engineer.engineerId, command.whisper, command.whisperTimeoutSeconds, command.acceptKey),
          statusCallback: links.legStatus(callId, step, 'engineer', engineer.engineerId),
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        },
        engineer.phone,
      );
      return `dial:${engineer.engineerId}`;
    }
    case 'bridgeEngineer':
      // Twilio joins the legs when the engineer's screening document ends.
      return `bridge:${command.engineerId}`;
    case 'record':
      r.record({
        action: links.step(callId, step, 'record'),
        maxLength: command.maxSeconds,
        timeout: command.maxSilenceSeconds,
        playBeep: true,
        finishOnKey: '#',
        recordingStatusCallback: links.recordingStatus(callId, command.name),
        recordingStatusCallbackEvent: ['completed', 'absent'],
      });
      // An empty recording does not post the action; it falls through to here.
      r.redirect({ method: 'POST' }, links.step(callId, step, 'record-empty'));
      return 'record';
    case 'hangup':
      r.hangup();
      return 'hangup';
  }
}

/** The engineer's leg on answering: the whisper, and one key (the action URL carries which one accepts). */
export function renderScreen(whisper: Utterance, timeoutSeconds: number, action: string, voice: VoiceSettings, links: Links): string {
  const r = new twilio.twiml.VoiceResponse();
  const g = r.gather({
    input: ['dtmf'],
    numDigits: 1,
    timeout: timeoutSeconds,
    // '#' counts as a key that is not 1, not as an early finish.
    finishOnKey: '',
    action,
    actionOnEmptyResult: true,
  });
  speak(g, whisper, voice, links);
  r.hangup();
  return r.toString();
}

/** While the engineer rings: the first pass says `first` (the reference) and the hold; later passes the hold only. */
export function renderWait(first: Utterance, hold: Utterance, firstPass: boolean, voice: VoiceSettings, links: Links): string {
  const r = new twilio.twiml.VoiceResponse();
  speak(r, firstPass ? [...first, ...hold] : hold, voice, links);
  r.pause({ length: 5 });
  return r.toString();
}

/** Accepted on a REST-rung call: the engineer takes the caller out of the call's queue. */
export function renderQueueBridge(callId: string, voice: VoiceSettings, links: Links): string {
  const r = new twilio.twiml.VoiceResponse();
  speak(r, [prompt('whisper-connecting')], voice, links);
  r.dial({}).queue({}, queueName(callId));
  return r.toString();
}

/** Accepted: the document ends, so Twilio joins the engineer to the caller. */
export function renderBridge(voice: VoiceSettings, links: Links): string {
  const r = new twilio.twiml.VoiceResponse();
  speak(r, [prompt('whisper-connecting')], voice, links);
  return r.toString();
}

export function renderHangup(): string {
  const r = new twilio.twiml.VoiceResponse();
  r.hangup();
  return r.toString();
}

export function renderEmpty(): string {
  return new twilio.twiml.VoiceResponse().toString();
}

/** Asterisk takes the call; if the SIP leg fails, the action runs the IVR here. */
export function renderSipHandOff(uri: string, action: string, timeoutSeconds: number): string {
  const r = new twilio.twiml.VoiceResponse();
  // answerOnBridge: the caller hears ringing, not silence, until Asterisk answers.
  r.dial({ action, timeout: timeoutSeconds, answerOnBridge: true }).sip({}, uri);
  return r.toString();
}

export interface SafeContext {
  deskNumber: string | null;
  voice: VoiceSettings;
  links: Links;
}

/**
 * Where a caller goes when this app cannot run the flow (a store down, a bug):
 * the desk if there is one, else a message. Needs nothing but this document.
 */
export function renderSafeRoute(ctx: SafeContext): string {
  const r = new twilio.twiml.VoiceResponse();
  if (ctx.deskNumber) {
    speak(r, [prompt('connecting-desk')], ctx.voice, ctx.links);
    r.dial({ action: ctx.links.safe('desk-done'), timeout: 30, ringTone: 'uk' }).number({}, ctx.deskNumber);
    return r.toString();
  }
  safeMessage(r, [prompt('leave-message')], ctx);
  return r.toString();
}

export function renderSafeAfterDesk(bridged: boolean, ctx: SafeContext): string {
  const r = new twilio.twiml.VoiceResponse();
  if (bridged) r.hangup();
  else safeMessage(r, [prompt('desk-busy'), prompt('leave-message')], ctx);
  return r.toString();
}

export function renderSafeRecorded(recorded: boolean, ctx: SafeContext): string {
  const r = new twilio.twiml.VoiceResponse();
  speak(r, [prompt(recorded ? 'message-taken' : 'no-message'), prompt('goodbye')], ctx.voice, ctx.links);
  r.hangup();
  return r.toString();
}

function safeMessage(r: VoiceResponse, lead: Utterance, ctx: SafeContext): void {
  speak(r, lead, ctx.voice, ctx.links);
  r.record({
    action: ctx.links.safe('recorded'),
    maxLength: 180,
    timeout: 5,
    playBeep: true,
    finishOnKey: '#',
    recordingStatusCallback: ctx.links.recordingStatus(undefined, 'safe-route'),
    recordingStatusCallbackEvent: ['completed', 'absent'],
  });
  r.redirect({ method: 'POST' }, ctx.links.safe('record-empty'));
}
