// What the caller hears, as Asterisk media URIs. Prompts are sound files rendered
// into Asterisk's sounds folder; digits and numbers are Asterisk's own core sounds.
import type { Segment, Utterance } from '../../domain/prompts.ts';

/**
 * Digits and numbers are played as the core sound files (`sound:digits/4`), not as
 * `digits:`/`number:` media: Asterisk ignores a stop while it says those (ast_say_*
 * drops the stop control frame and the rest of the playback carries on), so a caller's
 * barge-in or an engineer's early 1 would not cut the prompt. Sound files stop at once.
 */
export function mediaFor(utterance: Utterance, soundsFolder: string): string[] {
  return utterance.flatMap((segment) => segmentMedia(segment, soundsFolder));
}

function segmentMedia(segment: Segment, folder: string): string[] {
  switch (segment.type) {
    case 'prompt':
      return [`sound:${folder}/${segment.id}`];
    case 'digits':
      // Asterisk has sounds for 0-9, * and #; anything else (and a comma above all, which
      // would split the media list) is dropped rather than sent.
      return [...segment.value].flatMap((c) => {
        const file = DIGIT_SOUND[c];
        return file ? [`sound:${file}`] : [];
      });
    case 'number':
      return Number.isInteger(segment.value) && segment.value >= 0 ? numberSounds(segment.value).map((f) => `sound:${f}`) : [];
    case 'text':
      // Free text needs text-to-speech, which Asterisk does not have: say the fallback.
      return segment.fallback.flatMap((s) => segmentMedia(s, folder));
    case 'sound':
      // A name with a comma would split the media list; the line names these itself.
      return /^[A-Za-z0-9/_-]+$/.test(segment.name) ? [`sound:${segment.name}`] : [];
  }
}

const DIGIT_SOUND: Record<string, string> = {
  ...Object.fromEntries([...'0123456789'].map((d) => [d, `digits/${d}`])),
  '*': 'digits/star',
  '#': 'digits/pound',
};

/** The core sound files Asterisk's English `number:` plays for n (main/say.c get_number_str_en). */
export function numberSounds(n: number): string[] {
  if (n < 20) return [`digits/${n}`];
  if (n < 100) return [`digits/${n - (n % 10)}`, ...(n % 10 > 0 ? [`digits/${n % 10}`] : [])];
  if (n < 1000) return [`digits/${Math.floor(n / 100)}`, 'digits/hundred', ...(n % 100 > 0 ? numberSounds(n % 100) : [])];
  if (n < 1_000_000) return [...numberSounds(Math.floor(n / 1000)), 'digits/thousand', ...(n % 1000 > 0 ? numberSounds(n % 1000) : [])];
  return [...numberSounds(Math.floor(n / 1_000_000)), 'digits/million', ...(n % 1_000_000 > 0 ? numberSounds(n % 1_000_000) : [])];
}

/**
 * The core sounds the flow can ask for: digits, the numbers of spoken times (hours,
 * minutes, days of the month) and the recording's beep. Without them every ticket
 * reference and time is silent, in the middle of a prompt where nobody notices.
 */
export const CORE_SOUNDS: readonly string[] = [
  ...Array.from({ length: 20 }, (_, n) => `digits/${n}`),
  'digits/20',
  'digits/30',
  'digits/40',
  'digits/50',
  'beep',
];

/** The prompt id behind a `sound:` URI of ours, for timelines. */
export function promptOf(mediaUri: string, soundsFolder: string): string | null {
  const prefix = `sound:${soundsFolder}/`;
  return mediaUri.startsWith(prefix) ? mediaUri.slice(prefix.length) : null;
}
