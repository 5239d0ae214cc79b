// How the line asks for keys, and how patient it is.
import type { DeskQueue, EngineerOutcome, GatherPurpose, MediaCommand } from './types.ts';
import type { Utterance } from '../prompts.ts';

/** Re-prompts after an invalid or missing entry before the safe default. */
export const MAX_REPROMPTS = 3;
/** Wrong PINs on one call before authentication ends for the call. */
export const MAX_PIN_FAILURES = 3;
/** How long an engineer has to press 1 after hearing the whisper. */
export const WHISPER_TIMEOUT_SECONDS = 10;
/** The one key that connects an engineer to the caller; the whisper tells them to press it. */
export const ENGINEER_ACCEPT_KEY = '1';
/** How long the desk rings before the caller is offered a message, unless the call service says otherwise. */
export const DESK_RING_SECONDS = 60;
export const VOICEMAIL_MAX_SECONDS = 180;
/** How long a voicemail is kept, as the caller is told, unless the call service says otherwise (RECORDING_RETENTION_DAYS). */
export const RECORDING_RETENTION_DAYS = 90;
export const VOICEMAIL_MAX_SILENCE_SECONDS = 5;
/**
 * The least talking that makes a recording a message. Asterisk reports about 1 s of
 * talking for a recording of nothing but silence ended by the silence limit: it keeps
 * 200 ms of the final silence and trims silence in whole seconds (main/app.c,
 * __ast_play_and_record), so a talking_duration of 1 is no message.
 */
export const MIN_MESSAGE_TALKING_SECONDS = 2;

/**
 * Whether a finished recording holds a message: its talking when the carrier measured
 * it (Asterisk does when the recording has a silence limit), else its length. One that
 * does not is not kept: the caller is told no message was left, and its file is deleted.
 */
export function isMessage(recording: { durationSeconds: number; talkingSeconds: number | null }): boolean {
  return (recording.talkingSeconds ?? recording.durationSeconds) >= MIN_MESSAGE_TALKING_SECONDS;
}

interface DigitRule {
  maxDigits: number;
  pattern: RegExp;
  secret: boolean;
}

const RULES: Record<GatherPurpose, DigitRule> = {
  account: { maxDigits: 10, pattern: /^[0-9]{3,10}$/, secret: false },
  pin: { maxDigits: 8, pattern: /^[0-9]{4,8}$/, secret: true },
  menu: { maxDigits: 1, pattern: /^[1-4]$/, secret: false },
  critical: { maxDigits: 1, pattern: /^[12]$/, secret: false },
  adhoc: { maxDigits: 1, pattern: /^[12]$/, secret: false },
  ticket: { maxDigits: 8, pattern: /^[0-9]{1,8}$/, secret: false },
  // 1 joins the incident; any other key (or none) carries on to the menu.
  announcement: { maxDigits: 1, pattern: /^[0-9]$/, secret: false },
};

export function gather(purpose: GatherPurpose, utterance: Utterance): MediaCommand {
  const rule = RULES[purpose];
  const multi = rule.maxDigits > 1;
  return {
    kind: 'gather',
    purpose,
    utterance,
    maxDigits: rule.maxDigits,
    timeoutSeconds: 8,
    interDigitSeconds: 5,
    terminator: multi ? '#' : null,
    secret: rule.secret,
  };
}

/** The entry if it is well formed for the question, else null (garbage, `*`, too long). */
export function validEntry(purpose: GatherPurpose, digits: string): string | null {
  const cleaned = digits.endsWith('#') ? digits.slice(0, -1) : digits;
  return RULES[purpose].pattern.test(cleaned) ? cleaned : null;
}

export function isSecret(purpose: GatherPurpose): boolean {
  return RULES[purpose].secret;
}

type DialEngineer = Extract<MediaCommand, { kind: 'dialEngineer' }>;
type ConnectDesk = Extract<MediaCommand, { kind: 'connectDesk' }>;

/**
 * What an engineer's key means, whichever carrier heard it: only the command's accept
 * key connects them; any other key passes the call on; no key at all (their voicemail
 * picked up, or silence) is `no_key`.
 */
export function engineerKeyOutcome(
  command: Pick<DialEngineer, 'acceptKey'>,
  digits: string | null | undefined,
): Extract<EngineerOutcome, 'accepted' | 'declined' | 'no_key'> {
  if (!digits) return 'no_key';
  return digits === command.acceptKey ? 'accepted' : 'declined';
}

/** The desk a call goes to: billing calls to the accounts team, everything else to support. */
export function deskCommand(queue: DeskQueue, ringSeconds: number): ConnectDesk {
  return { kind: 'connectDesk', queue, fallbackQueue: queue === 'billing' ? 'support' : null, ringSeconds };
}

/**
 * Which of the carrier's desk destinations to ring: the command's queue, else its
 * fallback (a line without an accounts number sends billing calls to the desk), else
 * none, and the desk counts as failed.
 */
export function deskDestination(
  command: Pick<ConnectDesk, 'queue' | 'fallbackQueue'>,
  destinations: Record<DeskQueue, string | null>,
): { queue: DeskQueue; destination: string } | null {
  for (const queue of [command.queue, command.fallbackQueue]) {
    if (queue === null) continue;
    const destination = destinations[queue];
    if (destination) return { queue, destination };
  }
  return null;
}

/** Pressed at any question: a person, where one is available (said once, after the greeting). */
export const PERSON_KEY = '0';
/** Pressed at any question: the question again, counted against nothing. */
export const REPEAT_KEY = '*';

/**
 * The keys that mean the same at every question, whatever it asks. A lone 0 is never a
 * valid answer (menus start at 1, account numbers and PINs are longer), so it cannot
 * shadow one.
 */
export function anyQuestionKey(digits: string): 'person' | 'repeat' | null {
  const cleaned = digits.endsWith('#') ? digits.slice(0, -1) : digits;
  if (cleaned === PERSON_KEY) return 'person';
  if (cleaned === REPEAT_KEY) return 'repeat';
  return null;
}
