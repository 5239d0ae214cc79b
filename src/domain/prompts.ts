// The prompt catalogue (prompts/catalogue.json) is the one source of what the line
// says. Asterisk plays each id as a rendered sound file; Twilio speaks the same text.
import catalogue from '../../prompts/catalogue.json' with { type: 'json' };

export type PromptId = keyof typeof catalogue;

export const PROMPTS: Readonly<Record<PromptId, string>> = catalogue;

export function isPromptId(value: string): value is PromptId {
  return Object.prototype.hasOwnProperty.call(catalogue, value);
}

/**
 * One piece of what the caller hears. Carriers render each kind their own way:
 * a prompt is a sound file on Asterisk and text on Twilio; digits and numbers are
 * Asterisk's core sound files (`digits/4`) and plain text on Twilio. A `text` segment
 * is free text (an account name) that only text-to-speech can say, so it carries
 * a fallback made of the other kinds.
 */
export type Segment =
  | { type: 'prompt'; id: PromptId }
  | { type: 'digits'; value: string }
  | { type: 'number'; value: number }
  | { type: 'text'; value: string; fallback: readonly Segment[] }
  /** A sound file rendered for Asterisk outside the catalogue (an announcement, when it was posted): only a text's fallback. */
  | { type: 'sound'; name: string };

export type Utterance = readonly Segment[];

export const prompt = (id: PromptId): Segment => ({ type: 'prompt', id });
export const digits = (value: string): Segment => ({ type: 'digits', value });
export const num = (value: number): Segment => ({ type: 'number', value });

/** The words of an utterance, as text-to-speech and transcripts show them. */
export function utteranceText(utterance: Utterance): string {
  let text = '';
  for (const segment of utterance) {
    const next = segmentText(segment);
    if (text === '') text = next;
    else {
      // A new sentence after a fragment ("…is 1 0 4 2" + "An engineer…") needs its full stop;
      // a day or month name ("on Monday 23 November") and a customer's name ("from account
      // Acme Dental") are capitalised mid-sentence.
      const midSentence = segment.type === 'text' || (segment.type === 'prompt' && /^(day|month)-/.test(segment.id));
      const stop = !midSentence && /^[A-Z]/.test(next) && !/[.,!?:]$/.test(text) ? '.' : '';
      text = `${text}${stop} ${next}`;
    }
  }
  return text;
}

function segmentText(segment: Segment): string {
  switch (segment.type) {
    case 'prompt':
      return PROMPTS[segment.id];
    case 'digits':
      return segment.value.split('').join(' ');
    case 'number':
      return String(segment.value);
    case 'text':
      return segment.value;
    case 'sound':
      return '';
  }
}
